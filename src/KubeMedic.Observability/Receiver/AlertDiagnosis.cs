using KubeMedic.Core.Findings;
using KubeMedic.Observability.Evidence;

namespace KubeMedic.Observability.Receiver;

/// <summary>What triage + diagnosis found for an alert: a one-line summary, optional findings, evidence texts and what was not checked.</summary>
public sealed record AlertDiagnosis(string Summary, IReadOnlyList<string> Evidence, IReadOnlyList<string> Missing, IReadOnlyList<Finding>? Findings = null)
{
    /// <summary>Metric series behind the evidence (kept on the incident for postmortem charts).</summary>
    public IReadOnlyList<MetricSeries> Series { get; init; } = [];

    /// <summary>The memory verdict, when there is one (leak / limit too low / spike).</summary>
    public MemoryVerdict? Memory { get; init; }
}

/// <summary>
/// Runs triage + diagnosis on the objects an alert names. The diagnosis engine (diag helper) plugs in here; the receiver ships
/// <see cref="MetricAlertDiagnoser"/> (Prometheus evidence) and <see cref="NoAlertDiagnoser"/>.
/// </summary>
public interface IAlertDiagnoser
{
    Task<AlertDiagnosis?> DiagnoseAsync(AlertSignal alert, CancellationToken ct);
}

public sealed class NoAlertDiagnoser : IAlertDiagnoser
{
    public Task<AlertDiagnosis?> DiagnoseAsync(AlertSignal alert, CancellationToken ct) => Task.FromResult<AlertDiagnosis?>(null);
}

/// <summary>Attaches Prometheus evidence (memory trend, restarts, CPU, deploy correlation) for the alert's code and object.</summary>
public sealed class MetricAlertDiagnoser(MetricEvidenceCollector collector) : IAlertDiagnoser
{
    public async Task<AlertDiagnosis?> DiagnoseAsync(AlertSignal alert, CancellationToken ct)
    {
        var obj = alert.Objects.FirstOrDefault(o => o.Kind == "Pod") ?? alert.Objects.FirstOrDefault();
        if (obj is null || obj.Namespace is null)
        {
            return null;
        }

        var finding = new Finding
        {
            Code = alert.Code ?? FindingCodes.CrashLoop,
            Severity = Severity.High,
            Object = obj,
            Owner = alert.Objects.FirstOrDefault(o => o.Kind is "Deployment" or "StatefulSet" or "DaemonSet"),
            Summary = alert.Summary,
            Cause = alert.AlertName,
        };
        var service = alert.Labels.TryGetValue("service", out var s) ? s : null;
        var report = await collector.ForFindingAsync(finding, null, service, ct);
        var summary = report.Memory is { } m ? m.Summary
            : report.Cpu is { } c ? c.Summary
            : report.Restarts is { } r ? r.Summary
            : report.Deploy is { } d ? d.Summary
            : "no metric evidence";
        return new AlertDiagnosis(summary, report.Evidence.Select(e => e.Text).ToList(), report.Missing) { Series = report.Series, Memory = report.Memory };
    }
}
