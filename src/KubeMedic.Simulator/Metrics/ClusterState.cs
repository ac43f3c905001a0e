using System.Globalization;
using System.Text.Json.Nodes;

namespace KubeMedic.Simulator.Metrics;

/// <summary>What a container is using right now, as the kubelet's cAdvisor would see it.</summary>
/// <param name="CpuCores">Current CPU usage in cores.</param>
/// <param name="MemoryWorkingSetBytes">Current working set.</param>
/// <param name="OomEvents">OOM kills of this container so far (all restarts).</param>
/// <param name="ThrottledFraction">Share of CFS periods in which the container was throttled (0..1); only used with a CPU limit.</param>
public sealed record ContainerUsage(double CpuCores, long MemoryWorkingSetBytes, long OomEvents = 0, double ThrottledFraction = 0);

/// <summary>
/// A point-in-time view of the cluster that the metric writers read: API objects as raw JSON (the same shape
/// <c>kubectl get -o json</c> prints) plus the few things only a kubelet knows (usage, reachability, app error rates).
/// The simulator adapts its store to this; tests build it from JSON fixtures.
/// </summary>
public sealed class ClusterState
{
    public required DateTimeOffset Now { get; init; }
    public IReadOnlyList<JsonObject> Nodes { get; init; } = [];
    public IReadOnlyList<JsonObject> Pods { get; init; } = [];
    public IReadOnlyList<JsonObject> Deployments { get; init; } = [];
    public IReadOnlyList<JsonObject> ReplicaSets { get; init; } = [];
    public IReadOnlyList<JsonObject> StatefulSets { get; init; } = [];
    public IReadOnlyList<JsonObject> DaemonSets { get; init; } = [];
    public IReadOnlyList<JsonObject> Jobs { get; init; } = [];
    public IReadOnlyList<JsonObject> HorizontalPodAutoscalers { get; init; } = [];
    public IReadOnlyList<JsonObject> PodDisruptionBudgets { get; init; } = [];
    public IReadOnlyList<JsonObject> Services { get; init; } = [];
    public IReadOnlyList<JsonObject> Endpoints { get; init; } = [];
    public IReadOnlyList<JsonObject> PersistentVolumeClaims { get; init; } = [];
    public IReadOnlyList<JsonObject> Namespaces { get; init; } = [];

    /// <summary>Usage of a running container (pod JSON, container name); null when unknown.</summary>
    public Func<JsonObject, string, ContainerUsage?> Usage { get; init; } = (_, _) => null;

    /// <summary>Whether the node's kubelet answers scrapes (false after its heartbeat stopped).</summary>
    public Func<string, bool> KubeletReachable { get; init; } = _ => true;

    /// <summary>The app's own fraction of failing requests (5xx) for a container image.</summary>
    public Func<string, double> AppErrorRate { get; init; } = _ => 0;

    /// <summary>Evictions per node and signal so far (kubelet_evictions).</summary>
    public Func<string, IReadOnlyDictionary<string, long>> Evictions { get; init; } = _ => new Dictionary<string, long>();

    /// <summary>Memory taken on a node outside any pod (bytes), e.g. by chaos fill-memory.</summary>
    public Func<string, long> NodeMemoryFill { get; init; } = _ => 0;

    /// <summary>
    /// Real seconds per simulated second (1 / clock speed). Time-integrated counters (CPU seconds, CFS periods, requests)
    /// advance by simulated time times this factor, so that <c>rate()</c> over Prometheus' wall-clock windows reads the
    /// modelled per-second rate at any clock speed; at speed 1 nothing changes.
    /// </summary>
    public double CounterTimeScale { get; init; } = 1;

    /// <summary>Kubernetes version the simulated components report.</summary>
    public string GitVersion { get; init; } = "v1.32.0";
}

/// <summary>Small helpers over raw API JSON.</summary>
internal static class J
{
    public static string? S(JsonNode? node, params string[] path)
    {
        var n = Walk(node, path);
        return n is JsonValue v && v.TryGetValue<string>(out var s) ? s : n is JsonValue v2 ? v2.ToString() : null;
    }

    public static long? L(JsonNode? node, params string[] path)
    {
        var n = Walk(node, path);
        if (n is not JsonValue v) return null;
        if (v.TryGetValue<long>(out var l)) return l;
        if (v.TryGetValue<int>(out var i)) return i;
        if (v.TryGetValue<double>(out var d)) return (long)d;
        return long.TryParse(v.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p : null;
    }

    public static bool B(JsonNode? node, params string[] path)
    {
        var n = Walk(node, path);
        return n is JsonValue v && v.TryGetValue<bool>(out var b) && b;
    }

    public static JsonObject? O(JsonNode? node, params string[] path) => Walk(node, path) as JsonObject;

    public static IEnumerable<JsonObject> A(JsonNode? node, params string[] path) =>
        Walk(node, path) is JsonArray a ? a.OfType<JsonObject>() : [];

    public static JsonNode? Walk(JsonNode? node, params string[] path)
    {
        foreach (var p in path)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(p, out node)) return null;
        }

        return node;
    }

    public static string Ns(JsonObject o) => S(o, "metadata", "namespace") ?? "";

    public static string Name(JsonObject o) => S(o, "metadata", "name") ?? "";

    public static string Uid(JsonObject o) => S(o, "metadata", "uid") ?? "";

    public static DateTimeOffset? Time(JsonNode? node, params string[] path) =>
        DateTimeOffset.TryParse(S(node, path), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    public static IReadOnlyDictionary<string, string> Labels(JsonObject? o, params string[] path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Walk(o, path) is JsonObject l)
        {
            foreach (var (k, v) in l) result[k] = v?.ToString() ?? "";
        }

        return result;
    }

    /// <summary>Whether a matchLabels-style selector (plain map) selects the labels. An empty selector selects nothing.</summary>
    public static bool Selects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    public static JsonObject? Condition(JsonObject o, string type) =>
        A(o, "status", "conditions").FirstOrDefault(c => S(c, "type") == type);
}

/// <summary>Kubernetes quantities ("500m", "2", "512Mi", "1G").</summary>
internal static class MetricQuantity
{
    private static readonly (string Suffix, decimal Factor)[] Suffixes =
    [
        ("Ki", 1024m), ("Mi", 1024m * 1024), ("Gi", 1024m * 1024 * 1024), ("Ti", 1024m * 1024 * 1024 * 1024), ("Pi", 1024m * 1024 * 1024 * 1024 * 1024),
        ("Ei", 1024m * 1024 * 1024 * 1024 * 1024 * 1024), ("n", 0.000000001m), ("u", 0.000001m), ("m", 0.001m), ("k", 1e3m), ("M", 1e6m), ("G", 1e9m), ("T", 1e12m), ("P", 1e15m), ("E", 1e18m),
    ];

    public static double Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return 0;
        text = text.Trim();
        foreach (var (suffix, factor) in Suffixes)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) && decimal.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return (double)(n * factor);
        }

        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain) ? (double)plain : 0;
    }

    /// <summary>The kube-state-metrics resource name and unit for a resource key (cpu/core, memory/byte, pods/integer...).</summary>
    public static (string Resource, string Unit) KsmResource(string key) => key switch
    {
        "cpu" => ("cpu", "core"),
        "memory" => ("memory", "byte"),
        "ephemeral-storage" => ("ephemeral_storage", "byte"),
        "storage" => ("storage", "byte"),
        "pods" => ("pods", "integer"),
        _ when key.StartsWith("hugepages-", StringComparison.Ordinal) => (key.Replace('-', '_').Replace('.', '_'), "byte"),
        _ => (key.Replace('/', '_').Replace('.', '_').Replace('-', '_'), "integer"),
    };
}
