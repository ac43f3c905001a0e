using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Remedies;

/// <summary>
/// unschedulable: a hostname pin to a node that is gone or not Ready is removed; insufficient cpu/memory: when the pod asks for more
/// than the largest node can give, lower the requests (proportionally) to fit 90 % of that node's allocatable; when it fits but the
/// cluster is full, scale down by one replica; else escalate.
/// </summary>
internal static class UnschedulableRemedy
{
    public static RemedyPlan Plan(Finding finding, RemedyContext ctx)
    {
        var target = ctx.Target;
        if (!RemedyEngine.HasTemplate(target))
        {
            return RemedyEngine.Escalation(finding, target, $"{target.Kind()} is not a workload with a template; fix its owner");
        }

        if (NodeLostRemedy.PinPlan(finding, ctx) is { } pin)
        {
            return pin;
        }

        var text = $"{finding.SubReason} {finding.Cause} {finding.Summary} {string.Join(' ', finding.Evidence.Select(e => e.Text))}".ToLowerInvariant();
        var resource = text.Contains("insufficient-memory", StringComparison.Ordinal) || text.Contains("insufficient memory", StringComparison.Ordinal) ? "memory"
            : text.Contains("insufficient-cpu", StringComparison.Ordinal) || text.Contains("insufficient cpu", StringComparison.Ordinal) ? "cpu"
            : null;
        if (resource is null)
        {
            return RemedyEngine.Escalation(finding, target, "pods are unschedulable for a reason other than insufficient cpu/memory (selector, taint, volume); not guessing");
        }

        Func<string?, long?> parse = resource == "memory" ? Quantity.ParseBytes : Quantity.ParseMillicores;
        Func<long, string> format = resource == "memory" ? Quantity.FormatBytes : Quantity.FormatMillicores;
        var nodes = ctx.Nodes.Where(n => n.At("spec", "unschedulable")?.GetValue<bool>() != true).ToList();
        var largest = nodes.Select(n => parse(n.Str("status", "allocatable", resource)) ?? 0).DefaultIfEmpty(0).Max();
        var containers = target.PodSpec().Objects("containers").ToList();
        var requests = containers.Select(c => (Name: c.Str("name")!, Request: parse(c.Str("resources", "requests", resource)) ?? 0, Raw: c.Str("resources", "requests", resource))).ToList();
        var total = requests.Sum(r => r.Request);
        if (largest > 0 && total > largest)
        {
            var budget = (long)Math.Floor(largest * ctx.Options.NodeFitFraction);
            var containerPatches = new JsonArray();
            var undoPatches = new JsonArray();
            var parts = new List<string>();
            foreach (var r in requests.Where(r => r.Request > 0))
            {
                var lowered = Math.Max(1, (long)Math.Floor((double)r.Request * budget / total));
                if (resource == "memory")
                {
                    lowered = Math.Max(1024 * 1024, lowered / (1024 * 1024) * (1024 * 1024));
                }

                containerPatches.Add(new JsonObject { ["name"] = r.Name, ["resources"] = new JsonObject { ["requests"] = new JsonObject { [resource] = format(lowered) } } });
                undoPatches.Add(new JsonObject { ["name"] = r.Name, ["resources"] = new JsonObject { ["requests"] = new JsonObject { [resource] = r.Raw } } });
                parts.Add($"{r.Name}={format(lowered)}");
            }

            return new RemedyPlan
            {
                Remedy = RemedyIds.LowerRequests,
                FindingId = finding.Id,
                FindingCode = finding.Code,
                Target = RemedyEngine.Ref(target, finding),
                Action = RemedyAction.Patch,
                PatchType = PatchKind.Strategic,
                Patch = RemedyEngine.Wrap(target, new JsonObject { ["containers"] = containerPatches }),
                UndoPatchType = PatchKind.Strategic,
                UndoPatch = RemedyEngine.Wrap(target, new JsonObject { ["containers"] = undoPatches }),
                Kubectl = string.Join('\n', parts.Select(p => $"kubectl set resources {RemedyEngine.KubectlRef(target)} -c {p.Split('=')[0]} --requests={resource}={p.Split('=')[1]}")),
                UndoKubectl = string.Join('\n', requests.Where(r => r.Request > 0).Select(r => $"kubectl set resources {RemedyEngine.KubectlRef(target)} -c {r.Name} --requests={resource}={r.Raw}")),
                Why = $"the pod requests {format(total)} {resource} but the largest node has {format(largest)} allocatable; requests lowered to fit {RemedyEngine.Fmt(ctx.Options.NodeFitFraction * 100)}% of it ({string.Join(", ", parts)})",
                Risk = RemedyRisk.Medium,
                Undo = "restore the original requests with the undo patch",
                ReplicasAffected = KubeJson.PodsTouchedAtOnce(target),
                CurrentReplicas = target.Replicas(),
                ResultingReplicas = target.Replicas(),
            };
        }

        var replicas = target.Replicas();
        if (target.Kind() is "Deployment" or "StatefulSet" && replicas > 1)
        {
            return ScalePlan(finding, target, replicas - 1, RemedyIds.ScaleDown,
                $"each pod fits the largest node ({format(total)} of {format(largest)} {resource}) but the cluster is full; one replica fewer lets the rest run", RemedyRisk.Medium);
        }

        return RemedyEngine.Escalation(finding, target, $"insufficient {resource}: the cluster is full and {target.Kind()} {target.Name()} cannot shrink; add capacity");
    }

    public static RemedyPlan ScalePlan(Finding finding, JsonObject target, int replicas, string remedy, string why, RemedyRisk risk)
    {
        var current = target.Replicas();
        var patch = new JsonObject { ["spec"] = new JsonObject { ["replicas"] = replicas } };
        var undo = new JsonObject { ["spec"] = new JsonObject { ["replicas"] = current } };
        return new RemedyPlan
        {
            Remedy = remedy,
            FindingId = finding.Id,
            FindingCode = finding.Code,
            Target = RemedyEngine.Ref(target),
            Action = RemedyAction.Patch,
            PatchType = PatchKind.Merge,
            Patch = patch,
            UndoPatchType = PatchKind.Merge,
            UndoPatch = undo,
            Kubectl = $"kubectl scale {RemedyEngine.KubectlRef(target)} --replicas={replicas}",
            UndoKubectl = $"kubectl scale {RemedyEngine.KubectlRef(target)} --replicas={current}",
            Why = why,
            Risk = risk,
            Undo = $"scale back to {current} replicas",
            ReplicasAffected = Math.Max(0, current - replicas),
            CurrentReplicas = current,
            ResultingReplicas = replicas,
        };
    }
}
