using System.Globalization;
using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Remedies;

/// <summary>
/// rollout-stuck / readiness-failing: <c>rollout undo</c> to the last good revision, and a safer strategy (maxUnavailable 25 %)
/// when the current one takes down more at once. crash-loop: the same rollback only when a deploy preceded it; else escalate.
/// </summary>
internal static class RolloutRemedy
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";

    public static RemedyPlan Plan(Finding finding, RemedyContext ctx)
    {
        var target = ctx.Target;
        if (target.Kind() != "Deployment")
        {
            return RemedyEngine.Escalation(finding, target, $"rollback is only automated for Deployments, not {target.Kind()}");
        }

        var good = LastGoodRevision(target, ctx.ReplicaSets, null);
        if (good is null)
        {
            return RemedyEngine.Escalation(finding, target, "no earlier revision to roll back to (this is the first rollout)");
        }

        return Rollback(finding, target, good, "the rollout of the current revision is not becoming ready", withSaferStrategy: true);
    }

    public static RemedyPlan PlanCrashLoop(Finding finding, RemedyContext ctx)
    {
        var target = ctx.Target;
        if (target.Kind() != "Deployment")
        {
            return RemedyEngine.Escalation(finding, target, $"crash loop in a {target.Kind()}: no automatic fix; read the previous container logs");
        }

        var current = CurrentReplicaSet(target, ctx.ReplicaSets);
        var good = LastGoodRevision(target, ctx.ReplicaSets, null);
        var created = current?.Str("metadata", "creationTimestamp") is { } ts && DateTimeOffset.TryParse(ts, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : (DateTimeOffset?)null;
        var recent = created is { } c && ctx.Now - c <= ctx.Options.RecentDeployWindow;
        if (good is null || !recent)
        {
            return RemedyEngine.Escalation(finding, target,
                "crash loop with no deploy before it" + (created is { } cc ? $" (current revision is from {cc:u})" : "")
                + ": the cause is in the app, its config or a dependency; read `kubectl logs --previous`. Not guessing.");
        }

        return Rollback(finding, target, good, $"the crash loop started after the deploy of revision {Revision(current!)} at {created:u}", withSaferStrategy: false);
    }

    public static int Revision(JsonObject rs) => rs.Int("metadata", "annotations", RevisionAnnotation) ?? 0;

    public static JsonObject? CurrentReplicaSet(JsonObject deployment, IReadOnlyList<JsonObject> replicaSets)
    {
        var rev = deployment.Int("metadata", "annotations", RevisionAnnotation);
        var owned = Owned(deployment, replicaSets).ToList();
        return (rev is { } r ? owned.FirstOrDefault(rs => Revision(rs) == r) : null) ?? owned.MaxBy(Revision);
    }

    private static IEnumerable<JsonObject> Owned(JsonObject deployment, IEnumerable<JsonObject> replicaSets)
    {
        var uid = deployment.Str("metadata", "uid");
        return replicaSets.Where(rs => rs.Namespace() == deployment.Namespace()
            && rs.Objects("metadata", "ownerReferences").Any(o => o.Str("kind") == "Deployment" && (uid is null ? o.Str("name") == deployment.Name() : o.Str("uid") == uid)));
    }

    /// <summary>
    /// The newest earlier revision whose pod template differs from the current one, preferring one that still has ready pods
    /// (proof its image and config work), filtered by <paramref name="accept"/>.
    /// </summary>
    public static JsonObject? LastGoodRevision(JsonObject deployment, IReadOnlyList<JsonObject> replicaSets, Func<JsonObject, bool>? accept)
    {
        var current = CurrentReplicaSet(deployment, replicaSets);
        var currentRev = current is null ? int.MaxValue : Revision(current);
        var currentTemplate = Normalize(deployment.At("spec", "template"));
        var candidates = Owned(deployment, replicaSets)
            .Where(rs => Revision(rs) < currentRev && !JsonNode.DeepEquals(Normalize(rs.At("spec", "template")), currentTemplate))
            .Where(rs => accept is null || accept(rs))
            .OrderByDescending(Revision)
            .ToList();
        return candidates.FirstOrDefault(rs => (rs.Int("status", "readyReplicas") ?? 0) > 0) ?? candidates.FirstOrDefault();
    }

    /// <summary>A pod template without the controller-added pod-template-hash label (what rollout undo copies back).</summary>
    public static JsonNode? Normalize(JsonNode? template)
    {
        if (template?.DeepClone() is not JsonObject t)
        {
            return null;
        }

        if (t.At("metadata", "labels") is JsonObject labels)
        {
            labels.Remove("pod-template-hash");
        }

        return t;
    }

    public static RemedyPlan Rollback(Finding finding, JsonObject target, JsonObject good, string reason, bool withSaferStrategy)
    {
        var rev = Revision(good);
        var ops = new JsonArray
        {
            new JsonObject { ["op"] = "replace", ["path"] = "/spec/template", ["value"] = Normalize(good.At("spec", "template")) },
        };
        var undoOps = new JsonArray
        {
            new JsonObject { ["op"] = "replace", ["path"] = "/spec/template", ["value"] = target.At("spec", "template")?.DeepClone() },
        };
        var strategyNote = "";
        JsonNode? newStrategy = null;
        if (withSaferStrategy && SaferStrategy(target) is { } safer)
        {
            newStrategy = safer;
            ops.Add(new JsonObject { ["op"] = "add", ["path"] = "/spec/strategy", ["value"] = safer });
            undoOps.Add(target.At("spec", "strategy") is { } old
                ? new JsonObject { ["op"] = "add", ["path"] = "/spec/strategy", ["value"] = old.DeepClone() }
                : new JsonObject { ["op"] = "remove", ["path"] = "/spec/strategy" });
            strategyNote = $"; strategy made safer: maxUnavailable {target.Str("spec", "strategy", "rollingUpdate", "maxUnavailable") ?? "?"} -> 25%";
        }

        var images = string.Join(", ", good.Objects("spec", "template", "spec", "containers").Select(c => c.Str("image")));
        var kubectl = $"kubectl rollout undo {RemedyEngine.KubectlRef(target)} --to-revision={rev}";
        if (newStrategy is not null)
        {
            kubectl += $"\n{RemedyEngine.KubectlPatch(target, PatchKind.Merge, new JsonObject { ["spec"] = new JsonObject { ["strategy"] = newStrategy.DeepClone() } })}";
        }

        return new RemedyPlan
        {
            Remedy = RemedyIds.Rollback,
            FindingId = finding.Id,
            FindingCode = finding.Code,
            Target = RemedyEngine.Ref(target, finding),
            Action = RemedyAction.Patch,
            PatchType = PatchKind.Json,
            Patch = ops,
            UndoPatchType = PatchKind.Json,
            UndoPatch = undoOps,
            Kubectl = kubectl,
            UndoKubectl = $"kubectl rollout undo {RemedyEngine.KubectlRef(target)}",
            Why = $"{reason}; revision {rev} ({images}) " + ((good.Int("status", "readyReplicas") ?? 0) > 0 ? "still has ready pods" : "is the last earlier revision") + strategyNote,
            Risk = RemedyRisk.Medium,
            Undo = "roll forward again with the undo patch (restores the current template" + (newStrategy is null ? ")" : " and strategy)"),
            ReplicasAffected = KubeJson.PodsTouchedAtOnce(target, newStrategy),
            CurrentReplicas = target.Replicas(),
            ResultingReplicas = target.Replicas(),
        };
    }

    /// <summary>A RollingUpdate strategy with maxUnavailable 25 % when the current one takes down more than 25 % at once; null if already safe or Recreate.</summary>
    public static JsonObject? SaferStrategy(JsonObject deployment)
    {
        var strategy = deployment.At("spec", "strategy");
        if (strategy.Str("type") == "Recreate")
        {
            return null;
        }

        var replicas = deployment.Replicas();
        var current = KubeJson.ResolveIntOrPercent(strategy.At("rollingUpdate", "maxUnavailable"), replicas, roundUp: false);
        var safe = KubeJson.ResolveIntOrPercent(JsonValue.Create("25%"), replicas, roundUp: false);
        if (current is null || current <= Math.Max(safe ?? 0, 1))
        {
            return null;
        }

        return new JsonObject
        {
            ["type"] = "RollingUpdate",
            ["rollingUpdate"] = new JsonObject
            {
                ["maxUnavailable"] = "25%",
                ["maxSurge"] = strategy.At("rollingUpdate", "maxSurge")?.DeepClone() ?? "25%",
            },
        };
    }
}
