using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Remedies;

/// <summary>How a patch body is to be interpreted by the API server.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PatchKind>))]
public enum PatchKind
{
    /// <summary><c>application/strategic-merge-patch+json</c> (lists such as containers merge by name).</summary>
    Strategic,

    /// <summary><c>application/merge-patch+json</c> (RFC 7386).</summary>
    Merge,

    /// <summary><c>application/json-patch+json</c> (RFC 6902).</summary>
    Json,
}

/// <summary>What kind of change a remedy makes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RemedyAction>))]
public enum RemedyAction
{
    /// <summary>Patch the target object.</summary>
    Patch,

    /// <summary>Delete the target pod so its controller recreates it elsewhere.</summary>
    DeletePod,

    /// <summary>No safe automatic fix: a human must look. <see cref="RemedyPlan.Why"/> says why.</summary>
    Escalate,
}

[JsonConverter(typeof(JsonStringEnumConverter<RemedyRisk>))]
public enum RemedyRisk
{
    Low,
    Medium,
    High,
}

/// <summary>Stable remedy identifiers; the policy file names them in <c>remedies.automatic</c>.</summary>
public static class RemedyIds
{
    public const string RaiseMemoryLimit = "raise-memory-limit";
    public const string Rollback = "rollback";
    public const string SetImage = "set-image";
    public const string LowerRequests = "lower-requests";
    public const string ScaleDown = "scale-down";
    public const string SaferStrategy = "safer-strategy";
    public const string RemoveHostnamePin = "remove-hostname-pin";
    public const string DeleteStuckPod = "delete-stuck-pod";
    public const string FixProbePort = "fix-probe-port";
    public const string FixProbePath = "fix-probe-path";
    public const string RaiseInitialDelay = "raise-initial-delay";
    public const string ScaleDownLowPriority = "scale-down-low-priority";
    public const string Escalate = "escalate";

    public static readonly IReadOnlyList<string> All =
    [
        RaiseMemoryLimit, Rollback, SetImage, LowerRequests, ScaleDown, SaferStrategy, RemoveHostnamePin,
        DeleteStuckPod, FixProbePort, FixProbePath, RaiseInitialDelay, ScaleDownLowPriority,
    ];
}

/// <summary>
/// A concrete, reviewable fix for one finding: the patch to send, the kubectl command a human would type, why, how risky,
/// and how to undo it. Produced by pure functions (<see cref="RemedyEngine"/>); applying it is a separate audited step.
/// </summary>
public sealed record RemedyPlan
{
    /// <summary>Remedy id, one of <see cref="RemedyIds"/>.</summary>
    public required string Remedy { get; init; }

    public required string FindingId { get; init; }
    public required string FindingCode { get; init; }

    /// <summary>The object the change is made to (a workload, or the pod to delete).</summary>
    public required ObjectRef Target { get; init; }

    public required RemedyAction Action { get; init; }

    public PatchKind PatchType { get; init; } = PatchKind.Strategic;

    /// <summary>The patch body (for <see cref="RemedyAction.Patch"/>).</summary>
    public JsonNode? Patch { get; init; }

    public PatchKind UndoPatchType { get; init; } = PatchKind.Strategic;

    /// <summary>The patch that restores the fields this plan changes; null when the change cannot be undone (pod deletion).</summary>
    public JsonNode? UndoPatch { get; init; }

    /// <summary>The kubectl command(s) with the same effect.</summary>
    public required string Kubectl { get; init; }

    public string? UndoKubectl { get; init; }

    /// <summary>Why this change fixes the finding, with the numbers used.</summary>
    public required string Why { get; init; }

    public RemedyRisk Risk { get; init; } = RemedyRisk.Medium;

    /// <summary>How to undo, in words.</summary>
    public required string Undo { get; init; }

    /// <summary>Replicas whose pods the change replaces or removes (the blast radius), and the workload's replica count.</summary>
    public int ReplicasAffected { get; init; }

    public int CurrentReplicas { get; init; }

    /// <summary>The replica count after the change (equal to <see cref="CurrentReplicas"/> unless the plan scales).</summary>
    public int ResultingReplicas { get; init; }

    /// <summary>
    /// The least time verification must allow for this change, when it makes the rollout slower than usual (raise-initial-delay:
    /// every new pod waits the new delay before it can become Ready). The executor verifies for the larger of this and its window.
    /// </summary>
    public TimeSpan? MinVerifyWindow { get; init; }

    public bool IsEscalation => Action == RemedyAction.Escalate;
}
