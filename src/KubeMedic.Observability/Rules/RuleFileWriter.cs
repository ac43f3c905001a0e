using KubeMedic.Observability.Yaml;

namespace KubeMedic.Observability.Rules;

/// <summary>Where a PrometheusRule object goes.</summary>
public sealed record PrometheusRuleMetadata(string Name, string Namespace = "monitoring")
{
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>
    {
        ["prometheus"] = "k8s",
        ["role"] = "alert-rules",
        ["app.kubernetes.io/name"] = "kubemedic",
    };
}

/// <summary>Writes rule sets as promtool rule files (<c>groups:</c>) or as <c>monitoring.coreos.com/v1</c> PrometheusRule objects.</summary>
public static class RuleFileWriter
{
    public static string ToPlain(RuleSet rules) => YamlText.Serialize(new Dictionary<string, object> { ["groups"] = GroupsNode(rules) });

    public static string ToPrometheusRule(RuleSet rules, PrometheusRuleMetadata metadata) => YamlText.Serialize(new Dictionary<string, object>
    {
        ["apiVersion"] = "monitoring.coreos.com/v1",
        ["kind"] = "PrometheusRule",
        ["metadata"] = new Dictionary<string, object>
        {
            ["name"] = metadata.Name,
            ["namespace"] = metadata.Namespace,
            ["labels"] = new Dictionary<string, string>(metadata.Labels),
        },
        ["spec"] = new Dictionary<string, object> { ["groups"] = GroupsNode(rules) },
    });

    private static List<object> GroupsNode(RuleSet rules) => rules.Groups.Select(g =>
    {
        var group = new Dictionary<string, object> { ["name"] = g.Name };
        if (g.Interval is not null)
        {
            group["interval"] = g.Interval;
        }

        group["rules"] = g.Rules.Select(RuleNode).ToList();
        return (object)group;
    }).ToList();

    private static object RuleNode(Rule rule)
    {
        switch (rule)
        {
            case RecordingRule r:
                var rec = new Dictionary<string, object> { ["record"] = r.Record, ["expr"] = r.Expr };
                if (r.Labels is { Count: > 0 })
                {
                    rec["labels"] = new Dictionary<string, string>(r.Labels);
                }

                return rec;
            case AlertingRule a:
                var alert = new Dictionary<string, object> { ["alert"] = a.Alert, ["expr"] = a.Expr };
                if (a.For is not null && a.For != "0s")
                {
                    alert["for"] = a.For;
                }

                alert["labels"] = new Dictionary<string, string>(a.Labels);
                alert["annotations"] = new Dictionary<string, string>(a.Annotations);
                return alert;
            default:
                throw new ArgumentOutOfRangeException(nameof(rule));
        }
    }
}
