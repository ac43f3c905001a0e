using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Policy;

namespace KubeMedic.Kubernetes.Repair;

/// <summary>Phases of one action in the audit log. One action id goes through several phases, one line each.</summary>
public static class AuditPhase
{
    /// <summary>Dry run: what would be done (no change made).</summary>
    public const string Planned = "planned";

    /// <summary>Written (and fsynced) before the patch is sent: if the process dies now, the restart sees an action in progress.</summary>
    public const string Applying = "applying";

    public const string Applied = "applied";
    public const string ApplyFailed = "apply-failed";
    public const string Verified = "verified";
    public const string VerificationFailed = "verification-failed";
    public const string Undone = "undone";

    /// <summary>The autopilot may not or cannot fix this: recorded and notified.</summary>
    public const string Escalated = "escalated";

    /// <summary>The policy denied an automatic action (recorded once per finding and rule).</summary>
    public const string Denied = "denied";
}

/// <summary>The result of verifying a repair.</summary>
public sealed record VerificationResult(bool Passed, string Summary, IReadOnlyList<string> Checks)
{
    public static VerificationResult Skipped(string why) => new(true, why, []);
}

/// <summary>
/// One JSON line in the audit log (<c>~/.kubemedic/audit/YYYY-MM-DD.jsonl</c>). Objects are redacted before they get here:
/// no Secret data, no env values that look like credentials, no last-applied-configuration.
/// </summary>
public sealed record AuditEntry
{
    /// <summary>Identifies the action; all phases of one action share it.</summary>
    public required string ActionId { get; init; }

    public required DateTimeOffset At { get; init; }

    public required string Phase { get; init; }

    /// <summary>Who: the user (or service account) and host, plus the mode (fix, autopilot).</summary>
    public required string Actor { get; init; }

    public string Mode { get; init; } = "fix";

    public bool DryRun { get; init; }

    public string? FindingId { get; init; }
    public string? FindingCode { get; init; }

    /// <summary>When the finding was first detected (autopilot), for the detection-to-repair time.</summary>
    public DateTimeOffset? DetectedAt { get; init; }

    public ObjectRef? Target { get; init; }

    /// <summary>The workload whose rate limit this counts against (Kind/ns/name).</summary>
    public string? WorkloadKey { get; init; }

    public string? Remedy { get; init; }
    public string? PatchType { get; init; }
    public JsonNode? Patch { get; init; }
    public string? UndoPatchType { get; init; }
    public JsonNode? UndoPatch { get; init; }
    public string? Kubectl { get; init; }
    public string? Why { get; init; }
    public string? Risk { get; init; }
    public JsonNode? Before { get; init; }
    public JsonNode? After { get; init; }
    public VerificationResult? Verification { get; init; }
    public PolicyDecision? Policy { get; init; }
    public string? Error { get; init; }

    [JsonIgnore]
    public bool IsTerminal => Phase is AuditPhase.Verified or AuditPhase.VerificationFailed or AuditPhase.Undone or AuditPhase.ApplyFailed;
}
