using System.Text.Json.Serialization;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Remedies;

namespace KubeMedic.Core.Policy;

/// <summary>One action the autopilot wants to take, reduced to what the policy judges.</summary>
public sealed record PlannedAction
{
    public required string Remedy { get; init; }
    public required RemedyAction Action { get; init; }

    /// <summary>The object changed (workload, or pod to delete).</summary>
    public required ObjectRef Target { get; init; }

    /// <summary>The workload whose rate limit and PDB apply (the pod's owner for a pod deletion; else the target).</summary>
    public required ObjectRef Workload { get; init; }

    public int CurrentReplicas { get; init; }
    public int ReplicasAffected { get; init; }
    public int ResultingReplicas { get; init; }

    public static PlannedAction From(RemedyPlan plan, ObjectRef? workload = null) => new()
    {
        Remedy = plan.Remedy,
        Action = plan.Action,
        Target = plan.Target,
        Workload = workload ?? plan.Target,
        CurrentReplicas = plan.CurrentReplicas,
        ReplicasAffected = plan.ReplicasAffected,
        ResultingReplicas = plan.ResultingReplicas,
    };
}

/// <summary>What the cluster looks like for the workload right now.</summary>
public sealed record ClusterFacts
{
    /// <summary>Ready replicas of the workload now.</summary>
    public int ReadyReplicas { get; init; }

    /// <summary>The fewest healthy replicas its PodDisruptionBudgets allow (0 without a PDB).</summary>
    public int PdbFloor { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ActionOutcome>))]
public enum ActionOutcome
{
    /// <summary>Applied, verification not finished (or the process died before it finished).</summary>
    InProgress,
    Succeeded,
    VerificationFailed,
    ApplyFailed,
}

/// <summary>One past (non-dry-run) action.</summary>
public sealed record ActionRecord(DateTimeOffset At, string WorkloadKey, string Remedy, ActionOutcome Outcome, DateTimeOffset? FinishedAt = null);

/// <summary>The durable history the evaluator judges against: past actions and when findings were first seen.</summary>
public sealed record ActionHistory
{
    public static readonly ActionHistory Empty = new();

    public IReadOnlyList<ActionRecord> Actions { get; init; } = [];

    /// <summary>First-seen times of findings (for storm detection).</summary>
    public IReadOnlyList<DateTimeOffset> Detections { get; init; } = [];
}

public sealed record PolicyDecision(bool Allowed, string Rule, string Reason)
{
    public static PolicyDecision Allow(string reason = "all policy checks passed") => new(true, "allowed", reason);

    public static PolicyDecision Deny(string rule, string reason) => new(false, rule, reason);
}

public static class PolicyRules
{
    public const string Escalation = "escalation";
    public const string Namespace = "namespace";
    public const string ExcludedName = "excluded-name";
    public const string NotAutomatic = "not-automatic";
    public const string InProgress = "in-progress";
    public const string WorkloadRate = "rate-limit-workload";
    public const string GlobalRate = "rate-limit-global";
    public const string Circuit = "circuit-open";
    public const string Storm = "storm-cooldown";
    public const string BlastRadius = "blast-radius";
    public const string Pdb = "pdb";
}

public enum CircuitState
{
    Closed = 0,
    Open = 1,
}

/// <summary>
/// The pure policy check: (planned action, cluster facts, history, now) -> allow or deny with the rule and the reason.
/// The autopilot applies nothing the evaluator does not allow.
/// </summary>
public sealed class PolicyEvaluator(AutopilotPolicy policy)
{
    public AutopilotPolicy Policy { get; } = policy;

    public static string Key(ObjectRef workload) => $"{workload.Kind}/{workload.Namespace}/{workload.Name}";

    public PolicyDecision Evaluate(PlannedAction action, ClusterFacts facts, ActionHistory history, DateTimeOffset now)
    {
        if (action.Action == RemedyAction.Escalate)
        {
            return PolicyDecision.Deny(PolicyRules.Escalation, "the remedy is an escalation: a human decides");
        }

        foreach (var ns in new[] { action.Target.Namespace, action.Workload.Namespace }.Distinct())
        {
            if (!NamespaceAllowed(ns))
            {
                return PolicyDecision.Deny(PolicyRules.Namespace, $"namespace '{ns ?? "(cluster)"}' is not allowed by the policy");
            }
        }

        foreach (var name in new[] { action.Target.Name, action.Workload.Name }.Distinct())
        {
            if (Policy.ExcludeNames.FirstOrDefault(p => Glob.Matches(p, name)) is { } pattern)
            {
                return PolicyDecision.Deny(PolicyRules.ExcludedName, $"'{name}' matches the excluded pattern '{pattern}'");
            }
        }

        if (!Policy.AutomaticRemedies.Contains(action.Remedy, StringComparer.Ordinal))
        {
            return PolicyDecision.Deny(PolicyRules.NotAutomatic, $"remedy '{action.Remedy}' is not in remedies.automatic");
        }

        var key = Key(action.Workload);
        if (history.Actions.Any(a => a.WorkloadKey == key && a.Outcome == ActionOutcome.InProgress))
        {
            return PolicyDecision.Deny(PolicyRules.InProgress, $"a repair of {key} is still in progress (or was interrupted); not acting twice");
        }

        var onWorkload = history.Actions.Count(a => a.WorkloadKey == key && InWindow(a.At, now, Policy.PerWorkload.Window));
        if (onWorkload >= Policy.PerWorkload.Max)
        {
            return PolicyDecision.Deny(PolicyRules.WorkloadRate, $"{onWorkload} action(s) on {key} in the last {Policy.PerWorkload.Window} (limit {Policy.PerWorkload.Max})");
        }

        var total = history.Actions.Count(a => InWindow(a.At, now, Policy.Global.Window));
        if (total >= Policy.Global.Max)
        {
            return PolicyDecision.Deny(PolicyRules.GlobalRate, $"{total} action(s) in the last {Policy.Global.Window} (global limit {Policy.Global.Max})");
        }

        if (Circuit(history, now) == CircuitState.Open)
        {
            return PolicyDecision.Deny(PolicyRules.Circuit, $"circuit breaker open: {Policy.Circuit.FailedVerifications} failed verification(s) within {Policy.Circuit.Window}; closed again {Policy.Circuit.OpenFor} after the last");
        }

        if (InStorm(history, now))
        {
            return PolicyDecision.Deny(PolicyRules.Storm, $"storm: {Policy.Storm.Findings}+ new findings within {Policy.Storm.Window}; no new repairs until {Policy.Storm.Cooldown} after it ends");
        }

        // Blast radius counts the healthy pods taken down at once: replacing pods that are already broken risks nothing.
        var current = Math.Max(action.CurrentReplicas, 0);
        var allowedAtOnce = Math.Max(1, (int)Math.Floor(current * Policy.MaxReplicaPercent / 100.0));
        var healthyTouched = DisruptedHealthy(action, facts);
        if (healthyTouched > allowedAtOnce)
        {
            return PolicyDecision.Deny(PolicyRules.BlastRadius, $"takes down {healthyTouched} healthy of {current} replicas at once (max {Policy.MaxReplicaPercent}% = {allowedAtOnce})");
        }

        if (action.ResultingReplicas < current)
        {
            if (action.ResultingReplicas < facts.PdbFloor)
            {
                return PolicyDecision.Deny(PolicyRules.Pdb, $"scaling to {action.ResultingReplicas} goes below the PodDisruptionBudget floor {facts.PdbFloor}");
            }
        }
        else
        {
            var disruptedHealthy = DisruptedHealthy(action, facts);
            if (disruptedHealthy > 0 && facts.ReadyReplicas - disruptedHealthy < facts.PdbFloor)
            {
                return PolicyDecision.Deny(PolicyRules.Pdb, $"would leave {facts.ReadyReplicas - disruptedHealthy} healthy replicas, below the PodDisruptionBudget floor {facts.PdbFloor}");
            }
        }

        return PolicyDecision.Allow();
    }

    /// <summary>Healthy pods the action may take down: the affected pods beyond those that are already unready.</summary>
    public static int DisruptedHealthy(PlannedAction action, ClusterFacts facts)
    {
        var unhealthy = Math.Max(0, action.CurrentReplicas - facts.ReadyReplicas);
        return Math.Max(0, action.ReplicasAffected - unhealthy);
    }

    public bool NamespaceAllowed(string? ns)
    {
        var name = ns ?? "";
        return Policy.AllowNamespaces.Any(p => Glob.Matches(p, name)) && !Policy.DenyNamespaces.Any(p => Glob.Matches(p, name));
    }

    public CircuitState Circuit(ActionHistory history, DateTimeOffset now)
    {
        var failures = history.Actions.Where(a => a.Outcome == ActionOutcome.VerificationFailed).Select(a => a.FinishedAt ?? a.At).Order().ToList();
        foreach (var f in failures)
        {
            if (f <= now && now - f <= Policy.Circuit.OpenFor && failures.Count(x => x <= f && f - x <= Policy.Circuit.Window) >= Policy.Circuit.FailedVerifications)
            {
                return CircuitState.Open;
            }
        }

        return CircuitState.Closed;
    }

    public bool InStorm(ActionHistory history, DateTimeOffset now)
    {
        var seen = history.Detections.Where(d => d <= now).Order().ToList();
        if (seen.Count(d => now - d <= Policy.Storm.Window) >= Policy.Storm.Findings)
        {
            return true;
        }

        return seen.Any(d => now - d <= Policy.Storm.Cooldown && seen.Count(x => x <= d && d - x <= Policy.Storm.Window) >= Policy.Storm.Findings);
    }

    private static bool InWindow(DateTimeOffset at, DateTimeOffset now, TimeSpan window) => at <= now && now - at < window;
}

/// <summary>Shell-style globs: <c>*</c> any run, <c>?</c> one character. Case-sensitive, whole string.</summary>
public static class Glob
{
    public static bool Matches(string pattern, string text) => Match(pattern, 0, text, 0);

    private static bool Match(string p, int pi, string t, int ti)
    {
        while (pi < p.Length)
        {
            var c = p[pi];
            if (c == '*')
            {
                for (var k = ti; k <= t.Length; k++)
                {
                    if (Match(p, pi + 1, t, k))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (ti >= t.Length || (c != '?' && c != t[ti]))
            {
                return false;
            }

            pi++;
            ti++;
        }

        return ti == t.Length;
    }
}
