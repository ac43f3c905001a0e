using System.Text.Json.Serialization;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Incidents;

namespace KubeMedic.Core.Postmortem;

/// <summary>Google SRE action item types: mitigate (reduce this incident's effect) or prevent (stop it happening again).</summary>
public static class ActionItemType
{
    public const string Mitigate = "mitigate";
    public const string Prevent = "prevent";
}

/// <summary>One action item. <see cref="Basis"/> says which record fact it was generated from.</summary>
public sealed record ActionItem
{
    public required string Type { get; init; }
    public required string Text { get; init; }
    public bool Done { get; init; }
    public string Owner { get; init; } = "unassigned";

    /// <summary>The record fact behind the item: an action id, a finding id, a workload fact.</summary>
    public required string Basis { get; init; }
    public string? FindingCode { get; init; }
}

/// <summary>Durations measured from the record (null when the record does not have the event).</summary>
public sealed record IncidentDurations
{
    public TimeSpan? TimeToIdentify { get; init; }
    public TimeSpan? TimeToMitigate { get; init; }
    public TimeSpan? TimeToResolve { get; init; }

    /// <summary>From the first cluster symptom in the timeline to the incident being opened.</summary>
    public TimeSpan? TimeToDetect { get; init; }
}

/// <summary>
/// A postmortem in the Google SRE / Atlassian shape, built only from an <see cref="IncidentRecord"/>: nothing in it is
/// invented, and every timeline entry and action comes from the record.
/// </summary>
public sealed record PostmortemDocument
{
    public required string IncidentId { get; init; }
    public required string Title { get; init; }
    public required DateTimeOffset Date { get; init; }
    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>"Draft" while the incident is open, "Complete" once it is resolved and the actions are verified.</summary>
    public required string Status { get; init; }
    public IReadOnlyList<string> Authors { get; init; } = [];
    public string? Severity { get; init; }
    public required string Summary { get; init; }
    public required string Impact { get; init; }
    public required string RootCause { get; init; }
    public required string Trigger { get; init; }
    public required string Detection { get; init; }
    public required string Resolution { get; init; }
    public IncidentDurations Durations { get; init; } = new();
    public IReadOnlyList<TimelineEntry> Timeline { get; init; } = [];
    public IReadOnlyList<IncidentAction> ActionsTaken { get; init; } = [];
    public IReadOnlyList<ActionItem> ActionItems { get; init; } = [];
    public IReadOnlyList<Hypothesis> Hypotheses { get; init; } = [];
    public IReadOnlyList<string> WentWell { get; init; } = [];
    public IReadOnlyList<string> WentWrong { get; init; } = [];
    public IReadOnlyList<string> GotLucky { get; init; } = [];
    public IReadOnlyList<Finding> Findings { get; init; } = [];
    public IReadOnlyList<MetricEvidence> Metrics { get; init; } = [];

    [JsonIgnore]
    public bool HasMetrics => Metrics.Any(m => m.Points.Count > 1);
}
