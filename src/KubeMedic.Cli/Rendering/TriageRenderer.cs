using System.Globalization;
using KubeMedic.Core.Analysis;
using KubeMedic.Core.Triage;

namespace KubeMedic.Cli.Rendering;

/// <summary>Renders a triage report as text (sections, 100 columns) or Markdown.</summary>
internal static class TriageRenderer
{
    public static void WriteText(TriageReport r, TextWriter w, bool markdown)
    {
        var h = markdown ? "## " : "";
        w.WriteLine(markdown ? $"# Incident triage: {r.Severity}" : $"INCIDENT TRIAGE — {r.Severity} (as of {Quote.Time(r.AsOf)})");
        w.WriteLine();
        w.WriteLine($"{h}Severity: {r.Severity}");
        w.WriteLine($"  {r.SeverityMeaning}");
        w.WriteLine($"  because {r.SeverityReason}");
        w.WriteLine();
        w.WriteLine($"{h}Impact");
        if (r.Impact.Count == 0)
        {
            w.WriteLine("  no workload is below its desired replicas");
        }

        foreach (var i in r.Impact)
        {
            var reach = i.Ingresses.Count > 0 ? $"user-facing via Ingress {string.Join(", ", i.Ingresses)}" : i.UserFacing ? $"behind Service {string.Join(", ", i.Services)}" : "internal (no Service)";
            w.WriteLine($"  - {i.Object.Namespace}/{i.Object.Kind.ToLowerInvariant()}/{i.Object.Name}: {i.Available}/{i.Desired} available, {i.CapacityLostPercent.ToString("0", CultureInfo.InvariantCulture)}% capacity lost; {reach}"
                + (i.Findings.Count > 0 ? $" [{string.Join(", ", i.Findings)}]" : ""));
        }

        w.WriteLine();
        w.WriteLine($"{h}Timeline (UTC)");
        foreach (var e in r.Timeline)
        {
            w.WriteLine($"  {e.Time.UtcDateTime:HH:mm:ss}  {e.Kind,-10} {e.Text}");
        }

        if (r.Correlation is not null)
        {
            w.WriteLine($"  => {r.Correlation}");
        }

        w.WriteLine();
        w.WriteLine($"{h}Leading hypothesis");
        if (r.LeadingHypothesis is { } lead)
        {
            w.WriteLine($"  {lead.Code} on {lead.Object}: {lead.Statement}");
            foreach (var e in lead.Evidence)
            {
                w.WriteLine($"    {e}");
            }

            if (lead.Fix is not null)
            {
                w.WriteLine($"  fix: {lead.Fix}");
            }
        }
        else
        {
            w.WriteLine("  none: no failing cause found");
        }

        if (r.OtherRootCauses.Count > 0)
        {
            w.WriteLine();
            w.WriteLine($"{h}Other root causes");
            foreach (var other in r.OtherRootCauses)
            {
                w.WriteLine($"  - {other}");
            }
        }

        w.WriteLine();
        w.WriteLine($"{h}Hypotheses checked");
        foreach (var c in r.Checks)
        {
            w.WriteLine($"  [{c.Verdict}] {c.Hypothesis}: {c.Reason}");
        }

        w.WriteLine();
        w.WriteLine($"{h}Status update ({r.Status.State}) — paste as is");
        if (markdown)
        {
            w.WriteLine();
            w.WriteLine("```text");
        }

        foreach (var line in r.Status.Text.Split('\n'))
        {
            w.WriteLine(markdown ? line : "  " + line);
        }

        if (markdown)
        {
            w.WriteLine("```");
        }
    }
}
