using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Remedies;

/// <summary>
/// CPU pressure (seed 001): scale down the workloads whose priority-class value is below the threshold, lowest priority first,
/// each by half its replicas (at least one), never below what its PodDisruptionBudget requires. At most 3 workloads per finding.
/// </summary>
internal static class CpuPressureRemedy
{
    public static IReadOnlyList<RemedyPlan> Plan(Finding finding, RemedyContext ctx)
    {
        var text = $"{finding.SubReason} {finding.Summary} {finding.Cause}".ToLowerInvariant();
        if (!text.Contains("cpu", StringComparison.Ordinal))
        {
            return [RemedyEngine.Escalation(finding, ctx.Target, "node pressure is not CPU pressure; memory/disk/PID pressure is not fixed automatically")];
        }

        var classes = ctx.PriorityClasses.ToDictionary(p => p.Name(), p => p.Int("value") ?? 0, StringComparer.Ordinal);
        var globalDefault = ctx.PriorityClasses.FirstOrDefault(p => p.At("globalDefault")?.GetValue<bool>() == true)?.Int("value") ?? 0;
        var plans = new List<RemedyPlan>();
        var candidates = ctx.Workloads
            .Where(w => w.Kind() is "Deployment" or "StatefulSet")
            .Select(w => (Workload: w, Priority: w.PodSpec().Str("priorityClassName") is { } pc ? classes.GetValueOrDefault(pc, globalDefault) : globalDefault))
            .Where(x => x.Priority < ctx.Options.PriorityThreshold)
            .OrderBy(x => x.Priority).ThenBy(x => x.Workload.Namespace(), StringComparer.Ordinal).ThenBy(x => x.Workload.Name(), StringComparer.Ordinal);
        foreach (var (workload, priority) in candidates)
        {
            var replicas = workload.Replicas();
            var floor = KubeJson.PdbFloor(workload, ctx.PodDisruptionBudgets);
            var wanted = Math.Max(floor, replicas - Math.Max(1, replicas / 2));
            if (wanted >= replicas)
            {
                continue;
            }

            plans.Add(UnschedulableRemedy.ScalePlan(finding, workload, wanted, RemedyIds.ScaleDownLowPriority,
                $"CPU pressure on {finding.Object.Name}: {workload.Kind()} {workload.Namespace()}/{workload.Name()} has priority {priority} (< {ctx.Options.PriorityThreshold}); {replicas} -> {wanted} replicas frees CPU for higher-priority work"
                + (floor > 0 ? $" (its PDB keeps at least {floor})" : ""), RemedyRisk.Medium));
            if (plans.Count >= ctx.Options.MaxScaleDownsPerFinding)
            {
                break;
            }
        }

        if (plans.Count == 0)
        {
            plans.Add(RemedyEngine.Escalation(finding, ctx.Target, $"CPU pressure but no workload below priority {ctx.Options.PriorityThreshold} can shrink (PDBs or already at minimum); add capacity"));
        }

        return plans;
    }
}
