using System.Text.Json.Serialization;

namespace KubeMedic.Core.Findings;

/// <summary>How bad a finding is. Ordered: a larger value is worse.</summary>
[JsonConverter(typeof(SeverityJsonConverter))]
public enum Severity
{
    Info = 0,
    Low = 1,
    Medium = 2,
    High = 3,
    Critical = 4,
}

/// <summary>Serializes <see cref="Severity"/> as the lower-case strings of the JSON contract (critical, high, ...).</summary>
public sealed class SeverityJsonConverter() : JsonStringEnumConverter<Severity>(System.Text.Json.JsonNamingPolicy.CamelCase, allowIntegerValues: false);

/// <summary>A reference to a Kubernetes object: kind, namespace (null for cluster-scoped) and name.</summary>
public sealed record ObjectRef(string Kind, string? Namespace, string Name)
{
    public override string ToString() => Namespace is null ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";

    /// <summary>Parses <c>KIND/NS/NAME</c> or <c>KIND/NAME</c> (cluster-scoped).</summary>
    public static ObjectRef Parse(string text)
    {
        var parts = text.Split('/');
        return parts.Length switch
        {
            3 when parts.All(p => p.Length > 0) => new ObjectRef(parts[0], parts[1], parts[2]),
            2 when parts.All(p => p.Length > 0) => new ObjectRef(parts[0], null, parts[1]),
            _ => throw new FormatException($"object '{text}' is not KIND/NAMESPACE/NAME or KIND/NAME"),
        };
    }
}

/// <summary>Where a piece of evidence came from. Serialized lower-case, as in the JSON contract.</summary>
public static class EvidenceSource
{
    public const string Status = "status";
    public const string Event = "event";
    public const string Log = "log";
    public const string Spec = "spec";
    public const string Metric = "metric";
    public const string History = "history";
}

/// <summary>One quoted fact that supports a finding.</summary>
public sealed record Evidence(string Source, string Text);

/// <summary>A proposed fix: human description, the kubectl commands, and the patch (a JSON object) if one applies.</summary>
public sealed record Fix(string Description, IReadOnlyList<string> Commands, System.Text.Json.Nodes.JsonNode? Patch = null);

/// <summary>A link from one finding to another that explains it (or that it explains).</summary>
public sealed record RelatedFinding(string Code, ObjectRef Object, string? Relation = null);

/// <summary>
/// One diagnosed problem. The JSON shape is a contract (see issue "Diagnosis engine"): fields may be added, never removed or renamed.
/// </summary>
public sealed record Finding
{
    /// <summary>Stable id, unique within one diagnosis: <c>code:kind/ns/name</c>.</summary>
    public string Id => $"{Code}:{Object}";

    public required string Code { get; init; }
    public required Severity Severity { get; init; }
    public required ObjectRef Object { get; init; }
    public ObjectRef? Owner { get; init; }
    public IReadOnlyList<string> Pods { get; init; } = [];
    public string? SubReason { get; init; }
    public required string Summary { get; init; }
    public required string Cause { get; init; }
    public IReadOnlyList<Evidence> Evidence { get; init; } = [];
    public Fix? Fix { get; init; }
    public IReadOnlyList<RelatedFinding> Related { get; init; } = [];
    public string? Docs { get; init; }

    /// <summary>
    /// Pods that count as available now but are in an active restart loop (e.g. Ready only between OOM kills):
    /// triage counts them as lost capacity. Null when there are none.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? LoopingPods { get; init; }
}
