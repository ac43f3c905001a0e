using System.Collections.Frozen;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Runbooks;

/// <summary>
/// One runbook in the prometheus-operator form: a title line, then <c>## Meaning</c>, <c>## Impact</c>,
/// <c>## Diagnosis</c>, <c>## Mitigation</c>. Commands use the placeholders <c>$NAMESPACE</c>, <c>$NAME</c>, <c>$KIND</c>,
/// <c>$POD</c>, <c>$NODE</c> and <c>$OBJECT</c>, filled by <see cref="Render"/>.
/// </summary>
public sealed record Runbook(string Code, string Title, IReadOnlyList<string> Alerts, string Template)
{
    /// <summary>Alerts for which another runbook is the primary one, but this one is often the answer.</summary>
    public IReadOnlyList<string> RelatedAlerts { get; init; } = [];

    public static readonly IReadOnlyList<string> Sections = ["Meaning", "Impact", "Diagnosis", "Mitigation"];

    /// <summary>The text of one section (without its heading), or null when missing.</summary>
    public string? Section(string name)
    {
        var match = Regex.Match(Template, $@"^## {Regex.Escape(name)}\s*\n(?<body>.*?)(?=^## |\z)", RegexOptions.Multiline | RegexOptions.Singleline);
        return match.Success ? match.Groups["body"].Value.Trim() : null;
    }

    /// <summary>The markdown with the placeholders filled for <paramref name="target"/> (or left as they are when null).</summary>
    public string Render(ObjectRef? target = null)
    {
        var values = RunbookCatalog.PlaceholderValues(target);
        var body = RunbookCatalog.Fill(Template, values);
        var sb = new StringBuilder();
        var lines = body.Split('\n');
        sb.AppendLine(lines[0]);
        sb.AppendLine();
        if (target is not null)
        {
            sb.AppendLine($"> Filled in for `{target}`.");
            var missing = RunbookCatalog.UnfilledPlaceholders(body);
            if (missing.Count > 0)
            {
                sb.AppendLine($"> Still to fill: {string.Join(", ", missing.Select(m => $"`{m}`"))}" + (missing.Contains("$POD") && target.Namespace is not null
                    ? $" (pick a pod: `kubectl get pods -n {target.Namespace} | grep {target.Name}`)."
                    : "."));
            }

            sb.AppendLine();
        }

        sb.Append($"Finding code: `{Code}`.");
        if (Alerts.Count > 0)
        {
            sb.Append($" Alerts: {string.Join(", ", Alerts.Select(a => $"`{a}`"))}.");
        }

        if (RelatedAlerts.Count > 0)
        {
            sb.Append($" Also relevant for: {string.Join(", ", RelatedAlerts.Select(a => $"`{a}`"))}.");
        }

        sb.AppendLine();
        sb.AppendLine();

        sb.Append(string.Join('\n', lines.Skip(1)).TrimStart('\n'));
        return sb.ToString().TrimEnd() + "\n";
    }
}

/// <summary>
/// The runbooks, one per finding code (a test enforces that every <see cref="FindingCodes"/> constant has one), and the
/// map from kube-prometheus / kubernetes-mixin alert names to them. Generated alert rules link to
/// <see cref="UrlFor"/>: <c>&lt;base&gt;/&lt;code&gt;.md</c>, the files <c>kubemedic runbook export DIR</c> writes.
/// </summary>
public static class RunbookCatalog
{
    private const string ResourcePrefix = "KubeMedic.Runbooks.";
    private static readonly Lazy<FrozenDictionary<string, Runbook>> ByCode = new(Load);
    private static readonly Lazy<FrozenDictionary<string, string>> ByAlert = new(() =>
        All.SelectMany(r => r.Alerts.Select(a => (a, r.Code)))
            .GroupBy(x => x.a, StringComparer.OrdinalIgnoreCase)
            .ToFrozenDictionary(g => g.Key, g => g.First().Code, StringComparer.OrdinalIgnoreCase));

    private static readonly Regex Placeholder = new(@"\$(NAMESPACE|NAME|KIND|POD|NODE|OBJECT)\b", RegexOptions.Compiled);

    /// <summary>All runbooks, ordered by code.</summary>
    public static IReadOnlyList<Runbook> All => [.. ByCode.Value.Values.OrderBy(r => r.Code, StringComparer.Ordinal)];

    /// <summary>The runbook for a finding code, or null.</summary>
    public static Runbook? ForCode(string code) => ByCode.Value.GetValueOrDefault(code.Trim().ToLowerInvariant());

    /// <summary>
    /// The finding code whose runbook covers this alert name (kube-prometheus names such as KubePodCrashLooping, matched
    /// case-insensitively), or null. Several alerts map to one code; each alert is primary in exactly one runbook.
    /// </summary>
    public static string? CodeForAlert(string alertName) => ByAlert.Value.GetValueOrDefault(alertName.Trim());

    /// <summary>Alert name → finding code, for every alert a runbook lists.</summary>
    public static IReadOnlyDictionary<string, string> AlertMap => ByAlert.Value;

    /// <summary>Looks up a finding code, or else an alert name. Null when neither matches.</summary>
    public static Runbook? Find(string codeOrAlert) =>
        ForCode(codeOrAlert) ?? (CodeForAlert(codeOrAlert) is { } code ? ForCode(code) : null);

    /// <summary>The runbook URL for a finding code under <paramref name="baseUrl"/>: <c>&lt;base&gt;/&lt;code&gt;.md</c>.</summary>
    public static string UrlFor(string code, string baseUrl) => $"{baseUrl.TrimEnd('/')}/{code}.md";

    /// <summary>
    /// Writes every runbook to <paramref name="directory"/> as <c>&lt;code&gt;.md</c>, plus a README.md index with the alert map.
    /// Returns the files written.
    /// </summary>
    public static IReadOnlyList<string> Export(string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (var runbook in All)
        {
            var path = Path.Combine(directory, runbook.Code + ".md");
            Incidents.AtomicFile.WriteAllText(path, runbook.Render());
            written.Add(path);
        }

        var index = new StringBuilder();
        index.AppendLine("# KubeMedic runbooks");
        index.AppendLine();
        index.AppendLine("Generated by `kubemedic runbook export`. One runbook per finding code, in the prometheus-operator runbook form");
        index.AppendLine("(Meaning / Impact / Diagnosis / Mitigation). `kubemedic runbook CODE --object KIND/NS/NAME` prints one with the");
        index.AppendLine("commands filled in for that object. Alert rules generated by `kubemedic alerts` link here as `<base>/<code>.md`.");
        index.AppendLine();
        index.AppendLine("| finding code | runbook | alerts (kube-prometheus / kubernetes-mixin) |");
        index.AppendLine("|---|---|---|");
        foreach (var runbook in All)
        {
            var alerts = runbook.Alerts.Count == 0 ? "-" : string.Join(", ", runbook.Alerts);
            if (runbook.RelatedAlerts.Count > 0)
            {
                alerts += $" (related: {string.Join(", ", runbook.RelatedAlerts)})";
            }

            index.AppendLine($"| `{runbook.Code}` | [{runbook.Title}]({runbook.Code}.md) | {alerts} |");
        }

        var indexPath = Path.Combine(directory, "README.md");
        Incidents.AtomicFile.WriteAllText(indexPath, index.ToString());
        written.Add(indexPath);
        return written;
    }

    internal static Dictionary<string, string> PlaceholderValues(ObjectRef? target)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (target is null)
        {
            return values;
        }

        var kind = target.Kind.ToLowerInvariant();
        if (target.Namespace is not null)
        {
            values["NAMESPACE"] = target.Namespace;
        }

        switch (kind)
        {
            case "pod" or "pods" or "po":
                values["POD"] = target.Name;
                break;
            case "node" or "nodes" or "no":
                values["NODE"] = target.Name;
                values["NAME"] = target.Name;
                values["KIND"] = "node";
                break;
            default:
                values["KIND"] = kind;
                values["NAME"] = target.Name;
                break;
        }

        values["OBJECT"] = target.ToString();
        return values;
    }

    internal static string Fill(string template, IReadOnlyDictionary<string, string> values) =>
        Placeholder.Replace(template, m => values.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);

    internal static IReadOnlyList<string> UnfilledPlaceholders(string text) =>
        [.. Placeholder.Matches(text).Select(m => m.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    private static FrozenDictionary<string, Runbook> Load()
    {
        var assembly = typeof(RunbookCatalog).Assembly;
        var result = new Dictionary<string, Runbook>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".md", StringComparison.Ordinal)))
        {
            var code = name[ResourcePrefix.Length..^3];
            using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"runbook resource {name} missing");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            result[code] = Parse(code, reader.ReadToEnd());
        }

        return result.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Parses a runbook file: front matter (<c>title:</c>, <c>alerts:</c>) between <c>---</c> lines, then the markdown.</summary>
    internal static Runbook Parse(string code, string text)
    {
        text = text.ReplaceLineEndings("\n");
        var title = code;
        IReadOnlyList<string> alerts = [];
        IReadOnlyList<string> related = [];
        if (text.StartsWith("---\n", StringComparison.Ordinal))
        {
            var end = text.IndexOf("\n---\n", 4, StringComparison.Ordinal);
            if (end < 0)
            {
                throw new InvalidOperationException($"runbook {code}: front matter is not closed");
            }

            foreach (var line in text[4..end].Split('\n'))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0)
                {
                    continue;
                }

                var key = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                if (key == "title")
                {
                    title = value;
                }
                else if (key == "alerts")
                {
                    alerts = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                }
                else if (key == "related")
                {
                    related = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                }
            }

            text = text[(end + 5)..];
        }

        return new Runbook(code, title, alerts, text.Trim() + "\n") { RelatedAlerts = related };
    }
}
