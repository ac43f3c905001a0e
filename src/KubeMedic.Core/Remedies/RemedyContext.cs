using System.Text.Json.Nodes;

namespace KubeMedic.Core.Remedies;

/// <summary>
/// Everything a remedy may look at, as raw API JSON (what <c>kubectl get -o json</c> prints). All optional except the target.
/// </summary>
public sealed record RemedyContext
{
    /// <summary>The object to change: the workload that owns the failing pods (Deployment, StatefulSet, DaemonSet), or a Pod.</summary>
    public required JsonObject Target { get; init; }

    /// <summary>One affected pod (its status tells which container was OOM-killed, which image fails to pull, which node it is on).</summary>
    public JsonObject? Pod { get; init; }

    /// <summary>ReplicaSets owned by the target Deployment (its rollout history).</summary>
    public IReadOnlyList<JsonObject> ReplicaSets { get; init; } = [];

    public IReadOnlyList<JsonObject> Nodes { get; init; } = [];

    public IReadOnlyList<JsonObject> PodDisruptionBudgets { get; init; } = [];

    public IReadOnlyList<JsonObject> PriorityClasses { get; init; } = [];

    /// <summary>For CPU pressure: the workloads that run on the pressured node (or in the cluster), any namespace.</summary>
    public IReadOnlyList<JsonObject> Workloads { get; init; } = [];

    /// <summary>Observed peak memory working set of the OOM-killed container, in bytes, if metrics are known.</summary>
    public long? PeakMemoryBytes { get; init; }

    /// <summary>For image-pull: an image the user gave (<c>--image</c>); when null the remedy rolls back.</summary>
    public string? Image { get; init; }

    public DateTimeOffset Now { get; init; } = DateTimeOffset.UnixEpoch;

    public RemedyOptions Options { get; init; } = RemedyOptions.Default;
}

/// <summary>The numbers remedies use. Documented in docs/autopilot-policy.md.</summary>
public sealed record RemedyOptions
{
    public static readonly RemedyOptions Default = new();

    /// <summary>New memory limit = max(limit x <see cref="MemoryFactor"/>, peak x (1 + <see cref="PeakHeadroom"/>)).</summary>
    public double MemoryFactor { get; init; } = 1.5;

    public double PeakHeadroom { get; init; } = 0.25;

    /// <summary>Never raise a memory limit above this (and never above the largest node's allocatable memory).</summary>
    public long MemoryCapBytes { get; init; } = 8L * 1024 * 1024 * 1024;

    /// <summary>Lowered requests fill at most this fraction of the largest node's allocatable.</summary>
    public double NodeFitFraction { get; init; } = 0.9;

    /// <summary>A crash loop counts as deploy-caused when the current revision is younger than this.</summary>
    public TimeSpan RecentDeployWindow { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Liveness initialDelaySeconds is raised to max(this, 2 x current), at most <see cref="MaxInitialDelaySeconds"/>.</summary>
    public int MinInitialDelaySeconds { get; init; } = 30;

    public int MaxInitialDelaySeconds { get; init; } = 300;

    /// <summary>Workloads whose priority-class value is below this may be scaled down under CPU pressure.</summary>
    public int PriorityThreshold { get; init; } = 1000;

    /// <summary>At most this many workloads are scaled down for one CPU-pressure finding.</summary>
    public int MaxScaleDownsPerFinding { get; init; } = 3;
}
