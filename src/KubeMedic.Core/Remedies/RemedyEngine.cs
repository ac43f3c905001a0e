using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Remedies;

/// <summary>
/// The remedy table: pure functions from (finding, raw object JSON, context) to plans. No I/O, no clock (the context carries Now).
/// A finding with no safe fix yields one plan with <see cref="RemedyAction.Escalate"/> and the reason.
/// </summary>
public static class RemedyEngine
{
    /// <summary>Finding codes that have a remedy (others always escalate).</summary>
    public static readonly IReadOnlySet<string> Codes = new HashSet<string>(StringComparer.Ordinal)
    {
        FindingCodes.OomKilled, FindingCodes.ImagePull, FindingCodes.Unschedulable, FindingCodes.RolloutStuck,
        FindingCodes.ReadinessFailing, FindingCodes.NodeLost, FindingCodes.CrashLoop, FindingCodes.LivenessRestarts,
        FindingCodes.NodePressure, FindingCodes.NodeOvercommitted,
    };

    public static IReadOnlyList<RemedyPlan> Plan(Finding finding, RemedyContext context)
    {
        ArgumentNullException.ThrowIfNull(finding);
        ArgumentNullException.ThrowIfNull(context);
        return finding.Code switch
        {
            FindingCodes.OomKilled => [OomRemedy.Plan(finding, context)],
            FindingCodes.ImagePull => [ImagePullRemedy.Plan(finding, context)],
            FindingCodes.Unschedulable => [UnschedulableRemedy.Plan(finding, context)],
            FindingCodes.RolloutStuck or FindingCodes.ReadinessFailing => [RolloutRemedy.Plan(finding, context)],
            FindingCodes.CrashLoop => [RolloutRemedy.PlanCrashLoop(finding, context)],
            FindingCodes.NodeLost => NodeLostRemedy.Plan(finding, context),
            FindingCodes.LivenessRestarts => [ProbeRemedy.Plan(finding, context)],
            FindingCodes.NodePressure or FindingCodes.NodeOvercommitted => CpuPressureRemedy.Plan(finding, context),
            _ => [Escalation(finding, context.Target, $"no automatic remedy exists for '{finding.Code}'")],
        };
    }

    internal static RemedyPlan Escalation(Finding finding, JsonObject target, string reason) => new()
    {
        Remedy = RemedyIds.Escalate,
        FindingId = finding.Id,
        FindingCode = finding.Code,
        Target = Ref(target, finding),
        Action = RemedyAction.Escalate,
        Kubectl = "",
        Why = reason,
        Undo = "nothing was changed",
        Risk = RemedyRisk.Low,
        CurrentReplicas = target.Replicas(),
        ResultingReplicas = target.Replicas(),
    };

    internal static ObjectRef Ref(JsonObject o, Finding? fallback = null)
    {
        var kind = o.Kind();
        var name = o.Name();
        if (kind.Length == 0 || name.Length == 0)
        {
            return fallback?.Owner ?? fallback?.Object ?? new ObjectRef("Unknown", null, "unknown");
        }

        return new ObjectRef(kind, o.Namespace(), name);
    }

    internal static string KubectlRef(JsonObject o) => $"{o.Kind().ToLowerInvariant()}/{o.Name()}" + (o.Namespace() is { } ns ? $" -n {ns}" : "");

    internal static string Compact(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });

    internal static string KubectlPatch(JsonObject o, PatchKind kind, JsonNode patch) =>
        $"kubectl patch {KubectlRef(o)} --type={kind.ToString().ToLowerInvariant()} -p '{Compact(patch)}'";

    /// <summary>Wraps a container-level change into a strategic merge patch of the workload's pod template.</summary>
    internal static JsonObject ContainerPatch(JsonObject workload, string container, JsonObject change)
    {
        change["name"] = container;
        var podSpec = new JsonObject { ["containers"] = new JsonArray(change) };
        return Wrap(workload, podSpec);
    }

    internal static JsonObject Wrap(JsonObject workload, JsonObject podSpecPatch)
    {
        var path = KubeJson.TemplatePath(workload.Kind()) ?? throw new InvalidOperationException("no pod template");
        JsonObject node = new() { ["spec"] = podSpecPatch };
        for (var i = path.Length - 1; i >= 0; i--)
        {
            node = new JsonObject { [path[i]] = node };
        }

        return node;
    }

    /// <summary>Picks the container a finding is about: the finding's SubReason if it names one, the pod's matching status, else the only container.</summary>
    internal static JsonObject? PickContainer(Finding finding, RemedyContext context, Func<JsonObject, bool>? statusMatch = null)
    {
        var containers = context.Target.PodSpec().Objects("containers").ToList();
        if (finding.SubReason is { } sub && containers.FirstOrDefault(c => c.Str("name") == sub) is { } bySub)
        {
            return bySub;
        }

        if (statusMatch is not null && context.Pod is { } pod)
        {
            var names = pod.Objects("status", "containerStatuses").Where(statusMatch).Select(s => s.Str("name")).ToHashSet();
            var matched = containers.Where(c => names.Contains(c.Str("name"))).ToList();
            if (matched.Count == 1)
            {
                return matched[0];
            }
        }

        foreach (var ev in finding.Evidence)
        {
            var hits = containers.Where(c => c.Str("name") is { } n && ev.Text.Contains($"container {n}", StringComparison.Ordinal)).ToList();
            if (hits.Count == 1)
            {
                return hits[0];
            }
        }

        return containers.Count == 1 ? containers[0] : null;
    }

    internal static bool HasTemplate(JsonObject o) => KubeJson.TemplatePath(o.Kind()) is not null;

    internal static string Fmt(double d) => d.ToString("0.##", CultureInfo.InvariantCulture);
}
