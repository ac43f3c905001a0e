using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Remedies;

/// <summary>
/// image-pull: with a given image, set it on the failing container; otherwise roll back to the newest earlier revision that does
/// not use the failing image (preferring one that still runs ready pods). Nothing to roll back to: escalate.
/// </summary>
internal static class ImagePullRemedy
{
    private static bool Failing(JsonObject status) =>
        status.Str("state", "waiting", "reason") is "ErrImagePull" or "ImagePullBackOff" or "InvalidImageName" or "ErrImageNeverPull";

    public static RemedyPlan Plan(Finding finding, RemedyContext ctx)
    {
        var target = ctx.Target;
        if (!RemedyEngine.HasTemplate(target))
        {
            return RemedyEngine.Escalation(finding, target, $"{target.Kind()} has no pod template to patch");
        }

        var container = RemedyEngine.PickContainer(finding, ctx, Failing);
        var failingImages = ctx.Pod?.Objects("status", "containerStatuses").Concat(ctx.Pod.Objects("status", "initContainerStatuses"))
            .Where(Failing).Select(s => s.Str("image")).OfType<string>().ToHashSet() ?? [];
        if (failingImages.Count == 0 && container?.Str("image") is { } img)
        {
            failingImages.Add(img);
        }

        if (ctx.Image is { } image)
        {
            if (container is null)
            {
                return RemedyEngine.Escalation(finding, target, "cannot tell which container's image to set");
            }

            var name = container.Str("name")!;
            var patch = RemedyEngine.ContainerPatch(target, name, new JsonObject { ["image"] = image });
            var undo = RemedyEngine.ContainerPatch(target, name, new JsonObject { ["image"] = container.Str("image") });
            return new RemedyPlan
            {
                Remedy = RemedyIds.SetImage,
                FindingId = finding.Id,
                FindingCode = finding.Code,
                Target = RemedyEngine.Ref(target, finding),
                Action = RemedyAction.Patch,
                PatchType = PatchKind.Strategic,
                Patch = patch,
                UndoPatchType = PatchKind.Strategic,
                UndoPatch = undo,
                Kubectl = $"kubectl set image {RemedyEngine.KubectlRef(target)} {name}={image}",
                UndoKubectl = $"kubectl set image {RemedyEngine.KubectlRef(target)} {name}={container.Str("image")}",
                Why = $"container {name} cannot pull {container.Str("image")}; set to the given image {image}",
                Risk = RemedyRisk.Medium,
                Undo = $"set the image back to {container.Str("image")}",
                ReplicasAffected = KubeJson.PodsTouchedAtOnce(target),
                CurrentReplicas = target.Replicas(),
                ResultingReplicas = target.Replicas(),
            };
        }

        if (target.Kind() != "Deployment")
        {
            return RemedyEngine.Escalation(finding, target, $"image {string.Join(", ", failingImages)} cannot be pulled; rollback is only automated for Deployments: give --image");
        }

        var good = RolloutRemedy.LastGoodRevision(target, ctx.ReplicaSets,
            rs => !rs.Objects("spec", "template", "spec", "containers").Any(c => failingImages.Contains(c.Str("image") ?? "")));
        if (good is null)
        {
            return RemedyEngine.Escalation(finding, target, $"image {string.Join(", ", failingImages)} cannot be pulled and no earlier revision uses another image; give --image or fix the registry/credentials");
        }

        return RolloutRemedy.Rollback(finding, target, good, $"image {string.Join(", ", failingImages)} cannot be pulled", withSaferStrategy: true) with { Risk = RemedyRisk.Low };
    }
}
