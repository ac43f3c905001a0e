using System.Globalization;
using k8s.Models;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Incidents;

namespace KubeMedic.Cli.Commands;

/// <summary>
/// Severity and impact from the live objects, used when the diagnosis engine gives no triage. The rubric (PagerDuty levels,
/// "assume the worst"): SEV1 a user-facing workload has no ready replica; SEV2 a user-facing workload lost capacity, keeps
/// restarting (every restart drops its in-flight requests) or has a critical finding; SEV3 the same on a workload no Service
/// routes to; SEV4 the rest (a risk, no loss yet).
/// </summary>
internal static class TriageEstimate
{
    public static IncidentTriage? From(IReadOnlyList<Finding> findings, IEnumerable<V1Deployment> deployments, IEnumerable<V1Service> services, IEnumerable<V1Pod> pods)
    {
        var serious = findings.Where(f => f.Severity >= Severity.Medium).ToList();
        if (serious.Count == 0)
        {
            return null;
        }

        var byRef = deployments.ToDictionary(d => new ObjectRef("Deployment", d.Metadata.NamespaceProperty, d.Metadata.Name));
        var targets = serious.Select(f => f.Owner ?? f.Object).Distinct().ToList();
        var parts = new List<string>();
        var affected = new List<string>();
        var userFacing = false;
        var worstLost = 0.0;
        var anyNoneAvailable = false;
        var totalRestarts = 0;
        foreach (var target in targets)
        {
            if (!byRef.TryGetValue(target, out var d))
            {
                affected.Add(target.ToString());
                continue;
            }

            var desired = d.Spec?.Replicas ?? 1;
            var labels = d.Spec?.Template?.Metadata?.Labels ?? new Dictionary<string, string>();
            var podsOf = pods.Where(p => p.Metadata.NamespaceProperty == target.Namespace && p.Metadata.DeletionTimestamp is null && labels.All(l => p.Metadata.Labels?.TryGetValue(l.Key, out var v) == true && v == l.Value)).ToList();
            var ready = podsOf.Count(p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);
            var restarts = podsOf.Sum(p => p.Status?.ContainerStatuses?.Sum(c => c.RestartCount) ?? 0);
            var lost = desired == 0 ? 0 : Math.Clamp((desired - ready) * 100.0 / desired, 0, 100);
            worstLost = Math.Max(worstLost, lost);
            totalRestarts += restarts;
            anyNoneAvailable |= desired > 0 && ready == 0;
            var svc = services.FirstOrDefault(s => s.Metadata.NamespaceProperty == target.Namespace && s.Spec?.Selector is { Count: > 0 } sel && sel.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value));
            userFacing |= svc is not null;
            affected.Add($"{target.Namespace}/{target.Name}");
            parts.Add($"{target.Name}: {ready} of {desired} replicas ready now" + (lost > 0 ? $" ({lost.ToString("0", CultureInfo.InvariantCulture)}% of capacity lost)" : "") + $", {restarts} container restarts so far"
                + (svc is not null ? $", serving Service {svc.Metadata.NamespaceProperty}/{svc.Metadata.Name}" : ", no Service selects it"));
        }

        var critical = serious.Any(f => f.Severity == Severity.Critical);
        var hurting = worstLost > 0 || totalRestarts >= 3 || critical;
        var (sev, why) = (userFacing, anyNoneAvailable, hurting) switch
        {
            (true, true, _) => ("SEV1", "a user-facing workload has no ready replica"),
            (true, _, true) => ("SEV2", worstLost > 0 ? "a user-facing workload lost capacity" : $"a user-facing workload keeps restarting ({totalRestarts} restarts): each restart drops in-flight requests"),
            (false, _, true) => ("SEV3", "capacity lost or restarts on a workload no Service routes to"),
            (true, _, false) => ("SEV3", "a user-facing workload is at risk, no loss yet"),
            _ => ("SEV4", "no capacity lost, not user-facing"),
        };
        return new IncidentTriage
        {
            Severity = sev,
            Rationale = why + " (respond's rubric, see docs/incident-process.md)",
            Impact = parts.Count > 0 ? string.Join("; ", parts) : string.Join("; ", serious.Take(3).Select(f => f.Summary)),
            AffectedServices = affected,
            UserFacing = userFacing,
            CapacityLostPercent = Math.Round(worstLost),
        };
    }
}
