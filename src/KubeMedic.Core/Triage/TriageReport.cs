using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Triage;

/// <summary>The triage of an incident: severity, impact, timeline, hypotheses and a status message ready to paste.</summary>
public sealed record TriageReport
{
    /// <summary>SEV1..SEV4.</summary>
    public required string Severity { get; init; }

    /// <summary>Which rubric rule matched.</summary>
    public required string SeverityReason { get; init; }

    /// <summary>What the level means (from the rubric).</summary>
    public required string SeverityMeaning { get; init; }

    public required IReadOnlyList<ImpactedWorkload> Impact { get; init; }

    public required IReadOnlyList<TimelineEntry> Timeline { get; init; }

    /// <summary>The stated correlation, e.g. "first OOMKilled 15 min after revision 2 of deployment order-service".</summary>
    public string? Correlation { get; init; }

    public Hypothesis? LeadingHypothesis { get; init; }

    /// <summary>Other independent root causes (findings nothing else explains), worst first.</summary>
    public IReadOnlyList<string> OtherRootCauses { get; init; } = [];

    /// <summary>Generic hypotheses checked against the data: confirmed or ruled out, with the reason.</summary>
    public required IReadOnlyList<HypothesisCheck> Checks { get; init; }

    public required StatusMessage Status { get; init; }

    public required DateTimeOffset AsOf { get; init; }

    /// <summary>When the incident began (first failure signal), if known.</summary>
    public DateTimeOffset? StartedAt { get; init; }
}

/// <summary>A workload losing capacity: replicas, % lost, and whether users reach it (Service/Ingress).</summary>
public sealed record ImpactedWorkload(
    ObjectRef Object,
    int Desired,
    int Available,
    double CapacityLostPercent,
    bool UserFacing,
    bool External,
    IReadOnlyList<string> Services,
    IReadOnlyList<string> Ingresses,
    IReadOnlyList<string> Findings);

/// <summary>One line of the merged timeline. Kind: deploy, event, restart, oom, node, scheduling.</summary>
public sealed record TimelineEntry(DateTimeOffset Time, string Kind, ObjectRef Object, string Text);

/// <summary>The leading hypothesis: the root-cause finding that best explains the impact.</summary>
public sealed record Hypothesis(string Code, ObjectRef Object, string Statement, string? Fix, IReadOnlyList<string> Evidence);

/// <summary>A hypothesis checked against the data.</summary>
public sealed record HypothesisCheck(string Hypothesis, string Verdict, string Reason)
{
    public const string Confirmed = "confirmed";
    public const string RuledOut = "ruled-out";
    public const string Unknown = "unknown";
}

/// <summary>A status update: Investigating, Identified, Monitoring or Resolved, and the text to paste.</summary>
public sealed record StatusMessage(string State, string Title, string Text);
