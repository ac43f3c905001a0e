namespace KubeMedic.Observability.Rules;

/// <summary>A Prometheus rule group (only fields Prometheus 2.42 accepts: name, interval, rules).</summary>
public sealed record RuleGroup(string Name, IReadOnlyList<Rule> Rules, string? Interval = null);

/// <summary>An alerting or recording rule.</summary>
public abstract record Rule(string Expr);

public sealed record RecordingRule(string Record, string Expr, IReadOnlyDictionary<string, string>? Labels = null) : Rule(Expr);

public sealed record AlertingRule(
    string Alert,
    string Expr,
    string? For,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations) : Rule(Expr)
{
    /// <summary>The promtool unit-test cases that go with this rule: one where it fires, one where it must not.</summary>
    public RuleTestCase? Firing { get; init; }

    public RuleTestCase? Quiet { get; init; }
}

/// <summary>One input series in promtool's expanding notation, e.g. <c>0+60x30</c>.</summary>
public sealed record InputSeries(string Series, string Values);

/// <summary>
/// A promtool test case for one alert: input series, the evaluation time, and (for a firing case) the expected alert
/// labels (without alertname and rule labels, which are added) and the <c>$value</c> the annotations are rendered with.
/// </summary>
public sealed record RuleTestCase(
    string Name,
    IReadOnlyList<InputSeries> Input,
    string EvalTime,
    IReadOnlyList<ExpectedAlert> Expected);

public sealed record ExpectedAlert(IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A rule file: groups, renderable as a plain promtool file or a PrometheusRule.</summary>
public sealed record RuleSet(IReadOnlyList<RuleGroup> Groups)
{
    public IEnumerable<AlertingRule> Alerts => Groups.SelectMany(g => g.Rules).OfType<AlertingRule>();

    public IEnumerable<RecordingRule> Records => Groups.SelectMany(g => g.Rules).OfType<RecordingRule>();
}
