using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using KubeMedic.Simulator.Controllers;
using KubeMedic.Simulator.Scenarios;
using KubeMedic.Simulator.Metrics;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Chaos;

/// <summary>A chaos request, as the <c>kubemedic chaos</c> CLI posts it to the simulator (JSON, camelCase).</summary>
public sealed record ChaosRequest
{
    /// <summary>kill-pod, oom, break-image, stop-heartbeat, resume-heartbeat, fill-memory, api-fault, clear-api-faults.</summary>
    public required string Action { get; init; }
    public string? Namespace { get; init; }
    public string? Name { get; init; }
    public string? Container { get; init; }
    public string? Node { get; init; }
    public string? Image { get; init; }
    public int? Percent { get; init; }
    public string? Kind { get; init; }
    public List<string>? Verbs { get; init; }
    public string? Resource { get; init; }
    public int? Status { get; init; }
    public int? DelayMs { get; init; }
    public double? Probability { get; init; }
    public int? Count { get; init; }

    public static readonly IReadOnlyList<string> Actions = ["kill-pod", "oom", "break-image", "stop-heartbeat", "resume-heartbeat", "fill-memory", "api-fault", "clear-api-faults"];
}

/// <summary>Fault injection into a running simulated cluster. Every action runs on the controller loop, like a scenario fault.</summary>
internal static class ChaosActions
{
    /// <summary>Memory filled per node (bytes), by the fill-memory action.</summary>
    private static readonly ConditionalWeakTable<SimContext, Dictionary<string, long>> Filled = new();

    public const long EvictionThresholdBytes = 100L * 1024 * 1024;

    public static long FilledBytes(SimContext ctx, string node)
    {
        var map = Filled.GetValue(ctx, _ => new Dictionary<string, long>(StringComparer.Ordinal));
        lock (map) return map.GetValueOrDefault(node);
    }

    /// <summary>Runs one action; returns a one-line result. Throws <see cref="ArgumentException"/> for bad input and <see cref="ApiException"/> for missing objects.</summary>
    public static async Task<string> RunAsync(SimContext ctx, ChaosRequest r, CancellationToken ct = default)
    {
        string Need(string? v, string what) => string.IsNullOrWhiteSpace(v) ? throw new ArgumentException($"{r.Action} needs --{what}") : v;
        var ns = r.Namespace ?? "default";
        switch (r.Action)
        {
            case "kill-pod":
                {
                    var name = Need(r.Name, "pod");
                    _ = ctx.Store.GetRequired(Resources.Pods, ns, name);
                    await ctx.Manager.InvokeAsync(() => FaultRunner.Apply(ctx, new SimFault("deletePod") { Namespace = ns, Name = name }), ct);
                    return $"pod {ns}/{name} killed";
                }

            case "oom":
                {
                    var name = Need(r.Name, "pod");
                    var pod = ctx.Store.GetRequired(Resources.Pods, ns, name);
                    string? killed = null;
                    await ctx.Manager.InvokeAsync(() =>
                    {
                        if (!ctx.Kubelet.Pods.TryGetValue(pod.Uid(), out var rt)) throw new ArgumentException($"pod {ns}/{name} is not running on a node");
                        lock (rt.Gate)
                        {
                            var c = rt.Containers.FirstOrDefault(x => !x.IsInit && (r.Container is null || x.Name == r.Container) && x.Stage == "Running")
                                ?? throw new ArgumentException($"pod {ns}/{name} has no running container{(r.Container is null ? "" : " " + r.Container)}");
                            c.EndsAt = ctx.Now;
                            c.EndReason = "OOMKilled";
                            c.EndCode = 137;
                            killed = c.Name;
                        }

                        ctx.Manager.Get<KubeletController>().Enqueue(ObjectStore.Key(ns, name));
                    }, ct);
                    return $"container {killed} of pod {ns}/{name} OOM-killed (exit 137)";
                }

            case "break-image":
                {
                    var name = Need(r.Name, "deployment");
                    var d = ctx.Store.GetRequired(Resources.Deployments, ns, name);
                    var container = d.Arr("spec.template.spec.containers").Objects().FirstOrDefault(c => r.Container is null || c.Str("name") == r.Container)
                        ?? throw new ArgumentException($"deployment {ns}/{name} has no container {r.Container}");
                    var current = container.Str("image") ?? "";
                    var image = r.Image ?? BrokenTag(current);
                    await ctx.Manager.InvokeAsync(() => FaultRunner.Apply(ctx, new SimFault("deploy") { Namespace = ns, Name = name, Container = container.Str("name"), Image = image }), ct);
                    return $"deployment {ns}/{name} now rolls out {image}";
                }

            case "stop-heartbeat":
            case "resume-heartbeat":
                {
                    var node = Need(r.Node, "node");
                    _ = ctx.Store.GetRequired(Resources.Nodes, null, node);
                    await ctx.Manager.InvokeAsync(() => FaultRunner.Apply(ctx, new SimFault(r.Action == "stop-heartbeat" ? "stopHeartbeat" : "resumeHeartbeat") { Node = node }), ct);
                    return r.Action == "stop-heartbeat" ? $"node {node} stopped heartbeating" : $"node {node} heartbeats again";
                }

            case "fill-memory":
                {
                    var node = Need(r.Node, "node");
                    var percent = r.Percent ?? 95;
                    if (percent is < 1 or > 100) throw new ArgumentException("--percent must be 1..100");
                    var evicted = new List<string>();
                    await ctx.Manager.InvokeAsync(() => evicted = FillMemory(ctx, node, percent), ct);
                    return $"node {node}: {percent}% of memory filled; evicted {(evicted.Count == 0 ? "nothing" : string.Join(", ", evicted))}";
                }

            case "api-fault":
                {
                    var fault = ApiFaults.For(ctx).Add(new ApiFault(Need(r.Kind, "kind"), r.Verbs ?? [], r.Resource, r.Status ?? 0, TimeSpan.FromMilliseconds(r.DelayMs ?? 0), r.Probability ?? 1, r.Count));
                    return $"api fault {fault.Id}: {fault.Kind} on {string.Join(",", fault.Verbs)}{(fault.Resource is null ? "" : " " + fault.Resource)}";
                }

            case "clear-api-faults":
                ApiFaults.For(ctx).Clear();
                return "api faults cleared";
            default:
                throw new ArgumentException($"unknown chaos action \"{r.Action}\" (want one of {string.Join(", ", ChaosRequest.Actions)})");
        }
    }

    /// <summary>"repo:tag" becomes "repo:tag-broken" (an image the registry catalog does not have).</summary>
    public static string BrokenTag(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0) image = image[..at];
        var slash = image.LastIndexOf('/');
        var colon = image.IndexOf(':', slash + 1);
        return colon < 0 ? image + ":latest-broken" : image + "-broken";
    }

    /// <summary>
    /// Fills the node's memory and does what the kubelet's eviction manager does when memory.available drops under the
    /// hard threshold (100Mi): taints the node with memory-pressure, then evicts pods, BestEffort first, then those using
    /// most above their request, until memory is available again.
    /// </summary>
    private static List<string> FillMemory(SimContext ctx, string nodeName, int percent)
    {
        var node = ctx.Store.GetRequired(Resources.Nodes, null, nodeName);
        var capacity = (long)MetricQuantity.Parse(node.Str("status.capacity.memory"));
        var fill = capacity * percent / 100;
        var map = Filled.GetValue(ctx, _ => new Dictionary<string, long>(StringComparer.Ordinal));
        lock (map) map[nodeName] = fill;

        var state = SimMetricsSource.Capture(ctx);
        var pods = state.Pods.Where(p => p.Str("spec.nodeName") == nodeName && p.Str("status.phase") is "Running" or "Pending").ToList();
        long Usage(JsonObject p) => p.Arr("spec.containers").Objects().Sum(c => state.Usage(p, c.Str("name") ?? "")?.MemoryWorkingSetBytes ?? 0);
        long Request(JsonObject p) => p.Arr("spec.containers").Objects().Sum(c => (long)MetricQuantity.Parse(c.Str("resources.requests.memory")));
        var available = capacity - fill - pods.Sum(Usage);
        var evicted = new List<string>();
        if (available >= EvictionThresholdBytes) return evicted;

        var copy = node.Clone();
        var taints = copy.Ensure("spec").EnsureArray("taints");
        if (!taints.Objects().Any(t => t.Str("key") == "node.kubernetes.io/memory-pressure"))
        {
            taints.Add(new JsonObject { ["key"] = "node.kubernetes.io/memory-pressure", ["effect"] = "NoSchedule", ["timeAdded"] = Json.Timestamp(ctx.Now) });
            ctx.Store.Update(Resources.Nodes, copy);
        }

        ctx.Events.Warning(node, "EvictionThresholdMet", "Attempting to reclaim memory", "kubelet", nodeName);
        var order = pods
            .Where(p => p.Str("metadata.deletionTimestamp") is null)
            .OrderBy(p => p.Str("status.qosClass") switch { "BestEffort" => 0, "Burstable" => 1, _ => 2 })
            .ThenByDescending(p => Usage(p) - Request(p))
            .ToList();
        foreach (var p in order)
        {
            if (available >= EvictionThresholdBytes) break;
            var usage = Usage(p);
            Evict(ctx, p, nodeName, available, usage, Request(p));
            available += usage;
            evicted.Add(p.Namespace() + "/" + p.Name());
        }

        return evicted;
    }

    private static void Evict(SimContext ctx, JsonObject pod, string nodeName, long available, long usage, long request)
    {
        ctx.Kubelet.Pods.TryRemove(pod.Uid(), out _);
        var container = pod.Arr("spec.containers").Objects().FirstOrDefault()?.Str("name") ?? "app";
        var message = string.Create(CultureInfo.InvariantCulture,
            $"The node was low on resource: memory. Threshold quantity: 100Mi, available: {Math.Max(0, available) / 1024}Ki. Container {container} was using {usage / 1024}Ki, request is {(request == 0 ? "0" : Quantity.FormatBytes(request))}, has larger consumption of memory. ");
        var copy = pod.Clone();
        var status = copy.Ensure("status");
        status["phase"] = "Failed";
        status["reason"] = "Evicted";
        status["message"] = message;
        foreach (var cs in status.Arr("containerStatuses").Objects())
        {
            cs["ready"] = false;
            cs["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 137, ["reason"] = "ContainerStatusUnknown", ["message"] = "The container could not be located when the pod was terminated", ["startedAt"] = null, ["finishedAt"] = Json.Timestamp(ctx.Now) } };
        }

        foreach (var c in status.Arr("conditions").Objects().Where(c => c.Str("type") is "Ready" or "ContainersReady"))
        {
            c["status"] = "False";
            c["reason"] = "PodFailed";
            c["lastTransitionTime"] = Json.Timestamp(ctx.Now);
        }

        ctx.Store.Update(Resources.Pods, copy);
        ctx.Events.Warning(pod, "Evicted", message, "kubelet", nodeName);
    }
}
