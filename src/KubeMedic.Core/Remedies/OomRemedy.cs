using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Remedies;

/// <summary>
/// oom-killed: raise the container's memory limit to max(limit x 1.5, peak x 1.25), rounded up to a MiB, capped at
/// min(options cap, largest node's allocatable memory). The request is raised to the observed peak when it is below it
/// (never above the new limit). No limit set, or already at the cap: escalate.
/// </summary>
internal static class OomRemedy
{
    public static RemedyPlan Plan(Finding finding, RemedyContext ctx)
    {
        var target = ctx.Target;
        if (!RemedyEngine.HasTemplate(target))
        {
            return RemedyEngine.Escalation(finding, target, $"{target.Kind()} has no pod template to patch; raise the limit in the owning workload");
        }

        var container = RemedyEngine.PickContainer(finding, ctx, s => s.Str("lastState", "terminated", "reason") == "OOMKilled" || s.Str("state", "terminated", "reason") == "OOMKilled");
        if (container is null)
        {
            return RemedyEngine.Escalation(finding, target, "cannot tell which container was OOM-killed");
        }

        var name = container.Str("name")!;
        var limit = Quantity.ParseBytes(container.Str("resources", "limits", "memory"));
        if (limit is null or <= 0)
        {
            return RemedyEngine.Escalation(finding, target, $"container {name} has no memory limit: the kill came from node memory pressure, not a limit; look at the node");
        }

        var request = Quantity.ParseBytes(container.Str("resources", "requests", "memory"));
        var peak = ctx.PeakMemoryBytes;
        var byFactor = (long)Math.Ceiling(limit.Value * ctx.Options.MemoryFactor);
        var byPeak = peak is { } p ? (long)Math.Ceiling(p * (1 + ctx.Options.PeakHeadroom)) : 0;
        var wanted = Quantity.RoundUpToMiB(Math.Max(byFactor, byPeak));

        var cap = ctx.Options.MemoryCapBytes;
        var largestNode = ctx.Nodes.Select(n => Quantity.ParseBytes(n.Str("status", "allocatable", "memory")) ?? 0).DefaultIfEmpty(0).Max();
        if (largestNode > 0)
        {
            cap = Math.Min(cap, largestNode);
        }

        if (limit.Value >= cap)
        {
            return RemedyEngine.Escalation(finding, target, $"container {name} memory limit {Quantity.FormatBytes(limit.Value)} is already at the cap {Quantity.FormatBytes(cap)}; this looks like a leak, not a small limit");
        }

        var newLimit = Math.Min(wanted, cap);
        var capped = newLimit < wanted;
        long? newRequest = null;
        if (peak is { } pk && (request is null || request < pk))
        {
            newRequest = Math.Min(Quantity.RoundUpToMiB(pk), newLimit);
        }

        var limits = new JsonObject { ["memory"] = Quantity.FormatBytes(newLimit) };
        var resources = new JsonObject { ["limits"] = limits };
        var undoResources = new JsonObject { ["limits"] = new JsonObject { ["memory"] = container.Str("resources", "limits", "memory") } };
        if (newRequest is { } nr)
        {
            resources["requests"] = new JsonObject { ["memory"] = Quantity.FormatBytes(nr) };
            undoResources["requests"] = container.At("resources", "requests") is not JsonObject oldRequests ? null
                : oldRequests.Count == 0 || (oldRequests.Count == 1 && oldRequests.ContainsKey("memory") && container.Str("resources", "requests", "memory") is null) ? null
                : new JsonObject { ["memory"] = container.Str("resources", "requests", "memory") is { } oldReq ? JsonValue.Create(oldReq) : null };
        }

        var patch = RemedyEngine.ContainerPatch(target, name, new JsonObject { ["resources"] = resources });
        var undo = RemedyEngine.ContainerPatch(target, name, new JsonObject { ["resources"] = undoResources });
        var rule = $"max(limit {Quantity.FormatBytes(limit.Value)} x {RemedyEngine.Fmt(ctx.Options.MemoryFactor)} = {Quantity.FormatBytes(byFactor)}"
            + (peak is { } pp ? $", peak {Quantity.FormatBytes(pp)} + {RemedyEngine.Fmt(ctx.Options.PeakHeadroom * 100)}% = {Quantity.FormatBytes(byPeak)}" : ", peak unknown")
            + ")" + (capped ? $", capped at {Quantity.FormatBytes(cap)}" : "");
        var kubectl = $"kubectl set resources {RemedyEngine.KubectlRef(target)} -c {name} --limits=memory={Quantity.FormatBytes(newLimit)}"
            + (newRequest is { } r ? $" --requests=memory={Quantity.FormatBytes(r)}" : "");
        return new RemedyPlan
        {
            Remedy = RemedyIds.RaiseMemoryLimit,
            FindingId = finding.Id,
            FindingCode = finding.Code,
            Target = RemedyEngine.Ref(target, finding),
            Action = RemedyAction.Patch,
            PatchType = PatchKind.Strategic,
            Patch = patch,
            UndoPatchType = PatchKind.Strategic,
            UndoPatch = undo,
            Kubectl = kubectl,
            UndoKubectl = $"kubectl set resources {RemedyEngine.KubectlRef(target)} -c {name} --limits=memory={container.Str("resources", "limits", "memory")}",
            Why = $"container {name} was OOM-killed at its {Quantity.FormatBytes(limit.Value)} limit; new limit {Quantity.FormatBytes(newLimit)} by the rule {rule}"
                + (newRequest is { } rq ? $"; request raised to the observed peak {Quantity.FormatBytes(rq)} so the scheduler reserves it" : ""),
            Risk = capped ? RemedyRisk.Medium : RemedyRisk.Low,
            Undo = $"restore the memory limit to {container.Str("resources", "limits", "memory")} (undo patch); a rolling restart follows either way",
            ReplicasAffected = KubeJson.PodsTouchedAtOnce(target),
            CurrentReplicas = target.Replicas(),
            ResultingReplicas = target.Replicas(),
        };
    }
}
