using System.Globalization;
using System.Text.Json.Nodes;

namespace KubeMedic.Simulator.Metrics;

/// <summary>
/// The per-node scrape targets: the kubelet's own <c>/metrics</c> (job="kubelet", metrics_path="/metrics"), its cAdvisor
/// endpoint (<c>/metrics/cadvisor</c>) and node-exporter. Counters that depend on a changing rate (node CPU modes) are
/// integrated here between scrapes so they never go backwards; container counters restart with the container, like cAdvisor's.
/// </summary>
/// <remarks>
/// Time-integrated counters advance by simulated time × <see cref="ClusterState.CounterTimeScale"/> (1 / clock speed),
/// so <c>rate()</c> over Prometheus' wall-clock windows reads the modelled rate at any speed. Samples carry no explicit
/// timestamps (kube-prometheus scrapes cAdvisor with honorTimestamps: false anyway).
/// </remarks>
public sealed class NodeMetrics
{
    private readonly object _gate = new();
    private readonly Dictionary<string, NodeCounters> _nodes = new(StringComparer.Ordinal);

    private sealed class NodeCounters
    {
        public DateTimeOffset Last;
        public double[] Idle = [];
        public double[] User = [];
        public double[] System = [];
    }

    public static IEnumerable<JsonObject> PodsOn(ClusterState s, string node) =>
        s.Pods.Where(p => J.S(p, "spec", "nodeName") == node);

    private static IEnumerable<(JsonObject Pod, JsonObject Spec, JsonObject Status, ContainerUsage Usage, DateTimeOffset Started)> Running(ClusterState s, string node)
    {
        foreach (var p in PodsOn(s, node))
        {
            var phase = J.S(p, "status", "phase");
            if (phase is "Succeeded" or "Failed") continue;
            foreach (var cs in J.A(p, "status", "containerStatuses"))
            {
                if (J.Time(cs, "state", "running", "startedAt") is not { } started) continue;
                var name = J.S(cs, "name") ?? "";
                var spec = J.A(p, "spec", "containers").FirstOrDefault(c => J.S(c, "name") == name) ?? new JsonObject();
                var usage = s.Usage(p, name) ?? new ContainerUsage(0, 0);
                yield return (p, spec, cs, usage, started);
            }
        }
    }

    /// <summary>The kubelet's <c>/metrics</c>: kubelet_node_name, kubelet_running_pods, kubelet_running_containers, kubelet_evictions, build info.</summary>
    public static string Kubelet(ClusterState s, string node)
    {
        ArgumentNullException.ThrowIfNull(s);
        var w = new ExpositionWriter();
        w.Family("kubelet_node_name", "gauge", "[ALPHA] The node's name. The count is always 1.").Sample("kubelet_node_name", 1, ("node", node));
        var pods = PodsOn(s, node).Where(p => J.S(p, "status", "phase") is not ("Succeeded" or "Failed")).ToList();
        // a pod counts while its sandbox runs, crash-looping containers included
        var runningPods = pods.Count(p => J.A(p, "status", "containerStatuses").Any());
        w.Family("kubelet_running_pods", "gauge", "[ALPHA] Number of pods that have a running pod sandbox").Sample("kubelet_running_pods", runningPods);
        var states = pods.SelectMany(p => J.A(p, "status", "containerStatuses")).GroupBy(c => J.O(c, "state", "running") is not null ? "running" : J.O(c, "state", "terminated") is not null ? "exited" : J.O(c, "state", "waiting") is not null ? "created" : "unknown").ToDictionary(g => g.Key, g => g.Count());
        w.Family("kubelet_running_containers", "gauge", "[ALPHA] Number of containers currently running");
        foreach (var st in new[] { "created", "exited", "running", "unknown" }) w.Sample("kubelet_running_containers", states.GetValueOrDefault(st), ("container_state", st));
        w.Family("kubelet_evictions", "counter", "[ALPHA] Cumulative number of pod evictions by eviction signal");
        foreach (var (signal, count) in s.Evictions(node).OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.Sample("kubelet_evictions", count, ("eviction_signal", signal));
        BuildInfo(w, s.GitVersion);
        return w.ToString();
    }

    /// <summary><c>kubernetes_build_info</c> as every Kubernetes component exposes it.</summary>
    public static void BuildInfo(ExpositionWriter w, string gitVersion)
    {
        ArgumentNullException.ThrowIfNull(w);
        var parts = gitVersion.TrimStart('v').Split('.');
        w.Family("kubernetes_build_info", "gauge", "[ALPHA] A metric with a constant '1' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.")
            .Sample("kubernetes_build_info", 1, ("build_date", "2024-12-11T18:04:20Z"), ("compiler", "gc"), ("git_commit", "70d3cc986aa8221cd1dfb1121852688902d3bf53"),
                ("git_tree_state", "clean"), ("git_version", gitVersion), ("go_version", "go1.23.4"), ("major", parts[0]), ("minor", parts.Length > 1 ? parts[1] : "0"), ("platform", "linux/amd64"));
    }

    /// <summary>The kubelet's cAdvisor endpoint: per running container CPU, memory, throttling and OOM events.</summary>
    public static string Cadvisor(ClusterState s, string node)
    {
        ArgumentNullException.ThrowIfNull(s);
        var w = new ExpositionWriter();
        var rows = Running(s, node).ToList();
        (string, string?)[] Base((JsonObject Pod, JsonObject Spec, JsonObject Status, ContainerUsage Usage, DateTimeOffset Started) r, params (string, string?)[] more)
        {
            var id = (J.S(r.Status, "containerID") ?? "").Split("://").Last();
            var qos = J.S(r.Pod, "status", "qosClass") ?? "Burstable";
            var cgroup = qos == "Guaranteed" ? "/kubepods" : "/kubepods/" + qos.ToLowerInvariant();
            return [("container", J.S(r.Status, "name")), .. more, ("id", $"{cgroup}/pod{J.Uid(r.Pod)}/{id}"), ("image", J.S(r.Status, "image") ?? J.S(r.Spec, "image") ?? ""),
                ("name", id), ("namespace", J.Ns(r.Pod)), ("pod", J.Name(r.Pod))];
        }

        double Uptime(DateTimeOffset started) => Math.Max(0, (s.Now - started).TotalSeconds) * s.CounterTimeScale;

        w.Family("container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed in seconds.");
        foreach (var r in rows) w.Sample("container_cpu_usage_seconds_total", r.Usage.CpuCores * Uptime(r.Started), Base(r, ("cpu", "total")));

        var limited = rows.Where(r => MetricQuantity.Parse(J.S(r.Spec, "resources", "limits", "cpu")) > 0).ToList();
        w.Family("container_cpu_cfs_periods_total", "counter", "Number of elapsed enforcement period intervals.");
        foreach (var r in limited) w.Sample("container_cpu_cfs_periods_total", Math.Floor(Uptime(r.Started) * 10), Base(r));
        w.Family("container_cpu_cfs_throttled_periods_total", "counter", "Number of throttled period intervals.");
        foreach (var r in limited) w.Sample("container_cpu_cfs_throttled_periods_total", Math.Floor(Uptime(r.Started) * 10 * Math.Clamp(r.Usage.ThrottledFraction, 0, 1)), Base(r));
        w.Family("container_cpu_cfs_throttled_seconds_total", "counter", "Total time duration the container has been throttled.");
        foreach (var r in limited) w.Sample("container_cpu_cfs_throttled_seconds_total", Uptime(r.Started) * 0.1 * Math.Clamp(r.Usage.ThrottledFraction, 0, 1), Base(r));

        w.Family("container_memory_working_set_bytes", "gauge", "Current working set in bytes.");
        foreach (var r in rows) w.Sample("container_memory_working_set_bytes", r.Usage.MemoryWorkingSetBytes, Base(r));
        w.Family("container_memory_rss", "gauge", "Size of RSS in bytes.");
        foreach (var r in rows) w.Sample("container_memory_rss", Math.Floor(r.Usage.MemoryWorkingSetBytes * 0.9), Base(r));
        w.Family("container_memory_cache", "gauge", "Number of bytes of page cache memory.");
        foreach (var r in rows) w.Sample("container_memory_cache", Math.Floor(r.Usage.MemoryWorkingSetBytes * 0.1), Base(r));
        w.Family("container_memory_swap", "gauge", "Container swap usage in bytes.");
        foreach (var r in rows) w.Sample("container_memory_swap", 0, Base(r));
        w.Family("container_spec_memory_limit_bytes", "gauge", "Memory limit for the container.");
        foreach (var r in rows) w.Sample("container_spec_memory_limit_bytes", MetricQuantity.Parse(J.S(r.Spec, "resources", "limits", "memory")), Base(r));
        w.Family("container_oom_events_total", "counter", "Count of out of memory events observed for the container");
        foreach (var r in rows) w.Sample("container_oom_events_total", r.Usage.OomEvents, Base(r));
        return w.ToString();
    }

    /// <summary>node-exporter: CPU seconds per core and mode, memory, filesystem, load, uname.</summary>
    public string NodeExporter(ClusterState s, string node)
    {
        ArgumentNullException.ThrowIfNull(s);
        var n = s.Nodes.FirstOrDefault(x => J.Name(x) == node) ?? throw new KeyNotFoundException(node);
        var cores = Math.Max(1, (int)Math.Ceiling(MetricQuantity.Parse(J.S(n, "status", "capacity", "cpu"))));
        var memTotal = MetricQuantity.Parse(J.S(n, "status", "capacity", "memory"));
        var rows = Running(s, node).ToList();
        var busy = Math.Min(cores, rows.Sum(r => r.Usage.CpuCores) + 0.05 * cores);
        var used = rows.Sum(r => (double)r.Usage.MemoryWorkingSetBytes) + memTotal * 0.06 + s.NodeMemoryFill(node);
        var boot = J.Time(n, "metadata", "creationTimestamp") ?? s.Now;

        NodeCounters c;
        lock (_gate)
        {
            if (!_nodes.TryGetValue(node, out c!) || c.Idle.Length != cores)
            {
                var up = Math.Max(0, (s.Now - boot).TotalSeconds) * s.CounterTimeScale;
                c = new NodeCounters { Last = s.Now, Idle = Enumerable.Repeat(up * 0.9, cores).ToArray(), User = Enumerable.Repeat(up * 0.07, cores).ToArray(), System = Enumerable.Repeat(up * 0.03, cores).ToArray() };
                _nodes[node] = c;
            }

            var dt = Math.Max(0, (s.Now - c.Last).TotalSeconds) * s.CounterTimeScale;
            c.Last = s.Now > c.Last ? s.Now : c.Last;
            var util = busy / cores;
            for (var i = 0; i < cores; i++)
            {
                c.Idle[i] += dt * (1 - util);
                c.User[i] += dt * util * 0.7;
                c.System[i] += dt * util * 0.3;
            }
        }

        var w = new ExpositionWriter();
        w.Family("node_boot_time_seconds", "gauge", "Node boot time, in unixtime.").Sample("node_boot_time_seconds", boot.ToUnixTimeSeconds());
        w.Family("node_cpu_seconds_total", "counter", "Seconds the CPUs spent in each mode.");
        for (var i = 0; i < cores; i++)
        {
            var cpu = i.ToString(CultureInfo.InvariantCulture);
            foreach (var (mode, v) in new[] { ("idle", c.Idle[i]), ("iowait", 0d), ("irq", 0d), ("nice", 0d), ("softirq", 0d), ("steal", 0d), ("system", c.System[i]), ("user", c.User[i]) })
            {
                w.Sample("node_cpu_seconds_total", Math.Round(v, 2), ("cpu", cpu), ("mode", mode));
            }
        }

        w.Family("node_filesystem_avail_bytes", "gauge", "Filesystem space available to non-root users in bytes.").Sample("node_filesystem_avail_bytes", 64424509440, Fs());
        w.Family("node_filesystem_files", "gauge", "Filesystem total file nodes.").Sample("node_filesystem_files", 6553600, Fs());
        w.Family("node_filesystem_files_free", "gauge", "Filesystem total free file nodes.").Sample("node_filesystem_files_free", 6100000, Fs());
        w.Family("node_filesystem_readonly", "gauge", "Filesystem read-only status.").Sample("node_filesystem_readonly", 0, Fs());
        w.Family("node_filesystem_size_bytes", "gauge", "Filesystem size in bytes.").Sample("node_filesystem_size_bytes", 107374182400, Fs());
        var load = busy;
        w.Family("node_load1", "gauge", "1m load average.").Sample("node_load1", Math.Round(load, 2));
        w.Family("node_load15", "gauge", "15m load average.").Sample("node_load15", Math.Round(load, 2));
        w.Family("node_load5", "gauge", "5m load average.").Sample("node_load5", Math.Round(load, 2));
        var avail = Math.Max(0, memTotal - used);
        w.Family("node_memory_Buffers_bytes", "gauge", "Memory information field Buffers_bytes.").Sample("node_memory_Buffers_bytes", Math.Floor(memTotal * 0.01));
        w.Family("node_memory_Cached_bytes", "gauge", "Memory information field Cached_bytes.").Sample("node_memory_Cached_bytes", Math.Floor(avail * 0.3));
        w.Family("node_memory_MemAvailable_bytes", "gauge", "Memory information field MemAvailable_bytes.").Sample("node_memory_MemAvailable_bytes", Math.Floor(avail));
        w.Family("node_memory_MemFree_bytes", "gauge", "Memory information field MemFree_bytes.").Sample("node_memory_MemFree_bytes", Math.Floor(avail * 0.6));
        w.Family("node_memory_MemTotal_bytes", "gauge", "Memory information field MemTotal_bytes.").Sample("node_memory_MemTotal_bytes", memTotal);
        w.Family("node_time_seconds", "gauge", "System time in seconds since epoch (1970).").Sample("node_time_seconds", s.Now.ToUnixTimeMilliseconds() / 1000.0);
        var info = J.O(n, "status", "nodeInfo");
        w.Family("node_uname_info", "gauge", "Labeled system information as provided by the uname system call.")
            .Sample("node_uname_info", 1, ("domainname", "(none)"), ("machine", "x86_64"), ("nodename", node), ("release", J.S(info, "kernelVersion") ?? "6.1.0-sim"), ("sysname", "Linux"), ("version", "#1 SMP"));
        return w.ToString();

        static (string, string?)[] Fs() => [("device", "/dev/vda1"), ("fstype", "ext4"), ("mountpoint", "/")];
    }
}
