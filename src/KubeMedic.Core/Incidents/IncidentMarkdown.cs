using System.Globalization;
using System.Text;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Incidents;

/// <summary>Renders an incident record as the human-readable <c>incident.md</c> kept beside incident.json.</summary>
public static class IncidentMarkdown
{
    public static string Render(IncidentRecord r)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# {r.Id}: {r.Title}");
        sb.AppendLine();
        sb.AppendLine("| | |");
        sb.AppendLine("|---|---|");
        sb.AppendLine($"| Status | **{r.Status}** |");
        sb.AppendLine($"| Severity | {r.Triage?.Severity ?? "not classified"} |");
        sb.AppendLine($"| Opened | {Time(r.CreatedAt)} by {r.OpenedBy} |");
        if (r.ResolvedAt is { } resolved)
        {
            sb.AppendLine($"| Resolved | {Time(resolved)} ({StatusUpdate.FormatDuration(resolved - r.CreatedAt)}) |");
        }

        if (r.Cluster is not null)
        {
            sb.AppendLine($"| Cluster | {Md(r.Cluster)} |");
        }

        sb.AppendLine();
        if (r.Triage is { } t)
        {
            sb.AppendLine("## Triage");
            sb.AppendLine();
            sb.AppendLine($"- Severity: **{t.Severity}**" + (t.Rationale is null ? "" : $" ({Md(t.Rationale)})"));
            sb.AppendLine($"- Impact: {Md(t.Impact)}");
            if (t.AffectedServices.Count > 0)
            {
                sb.AppendLine($"- Affected: {string.Join(", ", t.AffectedServices.Select(s => $"`{s}`"))}" + (t.UserFacing ? " (user-facing)" : ""));
            }

            if (t.Correlation is not null)
            {
                sb.AppendLine($"- Correlation: {Md(t.Correlation)}");
            }

            sb.AppendLine();
        }

        if (r.RootCause is not null || r.Trigger is not null)
        {
            sb.AppendLine("## Cause");
            sb.AppendLine();
            if (r.RootCause is not null)
            {
                sb.AppendLine($"- Root cause: {Md(r.RootCause)}");
            }

            if (r.Trigger is not null)
            {
                sb.AppendLine($"- Trigger: {Md(r.Trigger)}");
            }

            sb.AppendLine();
        }

        if (r.Hypotheses.Count > 0)
        {
            sb.AppendLine("## Hypotheses");
            sb.AppendLine();
            foreach (var h in r.Hypotheses)
            {
                sb.AppendLine($"- **{VerdictText(h.Verdict)}**: {Md(h.Statement)}");
                foreach (var d in h.Data)
                {
                    sb.AppendLine($"  - `{Code(d)}`");
                }
            }

            sb.AppendLine();
        }

        if (r.Findings.Count > 0)
        {
            sb.AppendLine("## Findings");
            sb.AppendLine();
            foreach (var f in r.Findings)
            {
                sb.AppendLine($"### {f.Code} on {f.Object} ({f.Severity.ToString().ToLowerInvariant()})");
                sb.AppendLine();
                sb.AppendLine(Md(f.Summary));
                sb.AppendLine();
                sb.AppendLine($"Cause: {Md(f.Cause)}");
                sb.AppendLine();
                foreach (var e in f.Evidence)
                {
                    sb.AppendLine($"- [{e.Source}] `{Code(e.Text)}`");
                }

                sb.AppendLine();
            }
        }

        if (r.Actions.Count > 0)
        {
            sb.AppendLine("## Actions");
            sb.AppendLine();
            foreach (var a in r.Actions)
            {
                var kind = a.DryRun ? "planned (dry run)" : "applied";
                sb.AppendLine($"- {Time(a.At)} {kind}: {Md(a.Description)}" + (a.AuditId is null ? "" : $" (audit {a.AuditId})"));
                foreach (var c in a.Commands)
                {
                    sb.AppendLine($"  - `{Code(c)}`");
                }

                if (a.Verification is { } v)
                {
                    sb.AppendLine($"  - verification: **{(v.Passed ? "passed" : "failed")}**, {Md(v.Summary)}");
                }
            }

            sb.AppendLine();
        }

        sb.AppendLine("## Timeline (UTC)");
        sb.AppendLine();
        foreach (var e in r.OrderedTimeline())
        {
            var who = e.Author is null ? "" : $" ({e.Author})";
            sb.AppendLine($"- {Time(e.At)} [{e.Source}] {Md(e.Text)}{who}");
        }

        sb.AppendLine();
        sb.AppendLine("## Status updates");
        sb.AppendLine();
        foreach (var s in r.StatusChanges)
        {
            sb.AppendLine($"- {Time(s.At)} **{s.To}**: {Md(s.Message ?? "")}");
        }

        sb.AppendLine();
        sb.AppendLine($"_Record: `{IncidentStore.JsonFile}` in this folder. Update it with `kubemedic incident note {r.Id} \"...\"`._");
        return sb.ToString();
    }

    public static string VerdictText(HypothesisVerdict v) => v switch
    {
        HypothesisVerdict.Confirmed => "confirmed",
        HypothesisVerdict.RuledOut => "ruled out",
        _ => "open",
    };

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Escapes text for a markdown line (keeps it on one line).</summary>
    public static string Md(string s) => s.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);

    /// <summary>Text for an inline code span.</summary>
    public static string Code(string s) => s.ReplaceLineEndings(" ").Replace("`", "'", StringComparison.Ordinal);

    internal static string SeverityWord(Severity s) => s.ToString().ToLowerInvariant();
}
