using System.Globalization;
using System.Text.RegularExpressions;
using KubeMedic.Core;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace KubeMedic.Observability.Slo;

/// <summary>
/// A service's SLOs. The YAML is close to Sloth's <c>prometheus/v1</c> spec:
/// <code>
/// service: order-service
/// window: 30d                 # optional, default 30d
/// labels: {team: shop}        # optional, added to every rule
/// slos:
/// - name: requests-availability
///   objective: 99.9
///   sli:
///     error_query: sum(rate(http_server_requests_seconds_count{service="order-service",status=~"5.."}[{{.window}}]))
///     total_query: sum(rate(http_server_requests_seconds_count{service="order-service"}[{{.window}}]))
/// </code>
/// A single SLO may also be written inline (objective and sli at the top level, name defaults to "availability").
/// </summary>
public sealed record SloSpec(string Service, TimeSpan Window, string WindowText, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<Slo> Slos);

public sealed record Slo(string Name, double Objective, string ErrorQuery, string TotalQuery, string? Description, string? AlertName)
{
    /// <summary>Allowed error ratio, e.g. 0.001 for 99.9.</summary>
    public double ErrorBudget => Math.Round(1 - Objective / 100, 12);

    public string ErrorQueryFor(string window) => ErrorQuery.Replace(SloSpecReader.WindowPlaceholder, window, StringComparison.Ordinal);

    public string TotalQueryFor(string window) => TotalQuery.Replace(SloSpecReader.WindowPlaceholder, window, StringComparison.Ordinal);
}

public static partial class SloSpecReader
{
    public const string WindowPlaceholder = "{{.window}}";

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_-]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    private sealed class RawSli
    {
        public string? ErrorQuery { get; set; }
        public string? TotalQuery { get; set; }
    }

    private sealed class RawSlo
    {
        public string? Name { get; set; }
        public double? Objective { get; set; }
        public string? Description { get; set; }
        public string? AlertName { get; set; }
        public RawSli? Sli { get; set; }
    }

    private sealed class RawSpec
    {
        public string? Version { get; set; }
        public string? Service { get; set; }
        public string? Window { get; set; }
        public Dictionary<string, string>? Labels { get; set; }
        public List<RawSlo>? Slos { get; set; }

        // inline single-SLO form
        public string? Name { get; set; }
        public double? Objective { get; set; }
        public string? Description { get; set; }
        public string? AlertName { get; set; }
        public RawSli? Sli { get; set; }
    }

    public static SloSpec ReadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"-f: cannot read SLO spec '{path}': {ex.Message}", ex);
        }

        return Parse(text, path);
    }

    public static SloSpec Parse(string yaml, string source)
    {
        RawSpec raw;
        try
        {
            raw = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build().Deserialize<RawSpec>(yaml)
                ?? throw new UserInputException($"{source}: empty SLO spec");
        }
        catch (YamlException ex)
        {
            throw new UserInputException($"{source}: invalid SLO spec at line {ex.Start.Line}: {(ex.InnerException ?? ex).Message}", ex);
        }

        var service = raw.Service ?? throw new UserInputException($"{source}: 'service' is required");
        if (!NamePattern().IsMatch(service))
        {
            throw new UserInputException($"{source}: service '{service}' must be letters, digits, '-' or '_'");
        }

        var windowText = raw.Window ?? "30d";
        var window = ParseDuration(windowText) ?? throw new UserInputException($"{source}: window '{windowText}' is not a duration like 30d or 28d");
        if (window < TimeSpan.FromDays(1))
        {
            throw new UserInputException($"{source}: window '{windowText}' is shorter than a day; SLO windows are usually 28d or 30d");
        }

        var labels = raw.Labels ?? [];
        foreach (var key in labels.Keys.Where(k => !LabelName().IsMatch(k)))
        {
            throw new UserInputException($"{source}: label name '{key}' is not a valid Prometheus label name");
        }

        var rawSlos = raw.Slos ?? [];
        if (raw.Objective is not null || raw.Sli is not null)
        {
            rawSlos = [.. rawSlos, new RawSlo { Name = raw.Name ?? "availability", Objective = raw.Objective, Sli = raw.Sli, Description = raw.Description, AlertName = raw.AlertName }];
        }

        if (rawSlos.Count == 0)
        {
            throw new UserInputException($"{source}: no SLO defined (give 'slos:' or 'objective' and 'sli')");
        }

        var slos = new List<Slo>();
        foreach (var s in rawSlos)
        {
            var name = s.Name ?? throw new UserInputException($"{source}: every SLO needs a 'name'");
            if (!NamePattern().IsMatch(name))
            {
                throw new UserInputException($"{source}: SLO name '{name}' must be letters, digits, '-' or '_'");
            }

            if (slos.Any(x => x.Name == name))
            {
                throw new UserInputException($"{source}: SLO name '{name}' is used twice");
            }

            var objective = s.Objective ?? throw new UserInputException($"{source}: SLO '{name}' needs an 'objective' (e.g. 99.9)");
            if (objective is <= 0 or >= 100)
            {
                throw new UserInputException($"{source}: SLO '{name}' objective {objective.ToString(CultureInfo.InvariantCulture)} must be between 0 and 100 (a percentage, e.g. 99.9)");
            }

            var error = s.Sli?.ErrorQuery?.Trim();
            var total = s.Sli?.TotalQuery?.Trim();
            if (string.IsNullOrEmpty(error) || string.IsNullOrEmpty(total))
            {
                throw new UserInputException($"{source}: SLO '{name}' needs sli.error_query and sli.total_query");
            }

            if (!error.Contains(WindowPlaceholder, StringComparison.Ordinal) || !total.Contains(WindowPlaceholder, StringComparison.Ordinal))
            {
                throw new UserInputException($"{source}: SLO '{name}' queries must use the {WindowPlaceholder} placeholder for the range, e.g. rate(x[{WindowPlaceholder}])");
            }

            slos.Add(new Slo(name, objective, error, total, s.Description, s.AlertName));
        }

        return new SloSpec(service, window, windowText, labels, slos);
    }

    public static TimeSpan? ParseDuration(string text)
    {
        var m = Regex.Match(text.Trim(), "^(?:(\\d+)w)?(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?$");
        if (!m.Success || text.Trim().Length == 0)
        {
            return null;
        }

        int G(int i) => m.Groups[i].Success ? int.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
        return TimeSpan.FromDays(G(1) * 7 + G(2)) + TimeSpan.FromHours(G(3)) + TimeSpan.FromMinutes(G(4)) + TimeSpan.FromSeconds(G(5));
    }
}
