using KubeMedic.Core.Findings;
using KubeMedic.Core.Incidents;

namespace KubeMedic.Cli.Commands;

/// <summary>What one look at the cluster (or snapshot) produced: findings, triage, the cluster's own timeline, workload facts.</summary>
internal sealed record Observation
{
    public IReadOnlyList<Finding> Findings { get; init; } = [];
    public IncidentTriage? Triage { get; init; }

    /// <summary>Events, restarts and ReplicaSet creations, as cluster timeline entries (each quotes a real event or status).</summary>
    public IReadOnlyList<TimelineEntry> ClusterTimeline { get; init; } = [];
    public IReadOnlyList<WorkloadFacts> Workloads { get; init; } = [];

    /// <summary>What set it off, e.g. "rollout of order-service revision 2 (image order-service:2.3.1) at 14:30".</summary>
    public string? Trigger { get; init; }
    public string? LeadingHypothesis { get; init; }
    public DateTimeOffset ObservedAt { get; init; }
}

/// <summary>Metric evidence, with where it came from or why it was skipped.</summary>
internal sealed record MetricsOutcome(IReadOnlyList<MetricEvidence> Series, string Source, string? SkippedBecause = null);

/// <summary>A fix, reviewed as a dry run before anything changes.</summary>
internal sealed record FixProposal
{
    public required Finding Finding { get; init; }
    public required string Description { get; init; }
    public IReadOnlyList<string> Commands { get; init; } = [];

    /// <summary>Unified diff of the object, before → after.</summary>
    public string Diff { get; init; } = "";
    public string? Why { get; init; }
    public string? Risk { get; init; }
    public string? Undo { get; init; }

    /// <summary>True when no safe automatic fix exists and a human must act (<see cref="Why"/> says why).</summary>
    public bool Escalation { get; init; }

    /// <summary>The backend's own plan object (e.g. the repair RemedyPlan).</summary>
    public object? Plan { get; init; }
}

/// <summary>
/// The cluster side of <c>respond</c>: a live cluster (or the simulator, which is one), or a snapshot that can be read but
/// not repaired.
/// </summary>
internal interface IResponseBackend : IAsyncDisposable
{
    /// <summary>"snapshot cluster.json", "context prod", "simulated cluster (order-service-oom)".</summary>
    string Description { get; }

    /// <summary>False for snapshots: there is nothing to patch.</summary>
    bool CanRepair { get; }

    Task<Observation> ObserveAsync(CancellationToken ct);

    /// <summary>Memory (and restart) series for the primary finding: Prometheus when available, else the metrics API samples.</summary>
    Task<MetricsOutcome> MetricsAsync(Finding primary, Observation observation, CancellationToken ct);

    Task<FixProposal?> ProposeAsync(Finding finding, Observation observation, CancellationToken ct);

    /// <summary>Applies the proposal through the audited repair path and verifies it; returns the recorded action.</summary>
    Task<IncidentAction> ApplyAsync(FixProposal proposal, CancellationToken ct);

    /// <summary>The cluster timeline as it is now (after a fix: the new rollout's events). Snapshots return nothing new.</summary>
    Task<IReadOnlyList<TimelineEntry>> ClusterTimelineAsync(IReadOnlyList<Finding> findings, CancellationToken ct) => Task.FromResult<IReadOnlyList<TimelineEntry>>([]);
}
