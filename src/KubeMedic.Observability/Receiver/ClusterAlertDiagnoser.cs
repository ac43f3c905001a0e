using KubeMedic.Core.Analysis;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;
using KubeMedic.Observability.Evidence;
using CoreEvidence = KubeMedic.Core.Findings.Evidence;

namespace KubeMedic.Observability.Receiver;

/// <summary>
/// Runs the diagnosis engine on the alert's namespace and keeps the findings about the objects the alert names (the object
/// itself, its owner, or pods of it), worst first; the top finding gets the Prometheus evidence for its code (memory trend,
/// restarts, CPU, deploy correlation). The cluster comes from <paramref name="loadModel"/> (a live cluster, a snapshot or the
/// simulator, through the CLI's cluster source).
/// </summary>
public sealed class ClusterAlertDiagnoser(Func<ClusterScope, CancellationToken, Task<ClusterModel>> loadModel, MetricEvidenceCollector? metrics, TimeProvider time) : IAlertDiagnoser
{
    public async Task<AlertDiagnosis?> DiagnoseAsync(AlertSignal alert, CancellationToken ct)
    {
        if (alert.Objects.Count == 0)
        {
            return null;
        }

        var ns = alert.Objects.FirstOrDefault(o => o.Namespace is not null)?.Namespace;
        var model = await loadModel(new ClusterScope(ns), ct);
        var result = DiagnosisEngine.Default.Diagnose(model, new DiagnoseOptions { Time = time });
        var related = result.Findings.Where(f => About(f, alert.Objects)).ToList();
        var missing = new List<string>();
        if (related.Count == 0)
        {
            return new AlertDiagnosis($"diagnosis found no problem on {string.Join(", ", alert.Objects)} (the alert may be transient or about metrics only)", [], missing);
        }

        // prefer the finding whose code the alert carries, then the worst
        var top = related.FirstOrDefault(f => f.Code == alert.Code) ?? related[0];
        MemoryVerdict? memory = null;
        IReadOnlyList<MetricSeries> series = [];
        if (metrics is not null)
        {
            var lastDeploy = LastDeploy(model, top);
            var report = await metrics.ForFindingAsync(top, lastDeploy, alert.Labels.TryGetValue("service", out var svc) ? svc : null, ct);
            missing.AddRange(report.Missing);
            memory = report.Memory;
            series = report.Series;
            if (report.Evidence.Count > 0)
            {
                var enriched = top with { Evidence = [.. top.Evidence, .. report.Evidence] };
                related[related.IndexOf(top)] = enriched;
                top = enriched;
            }
        }
        else
        {
            missing.Add("metric evidence: no Prometheus configured (serve --prometheus URL)");
        }

        var summary = $"{top.Code} on {top.Object}: {top.Summary}" + (top.Cause.Length > 0 ? $" — {top.Cause}" : "")
            + (memory is { Pattern: not MemoryPattern.Inconclusive } ? $" [{memory.Summary.Split(':')[0]}]" : "");
        return new AlertDiagnosis(summary, top.Evidence.Select(e => $"{e.Source}: {e.Text}").ToList(), missing, related) { Series = series, Memory = memory };
    }

    private static bool About(Finding f, IReadOnlyList<ObjectRef> objects) =>
        objects.Any(o => f.Object == o || f.Owner == o || (o.Kind == "Pod" && f.Pods.Contains(o.Name) && f.Object.Namespace == o.Namespace)
            || (o.Kind is "Deployment" or "StatefulSet" or "DaemonSet" && f.Object.Namespace == o.Namespace && f.Object.Name.StartsWith(o.Name + "-", StringComparison.Ordinal)));

    /// <summary>When the last rollout of the finding's Deployment started: the creation time of its current ReplicaSet.</summary>
    internal static DateTimeOffset? LastDeploy(ClusterModel model, Finding f)
    {
        var deployment = f.Object.Kind == "Deployment" ? f.Object : f.Owner is { Kind: "Deployment" } o ? o : null;
        if (deployment is null)
        {
            return null;
        }

        // the ReplicaSet with the highest revision is the current rollout (a rollback re-labels an old one, so prefer revision)
        return model.ReplicaSets
            .Where(rs => rs.Namespace == deployment.Namespace && rs.OwnerReferences.Any(w => w.Kind == "Deployment" && w.Name == deployment.Name))
            .OrderByDescending(rs => rs.Revision ?? 0)
            .ThenByDescending(rs => rs.CreationTimestamp)
            .FirstOrDefault()?.CreationTimestamp;
    }
}
