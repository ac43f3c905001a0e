using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Remedies;

/// <summary>
/// liveness-restarts: when the liveness probe targets a port the container does not declare and the container declares exactly
/// one port, point the probe at it; otherwise raise initialDelaySeconds to max(30, 2 x current), at most 300.
/// </summary>
internal static class ProbeRemedy
{
    public static RemedyPlan Plan(Finding finding, RemedyContext ctx)
    {
        var target = ctx.Target;
        if (!RemedyEngine.HasTemplate(target))
        {
            return RemedyEngine.Escalation(finding, target, $"{target.Kind()} has no pod template to patch");
        }

        var container = RemedyEngine.PickContainer(finding, ctx, s => (s.Int("restartCount") ?? 0) > 0);
        if (container is null || container["livenessProbe"] is not JsonObject probe)
        {
            return RemedyEngine.Escalation(finding, target, "cannot find the container's liveness probe");
        }

        var name = container.Str("name")!;
        var handler = probe.ContainsKey("httpGet") ? "httpGet" : probe.ContainsKey("tcpSocket") ? "tcpSocket" : probe.ContainsKey("grpc") ? "grpc" : null;
        var ports = container.Objects("ports").ToList();
        if (handler is not null && probe[handler]?["port"] is JsonValue portNode && ports.Count == 1)
        {
            var declared = ports[0].Int("containerPort");
            var declaredName = ports[0].Str("name");
            var isInt = portNode.TryGetValue<int>(out var portNumber);
            var portText = isInt ? portNumber.ToString(System.Globalization.CultureInfo.InvariantCulture) : portNode.GetValue<string>();
            var matches = isInt ? portNumber == declared : portText == declaredName;
            if (!matches && declared is { } dp)
            {
                var patch = RemedyEngine.ContainerPatch(target, name, new JsonObject { ["livenessProbe"] = new JsonObject { [handler] = new JsonObject { ["port"] = dp } } });
                var undo = RemedyEngine.ContainerPatch(target, name, new JsonObject { ["livenessProbe"] = new JsonObject { [handler] = new JsonObject { ["port"] = portNode.DeepClone() } } });
                return Probe(finding, target, RemedyIds.FixProbePort, patch, undo,
                    $"the liveness probe of {name} checks port {portText} but the container only listens on {dp}" + (declaredName is null ? "" : $" ({declaredName})") + "; every probe fails and the kubelet restarts it",
                    $"point the probe back at port {portText}", RemedyRisk.Low);
            }
        }

        var delay = probe.Int("initialDelaySeconds") ?? 0;
        if (delay >= ctx.Options.MaxInitialDelaySeconds)
        {
            return RemedyEngine.Escalation(finding, target, $"liveness probe of {name} already waits {delay}s and its port matches; the app itself is failing the check");
        }

        var newDelay = Math.Min(ctx.Options.MaxInitialDelaySeconds, Math.Max(ctx.Options.MinInitialDelaySeconds, delay * 2));
        var p2 = RemedyEngine.ContainerPatch(target, name, new JsonObject { ["livenessProbe"] = new JsonObject { ["initialDelaySeconds"] = newDelay } });
        var u2 = RemedyEngine.ContainerPatch(target, name, new JsonObject { ["livenessProbe"] = new JsonObject { ["initialDelaySeconds"] = probe.ContainsKey("initialDelaySeconds") ? delay : null } });
        return Probe(finding, target, RemedyIds.RaiseInitialDelay, p2, u2,
            $"container {name} is killed by its liveness probe; initialDelaySeconds {delay} -> {newDelay} (rule: max({ctx.Options.MinInitialDelaySeconds}, 2 x current), at most {ctx.Options.MaxInitialDelaySeconds}) gives a slow start time to finish",
            $"restore initialDelaySeconds {delay}", RemedyRisk.Low);
    }

    private static RemedyPlan Probe(Finding finding, JsonObject target, string remedy, JsonObject patch, JsonObject undo, string why, string undoText, RemedyRisk risk) => new()
    {
        Remedy = remedy,
        FindingId = finding.Id,
        FindingCode = finding.Code,
        Target = RemedyEngine.Ref(target, finding),
        Action = RemedyAction.Patch,
        PatchType = PatchKind.Strategic,
        Patch = patch,
        UndoPatchType = PatchKind.Strategic,
        UndoPatch = undo,
        Kubectl = RemedyEngine.KubectlPatch(target, PatchKind.Strategic, patch),
        UndoKubectl = RemedyEngine.KubectlPatch(target, PatchKind.Strategic, undo),
        Why = why,
        Risk = risk,
        Undo = undoText,
        ReplicasAffected = KubeJson.PodsTouchedAtOnce(target),
        CurrentReplicas = target.Replicas(),
        ResultingReplicas = target.Replicas(),
    };
}
