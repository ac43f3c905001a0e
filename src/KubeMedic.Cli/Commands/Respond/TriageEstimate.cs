using System.Globalization;
using k8s.Models;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Incidents;

namespace KubeMedic.Cli.Commands;

/// <summary>
/// Severity and impact from the live objects, used when the diagnosis engine gives no triage. The rubric (PagerDuty levels,
/// "assume the worst"): SEV1 a user-facing workload has no available replica; SEV2 a user-facing workload lost capacity or
/// has a critical finding; SEV3 capacity lost or a high finding elsewhere; SEV4 the rest.
/// </summary>
internal static class TriageEstimate
{
    public static IncidentTriage? From(IReadOnlyList<Finding> findings, IEnumerable<V1Deployment> deployments, IEnumerable<V1Service> services, IEnumerable<V1Pod> pods)
    {
        var serious = findings.Where(f => f.Severity >= Severity.High).ToList();
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
            anyNoneAvailable |= desired > 0 && ready == 0;
            var svc = services.FirstOrDefault(s => s.Metadata.NamespaceProperty == target.Namespace && s.Spec?.Selector is { Count: > 0 } sel && sel.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value));
            userFacing |= svc is not null;
            affected.Add($"{target.Namespace}/{target.Name}");
            parts.Add($"{target.Name}: {desired - ready} of {desired} replicas not ready ({lost.ToString("0", CultureInfo.InvariantCulture)}% of capacity), {restarts} container restarts"
                + (svc is not null ? $", serving Service {svc.Metadata.NamespaceProperty}/{svc.Metadata.Name}" : ", no Service selects it"));
        }

        var critical = serious.Any(f => f.Severity == Severity.Critical);
        var (sev, why) = (userFacing, anyNoneAvailable, worstLost, critical) switch
        {
            (true, true, _, _) => ("SEV1", "a user-facing workload has no ready replica"),
            (true, _, > 0, _) => ("SEV2", "a user-facing workload lost capacity"),
            (true, _, _, true) => ("SEV2", "critical finding on a user-facing workload (restarts cut capacity intermittently)"),
            (false, _, > 0, _) => ("SEV3", "capacity lost on a workload no Service routes to"),
            (_, _, _, true) => ("SEV3", "critical finding, no capacity lost at the moment"),
            _ => ("SEV4", "high finding, no capacity lost and not user-facing"),
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
