using System.Security.Cryptography;
using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Policy;
using KubeMedic.Core.Remedies;

namespace KubeMedic.Kubernetes.Repair;

public enum RepairResult
{
    DryRun,
    Succeeded,

    /// <summary>Verification failed and the undo patch was applied.</summary>
    RolledBack,

    /// <summary>Verification failed and there was nothing to undo (pod deletion) or the undo failed.</summary>
    VerificationFailed,
    ApplyFailed,
}

public sealed record RepairOutcome(string ActionId, RepairResult Result, RemedyPlan Plan, string Diff, VerificationResult? Verification, string? Error);

/// <summary>Who and why an action is taken: written into every audit line.</summary>
public sealed record RepairRequest
{
    public required Finding Finding { get; init; }
    public required RemedyPlan Plan { get; init; }

    /// <summary>The workload the action counts against (rate limits, PDB).</summary>
    public required ObjectRef Workload { get; init; }

    public required string Actor { get; init; }
    public string Mode { get; init; } = "fix";
    public DateTimeOffset? DetectedAt { get; init; }
    public PolicyDecision? Policy { get; init; }
    public bool Color { get; init; }

    /// <summary>The audit line for one phase of this action: who, why, what patch and how to undo it.</summary>
    public AuditEntry AuditEntry(TimeProvider time, string actionId, string phase) => new()
    {
        ActionId = actionId,
        At = time.GetUtcNow(),
        Phase = phase,
        Actor = Actor,
        Mode = Mode,
        FindingId = Finding.Id,
        FindingCode = Finding.Code,
        DetectedAt = DetectedAt,
        Target = Plan.Target,
        WorkloadKey = PolicyEvaluator.Key(Workload),
        Remedy = Plan.Remedy,
        PatchType = Plan.Patch is null ? null : Plan.PatchType.ToString().ToLowerInvariant(),
        Patch = Plan.Patch?.DeepClone(),
        UndoPatchType = Plan.UndoPatch is null ? null : Plan.UndoPatchType.ToString().ToLowerInvariant(),
        UndoPatch = Plan.UndoPatch?.DeepClone(),
        Kubectl = Plan.Kubectl,
        Why = Plan.Why,
        Risk = Plan.Risk.ToString().ToLowerInvariant(),
        Policy = Policy,
    };
}

/// <summary>
/// Applies remedy plans: dry run (diff + kubectl, audited as planned), or apply -> verify -> undo on failure, each phase appended
/// to the audit log before the next step so a crash leaves an honest record.
/// </summary>
public sealed class RepairExecutor(KubeObjectApi api, IAuditStore audit, TimeProvider time)
{
    public static string NewActionId(TimeProvider time) => $"{time.GetUtcNow():yyyyMMddTHHmmssfff}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()}";

    public async Task<RepairOutcome> DryRunAsync(RepairRequest request, CancellationToken ct)
    {
        var plan = request.Plan;
        var before = await api.GetAsync(plan.Target, ct);
        var (after, diff) = Preview(plan, before, request.Color);
        var id = NewActionId(time);
        await audit.AppendAsync(request.AuditEntry(time, id, AuditPhase.Planned) with { DryRun = true, Before = before, After = after }, ct);
        return new RepairOutcome(id, RepairResult.DryRun, plan, diff, null, null);
    }

    public static (JsonObject? After, string Diff) Preview(RemedyPlan plan, JsonObject? before, bool color)
    {
        if (before is null)
        {
            return (null, $"{plan.Target} not found");
        }

        if (plan.Action == RemedyAction.DeletePod)
        {
            return (null, (color ? "\u001b[31m" : "") + $"- pod {plan.Target.Namespace}/{plan.Target.Name} (deleted; its controller recreates it)" + (color ? "\u001b[0m" : "") + "\n");
        }

        if (plan.Patch is null)
        {
            return (before, "(no change: escalation)\n");
        }

        var after = PatchApplier.Apply(before, plan.Patch, plan.PatchType);
        return (after, ObjectDiff.Unified(before, after, plan.Target.ToString(), color));
    }

    public async Task<RepairOutcome> ApplyAsync(RepairRequest request, VerifyOptions verify, CancellationToken ct)
    {
        var plan = request.Plan;
        var id = NewActionId(time);
        var before = await api.GetAsync(plan.Target, ct);
        if (before is null)
        {
            await audit.AppendAsync(request.AuditEntry(time, id, AuditPhase.ApplyFailed) with { Error = $"{plan.Target} not found" }, ct);
            return new RepairOutcome(id, RepairResult.ApplyFailed, plan, "", null, $"{plan.Target} not found");
        }

        var (expected, diff) = Preview(plan, before, request.Color);
        verify = verify with { PodsBefore = verify.PodsBefore ?? await RolloutVerifier.PodNamesAsync(api, request.Workload, ct) };
        await audit.AppendAsync(request.AuditEntry(time, id, AuditPhase.Applying) with { Before = before, After = expected }, ct);
        var appliedAt = time.GetUtcNow();
        JsonObject? after;
        try
        {
            if (plan.Action == RemedyAction.DeletePod)
            {
                await api.DeletePodAsync(plan.Target, ct);
                after = null;
            }
            else
            {
                after = await api.PatchAsync(plan.Target, plan.Patch!, plan.PatchType, ct);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await audit.AppendAsync(request.AuditEntry(time, id, AuditPhase.ApplyFailed) with { Error = OneLine(ex) }, CancellationToken.None);
            return new RepairOutcome(id, RepairResult.ApplyFailed, plan, diff, null, OneLine(ex));
        }

        await audit.AppendAsync(request.AuditEntry(time, id, AuditPhase.Applied) with { After = after }, CancellationToken.None);
        return await VerifyAndSettleAsync(request, id, appliedAt, diff, verify, ct);
    }

    /// <summary>Verifies an applied action and records the terminal phase; undoes it when verification fails. Also used to resume an interrupted action.</summary>
    public async Task<RepairOutcome> VerifyAndSettleAsync(RepairRequest request, string actionId, DateTimeOffset appliedAt, string diff, VerifyOptions verify, CancellationToken ct)
    {
        var plan = request.Plan;
        if (plan.MinVerifyWindow is { } least && least > verify.Window)
        {
            verify = verify with { Window = least }; // a change that slows the rollout (raise-initial-delay) gets the time it needs
        }

        var verifier = new RolloutVerifier(api, time);
        var result = await verifier.VerifyAsync(request.Workload, appliedAt, verify, ct);
        if (result.Passed)
        {
            await audit.AppendAsync(request.AuditEntry(time, actionId, AuditPhase.Verified) with { Verification = result }, CancellationToken.None);
            return new RepairOutcome(actionId, RepairResult.Succeeded, plan, diff, result, null);
        }

        await audit.AppendAsync(request.AuditEntry(time, actionId, AuditPhase.VerificationFailed) with { Verification = result }, CancellationToken.None);
        if (plan.UndoPatch is null)
        {
            return new RepairOutcome(actionId, RepairResult.VerificationFailed, plan, diff, result, "verification failed; the action cannot be undone");
        }

        try
        {
            var restored = await api.PatchAsync(plan.Target, plan.UndoPatch, plan.UndoPatchType, CancellationToken.None);
            await audit.AppendAsync(request.AuditEntry(time, actionId, AuditPhase.Undone) with { After = restored, Verification = result }, CancellationToken.None);
            return new RepairOutcome(actionId, RepairResult.RolledBack, plan, diff, result, null);
        }
        catch (Exception ex)
        {
            await audit.AppendAsync(request.AuditEntry(time, actionId, AuditPhase.Undone) with { Error = "undo failed: " + OneLine(ex), Verification = result }, CancellationToken.None);
            return new RepairOutcome(actionId, RepairResult.VerificationFailed, plan, diff, result, "undo failed: " + OneLine(ex));
        }
    }

    private static string OneLine(Exception ex) => ex.Message.ReplaceLineEndings(" ").Trim();
}
