using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Remedies;

/// <summary>
/// node-lost / pinned pod: remove a <c>kubernetes.io/hostname</c> nodeSelector or a <c>nodeName</c> pin that points at a node that
/// is gone or not Ready; delete the pod stuck on the lost node (force, grace 0) so its controller recreates it. A bare pod (no
/// controller) is never deleted: escalate.
/// </summary>
internal static class NodeLostRemedy
{
    private const string HostnameLabel = "kubernetes.io/hostname";

    public static IReadOnlyList<RemedyPlan> Plan(Finding finding, RemedyContext ctx)
    {
        var plans = new List<RemedyPlan>();
        if (RemedyEngine.HasTemplate(ctx.Target) && PinPlan(finding, ctx) is { } pin)
        {
            plans.Add(pin);
        }

        var pod = ctx.Target.Kind() == "Pod" ? ctx.Target : ctx.Pod;
        if (pod is not null)
        {
            var controller = pod.Objects("metadata", "ownerReferences").FirstOrDefault(o => o.At("controller")?.GetValue<bool>() == true);
            if (controller is null)
            {
                plans.Add(RemedyEngine.Escalation(finding, pod, $"pod {pod.Name()} on lost node {pod.Str("spec", "nodeName")} has no controller; deleting it would lose it"));
            }
            else if (controller.Str("kind") == "DaemonSet")
            {
                plans.Add(RemedyEngine.Escalation(finding, pod, $"pod {pod.Name()} belongs to DaemonSet {controller.Str("name")}: it goes with its node; remove the node object if the node is gone for good"));
            }
            else
            {
                plans.Add(new RemedyPlan
                {
                    Remedy = RemedyIds.DeleteStuckPod,
                    FindingId = finding.Id,
                    FindingCode = finding.Code,
                    Target = RemedyEngine.Ref(pod),
                    Action = RemedyAction.DeletePod,
                    Kubectl = $"kubectl delete pod {pod.Name()} -n {pod.Namespace()} --grace-period=0 --force",
                    Why = $"pod {pod.Name()} is stuck on node {pod.Str("spec", "nodeName")}, which is lost; its {controller.Str("kind")} {controller.Str("name")} recreates it on a healthy node once it is deleted",
                    Risk = controller.Str("kind") == "StatefulSet" ? RemedyRisk.High : RemedyRisk.Medium,
                    Undo = "cannot be undone; the controller recreates the pod",
                    ReplicasAffected = 1,
                    CurrentReplicas = 1,
                    ResultingReplicas = 1,
                });
            }
        }

        if (plans.Count == 0)
        {
            plans.Add(RemedyEngine.Escalation(finding, ctx.Target, "node lost: nothing pinned and no stuck pod given"));
        }

        return plans;
    }

    /// <summary>A plan removing a hostname pin to a node that is missing or not Ready; null if not pinned or the node is fine.</summary>
    public static RemedyPlan? PinPlan(Finding finding, RemedyContext ctx)
    {
        var target = ctx.Target;
        var spec = target.PodSpec();
        var byName = spec.Str("nodeName");
        var bySelector = spec.Str("nodeSelector", HostnameLabel);
        var pinned = byName ?? bySelector;
        if (pinned is null)
        {
            return null;
        }

        var node = ctx.Nodes.FirstOrDefault(n => n.Name() == pinned || n.Str("metadata", "labels", HostnameLabel) == pinned);
        var ready = node?.Objects("status", "conditions").FirstOrDefault(c => c.Str("type") == "Ready")?.Str("status") == "True";
        if (node is not null && ready)
        {
            return null;
        }

        var change = new JsonObject();
        var undo = new JsonObject();
        if (byName is not null)
        {
            change["nodeName"] = null;
            undo["nodeName"] = byName;
        }

        if (bySelector is not null)
        {
            change["nodeSelector"] = new JsonObject { [HostnameLabel] = null };
            undo["nodeSelector"] = new JsonObject { [HostnameLabel] = bySelector };
        }

        var patch = RemedyEngine.Wrap(target, change);
        return new RemedyPlan
        {
            Remedy = RemedyIds.RemoveHostnamePin,
            FindingId = finding.Id,
            FindingCode = finding.Code,
            Target = RemedyEngine.Ref(target, finding),
            Action = RemedyAction.Patch,
            PatchType = PatchKind.Strategic,
            Patch = patch,
            UndoPatchType = PatchKind.Strategic,
            UndoPatch = RemedyEngine.Wrap(target, undo),
            Kubectl = RemedyEngine.KubectlPatch(target, PatchKind.Strategic, patch),
            Why = $"the pod template is pinned to node {pinned}, which is " + (node is null ? "gone" : "not Ready") + "; without the pin the scheduler can place the pods elsewhere",
            Risk = RemedyRisk.Medium,
            Undo = $"pin back to {pinned} with the undo patch",
            ReplicasAffected = KubeJson.PodsTouchedAtOnce(target),
            CurrentReplicas = target.Replicas(),
            ResultingReplicas = target.Replicas(),
        };
    }
}
