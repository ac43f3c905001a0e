using System.Globalization;
using KubeMedic.Core.Analysis;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;
using KubeMedic.Observability.Receiver;
using CoreEvidence = KubeMedic.Core.Findings.Evidence;

namespace KubeMedic.Observability.Evidence;

/// <summary>One finding's metric evidence: the finding id/code and the collector's report.</summary>
public sealed record FindingMetricEvidence(Finding Finding, MetricEvidenceReport Report);

/// <summary>
/// Adds Prometheus evidence to a diagnosis (diagnose/triage <c>--prometheus URL</c>): for each finding, the collector's metric evidence
/// items, a one-line memory verdict ("memory: leak, 48 MiB/min, …" / "memory: limit too low, plateau at 97% of the limit") and, for
/// evidence that could not be gathered, a "not checked" note. Never throws for Prometheus failures: the diagnosis is kept.
/// </summary>
public static class DiagnosisEnricher
{
    public static async Task<(DiagnosisResult Result, IReadOnlyList<FindingMetricEvidence> Reports)> EnrichAsync(
        DiagnosisResult result, ClusterModel? model, MetricEvidenceCollector collector, CancellationToken ct = default)
    {
        var findings = new List<Finding>(result.Findings.Count);
        var reports = new List<FindingMetricEvidence>();
        foreach (var f in result.Findings)
        {
            var report = await collector.ForFindingAsync(f, model is null ? null : ClusterAlertDiagnoser.LastDeploy(model, f), null, ct);
            reports.Add(new FindingMetricEvidence(f, report));
            // the verdict leads (short listings show the first evidence items only); the detailed metric evidence is appended
            var lead = report.Memory is { } m && Verdict(m) is { } verdict ? new[] { new CoreEvidence(EvidenceSource.Metric, verdict) } : [];
            var extra = new List<CoreEvidence>(report.Evidence);
            extra.AddRange(report.Missing.Select(x => new CoreEvidence(EvidenceSource.Metric, "not checked: " + x)));
            findings.Add(f with { Evidence = [.. lead, .. f.Evidence, .. extra] });
        }

        return (result with { Findings = findings }, reports);
    }

    /// <summary>The headline of a memory verdict, e.g. "memory: leak, 48 MiB/min, limit reached in ~4 min".</summary>
    public static string? Verdict(MemoryVerdict m)
    {
        var pct = m.PeakOfLimit is { } p ? p.ToString("0%", CultureInfo.InvariantCulture) : null;
        return m.Pattern switch
        {
            MemoryPattern.Leak => "memory: leak, " + (m.SlopeMiBPerMinute ?? 0).ToString("0.#", CultureInfo.InvariantCulture) + " MiB/min"
                + (m.TimeToLimit is { } t ? (t.TotalMinutes < 0.5 ? ", at the limit now" : $", limit reached in ~{Math.Ceiling(t.TotalMinutes).ToString(CultureInfo.InvariantCulture)} min") : ""),
            MemoryPattern.LimitTooLow => "memory: limit too low, plateau" + (pct is null ? "" : $" at {pct} of the limit") + " (not a leak)",
            MemoryPattern.Spike => "memory: spike" + (pct is null ? "" : $" to {pct} of the limit"),
            MemoryPattern.Steady => "memory: steady" + (pct is null ? "" : $", peak {pct} of the limit"),
            _ => "memory: inconclusive",
        };
    }
}
