using System.Text.Json.Serialization;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Incidents;

/// <summary>The status-page states of an incident, in order (Statuspage: Investigating → Identified → Monitoring → Resolved).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IncidentStatus>))]
public enum IncidentStatus
{
    Investigating = 0,
    Identified = 1,
    Monitoring = 2,
    Resolved = 3,
}

/// <summary>What a hypothesis came to: still open, confirmed by data, or ruled out by data.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<HypothesisVerdict>))]
public enum HypothesisVerdict
{
    Open = 0,
    Confirmed = 1,
    RuledOut = 2,
}

/// <summary>Where a timeline entry came from. Cluster entries quote a Kubernetes event or status change.</summary>
public static class TimelineSource
{
    /// <summary>A Kubernetes event or an object's status (restart, ReplicaSet creation): something the cluster recorded.</summary>
    public const string Cluster = "cluster";

    /// <summary>A step KubeMedic took (triage done, diagnosis done, postmortem written).</summary>
    public const string KubeMedic = "kubemedic";

    /// <summary>A note a human added with <c>kubemedic incident note</c>.</summary>
    public const string Note = "note";

    /// <summary>A change applied to the cluster (from the repair audit) or its verification.</summary>
    public const string Action = "action";

    /// <summary>A status change (Investigating → Identified → ...).</summary>
    public const string Status = "status";

    /// <summary>An alert that fired or resolved (Alertmanager webhook).</summary>
    public const string Alert = "alert";
}

/// <summary>One line of the incident timeline. <see cref="Reason"/> and <see cref="Object"/> identify cluster events.</summary>
public sealed record TimelineEntry
{
    public required DateTimeOffset At { get; init; }
    public required string Source { get; init; }
    public required string Text { get; init; }

    /// <summary>For cluster entries: the event reason (OOMKilled, BackOff, ScalingReplicaSet, ...).</summary>
    public string? Reason { get; init; }

    /// <summary>The object the entry is about, when there is one.</summary>
    public ObjectRef? Object { get; init; }

    /// <summary>Who wrote it (notes: the user; actions: the audit's actor).</summary>
    public string? Author { get; init; }
}

/// <summary>The triage: severity on the SEV1-4 rubric, what is affected, and why that severity.</summary>
public sealed record IncidentTriage
{
    /// <summary>SEV1 .. SEV4.</summary>
    public required string Severity { get; init; }
    public required string Impact { get; init; }
    public IReadOnlyList<string> AffectedServices { get; init; } = [];
    public string? Rationale { get; init; }
    public bool UserFacing { get; init; }

    /// <summary>Share of the affected workloads' desired replicas that are unavailable, 0..100, when known.</summary>
    public double? CapacityLostPercent { get; init; }

    /// <summary>The correlation the triage found, e.g. "first OOMKilled 15 min after revision 2 of deployment order-service".</summary>
    public string? Correlation { get; init; }
}

/// <summary>A hypothesis and the data that settled it (or that is still missing).</summary>
public sealed record Hypothesis
{
    public required string Statement { get; init; }
    public HypothesisVerdict Verdict { get; init; } = HypothesisVerdict.Open;

    /// <summary>The quoted data that settled it: evidence lines, metric values, log lines.</summary>
    public IReadOnlyList<string> Data { get; init; } = [];

    /// <summary>The finding code this hypothesis is about, when it came from one.</summary>
    public string? FindingCode { get; init; }
}

/// <summary>The result of checking that a change removed the symptom.</summary>
public sealed record VerificationResult
{
    public required bool Passed { get; init; }
    public required string Summary { get; init; }
    public IReadOnlyList<string> Checks { get; init; } = [];
    public DateTimeOffset? At { get; init; }
}

/// <summary>A change made (or proposed, when <see cref="DryRun"/>) during the incident, usually copied from the repair audit.</summary>
public sealed record IncidentAction
{
    public required DateTimeOffset At { get; init; }
    public required string Description { get; init; }
    public string? FindingId { get; init; }
    public ObjectRef? Object { get; init; }

    /// <summary>The kubectl equivalent of the change.</summary>
    public IReadOnlyList<string> Commands { get; init; } = [];
    public bool DryRun { get; init; }
    public string? Diff { get; init; }

    /// <summary>The audit log entry id, when the action went through the audited repair path.</summary>
    public string? AuditId { get; init; }
    public string? Actor { get; init; }
    public VerificationResult? Verification { get; init; }
}

/// <summary>A status-page transition, with the message that was (or can be) sent.</summary>
public sealed record StatusChange
{
    public required DateTimeOffset At { get; init; }
    public IncidentStatus? From { get; init; }
    public required IncidentStatus To { get; init; }
    public string? Message { get; init; }
}

/// <summary>One metric series kept as evidence (e.g. container memory working set), for the postmortem's graph.</summary>
public sealed record MetricEvidence
{
    public required string Query { get; init; }
    public required string Label { get; init; }

    /// <summary>The unit of the values: bytes, seconds, ratio, count.</summary>
    public string Unit { get; init; } = "";
    public IReadOnlyList<MetricPoint> Points { get; init; } = [];

    /// <summary>A horizontal reference line such as the memory limit, when there is one.</summary>
    public double? Threshold { get; init; }
    public string? ThresholdLabel { get; init; }
}

public sealed record MetricPoint(DateTimeOffset At, double Value);

/// <summary>
/// Facts about an affected workload that the postmortem's prevent items are generated from
/// (single replica, no readiness probe, no memory limit, no alert covering it).
/// </summary>
public sealed record WorkloadFacts
{
    public required ObjectRef Object { get; init; }
    public int? Replicas { get; init; }
    public bool? HasReadinessProbe { get; init; }
    public bool? HasMemoryLimit { get; init; }
    public string? MemoryLimit { get; init; }
    public string? Image { get; init; }
    public int? Revision { get; init; }
}

/// <summary>
/// The durable record of one incident. Stored as <c>.kubemedic/incidents/&lt;id&gt;/incident.json</c> with a rendered
/// <c>incident.md</c> beside it. Mutate it only through <see cref="IncidentStore.Update"/>.
/// </summary>
public sealed class IncidentRecord
{
    public const int CurrentSchema = 1;

    public int Schema { get; set; } = CurrentSchema;
    public string Id { get; set; } = "";
    public string Title { get; set; } = "";

    /// <summary>What opened it: "respond", "alert:KubePodCrashLooping", "manual", "autopilot".</summary>
    public string OpenedBy { get; set; } = "";

    /// <summary>Key used to avoid opening two incidents for the same thing (e.g. the alert group key).</summary>
    public string? DedupKey { get; set; }

    /// <summary>Where the data came from: a kubeconfig context, "simulator (order-service-oom)", or a snapshot path.</summary>
    public string? Cluster { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public IncidentStatus Status { get; set; } = IncidentStatus.Investigating;
    public IncidentTriage? Triage { get; set; }

    /// <summary>The root cause in one or two sentences, once identified.</summary>
    public string? RootCause { get; set; }

    /// <summary>What set it off (a deploy, a config change), when known.</summary>
    public string? Trigger { get; set; }

    /// <summary>How it was detected (alert name, KubeMedic diagnosis, a user report).</summary>
    public string? Detection { get; set; }
    public List<TimelineEntry> Timeline { get; set; } = [];
    public List<Finding> Findings { get; set; } = [];
    public List<Hypothesis> Hypotheses { get; set; } = [];
    public List<IncidentAction> Actions { get; set; } = [];
    public List<StatusChange> StatusChanges { get; set; } = [];
    public List<MetricEvidence> Metrics { get; set; } = [];
    public List<WorkloadFacts> Workloads { get; set; } = [];

    /// <summary>Alert labels when an alert opened the incident.</summary>
    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>Paths of postmortems written from this record.</summary>
    public List<string> Postmortems { get; set; } = [];

    /// <summary>Entries in time order (stable for equal times).</summary>
    public IReadOnlyList<TimelineEntry> OrderedTimeline() => [.. Timeline.OrderBy(e => e.At)];

    /// <summary>The finding the diagnosis put first (worst severity, first reported): the root-cause candidate.</summary>
    public Finding? PrimaryFinding() => Findings
        .Select((f, i) => (f, i))
        .OrderByDescending(x => x.f.Severity)
        .ThenBy(x => x.i)
        .Select(x => x.f)
        .FirstOrDefault();
}
