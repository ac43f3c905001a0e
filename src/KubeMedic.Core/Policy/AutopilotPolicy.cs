using KubeMedic.Core.Remedies;

namespace KubeMedic.Core.Policy;

/// <summary>
/// The autopilot's safety policy (one YAML file, see docs/autopilot-policy.md). Every default is the safe one: dry run on,
/// system namespaces denied, seed-001 exclusions (heartbeat, exporter), one action per workload per 30 minutes.
/// </summary>
public sealed record AutopilotPolicy
{
    public static readonly AutopilotPolicy Default = new();

    /// <summary>When true (the default) the autopilot only plans and records; it never changes the cluster.</summary>
    public bool DryRun { get; init; } = true;

    /// <summary>Namespace globs allowed (<c>*</c> = all). Deny wins over allow.</summary>
    public IReadOnlyList<string> AllowNamespaces { get; init; } = ["*"];

    public IReadOnlyList<string> DenyNamespaces { get; init; } = ["kube-system", "kube-public", "kube-node-lease"];

    /// <summary>Name globs never touched (target or owning workload), as seed 001 excludes heartbeat and exporter pods.</summary>
    public IReadOnlyList<string> ExcludeNames { get; init; } = ["*heartbeat*", "*exporter*"];

    /// <summary>Remedy ids (<see cref="RemedyIds"/>) that may run without a human. Anything else is escalated.</summary>
    public IReadOnlyList<string> AutomaticRemedies { get; init; } =
    [
        RemedyIds.RaiseMemoryLimit, RemedyIds.Rollback, RemedyIds.RemoveHostnamePin, RemedyIds.DeleteStuckPod,
        RemedyIds.FixProbePort, RemedyIds.RaiseInitialDelay, RemedyIds.ScaleDownLowPriority,
    ];

    public RateLimit PerWorkload { get; init; } = new(1, TimeSpan.FromMinutes(30));

    public RateLimit Global { get; init; } = new(10, TimeSpan.FromHours(1));

    public CircuitBreaker Circuit { get; init; } = new(3, TimeSpan.FromHours(1), TimeSpan.FromMinutes(30));

    /// <summary>
    /// Never take down more than this percentage of a workload's replicas at once. Counted over healthy pods: pods that are already
    /// broken do not count, and at least one pod may always be touched.
    /// </summary>
    public int MaxReplicaPercent { get; init; } = 50;

    public StormGuard Storm { get; init; } = new(10, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15));

    /// <summary>How long a repair is watched after it is applied (ready replicas, no new OOM/restarts, finding gone).</summary>
    public TimeSpan VerifyWindow { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Remedy tuning (memory factor, cap, priority threshold, ...).</summary>
    public RemedyOptions Remedies { get; init; } = RemedyOptions.Default;
}

/// <summary>At most <see cref="Max"/> actions within <see cref="Window"/>.</summary>
public sealed record RateLimit(int Max, TimeSpan Window);

/// <summary>Opens after <see cref="FailedVerifications"/> failed verifications within <see cref="Window"/>; stays open for <see cref="OpenFor"/>.</summary>
public sealed record CircuitBreaker(int FailedVerifications, TimeSpan Window, TimeSpan OpenFor);

/// <summary>A storm is <see cref="Findings"/> or more new findings within <see cref="Window"/>; no new repair starts until <see cref="Cooldown"/> after the last storm moment.</summary>
public sealed record StormGuard(int Findings, TimeSpan Window, TimeSpan Cooldown);
