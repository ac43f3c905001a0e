using System.Collections.Concurrent;
using System.Globalization;
using KubeMedic.Simulator.Scenarios;

namespace KubeMedic.Simulator.Kubelet;

/// <summary>One run of a container process.</summary>
internal sealed class ContainerInstance
{
    public required DateTimeOffset Start { get; init; }
    public DateTimeOffset? End { get; set; }
    public string? Reason { get; set; }
    public int ExitCode { get; set; }
    public required string ContainerId { get; init; }
}

/// <summary>The kubelet's view of one container: pulls, runs, restarts and back-offs.</summary>
internal sealed class ContainerRuntime
{
    public required string Name { get; init; }
    public required string Image { get; set; }
    public required AppModel App { get; set; }
    public string Stage { get; set; } = "New"; // New, ConfigError, Pulling, PullFailed, PullBackOff, Running, Terminated, CrashBackOff, Done
    public string? WaitingReason { get; set; }
    public string? WaitingMessage { get; set; }
    public DateTimeOffset? WakeAt { get; set; }
    public TimeSpan PullBackoff { get; set; }
    public TimeSpan CrashBackoff { get; set; }
    public DateTimeOffset? CrashBackoffUpdated { get; set; }
    public int RestartCount { get; set; }
    public ContainerInstance? Current { get; set; }
    public ContainerInstance? Previous { get; set; }
    public bool Ready { get; set; }
    public DateTimeOffset? EndsAt { get; set; }
    public string? EndReason { get; set; }
    public int EndCode { get; set; }
    public DateTimeOffset? NextUnhealthyAt { get; set; }
    public string? ImageId { get; set; }
    public bool IsInit { get; init; }

    /// <summary>Per-container pace of the app model (0.9-1.1), so replicas of a leaking app do not crash in lock-step.</summary>
    public double Pace { get; init; } = 1;

    /// <summary>Uptime as the app model sees it.</summary>
    public TimeSpan ModelTime(TimeSpan uptime) => TimeSpan.FromTicks((long)(uptime.Ticks * Pace));
}

internal sealed class PodRuntime
{
    public required string Uid { get; init; }
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public required string Node { get; init; }
    public required string PodIp { get; init; }
    public required DateTimeOffset StartTime { get; init; }
    public List<ContainerRuntime> Containers { get; } = [];
    public bool Terminating { get; set; }
    public object Gate { get; } = new();
}

internal sealed class NodeRuntime
{
    public required string Name { get; init; }
    public required int Index { get; init; }
    public bool Heartbeating { get; set; } = true;
    public HashSet<string> Images { get; } = new(StringComparer.Ordinal);
    public int NextIp { get; set; } = 1;
}

/// <summary>
/// State of the simulated kubelets, shared by the kubelet controller (which writes pod status) and the API
/// (logs and metrics, read from other threads under each pod's lock).
/// </summary>
internal sealed class KubeletRuntime
{
    private readonly SimContext _ctx;
    private int _nodeIndex;

    public KubeletRuntime(SimContext ctx)
    {
        _ctx = ctx;
    }

    public ConcurrentDictionary<string, PodRuntime> Pods { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, NodeRuntime> Nodes { get; } = new(StringComparer.Ordinal);

    public NodeRuntime Node(string name) => Nodes.GetOrAdd(name, n => new NodeRuntime { Name = n, Index = Interlocked.Increment(ref _nodeIndex) });

    public bool IsAlive(string node) => !Nodes.TryGetValue(node, out var n) || n.Heartbeating;

    public string AllocateIp(string node)
    {
        var n = Node(node);
        lock (n)
        {
            var i = n.NextIp++;
            return $"10.244.{n.Index % 256}.{(i % 254) + 1}";
        }
    }

    /// <summary>Usage of a running container now: cpu in nanocores, memory in bytes; null when not running.</summary>
    public (long NanoCpu, long Memory)? Usage(PodRuntime pod, ContainerRuntime c, DateTimeOffset now, long? memoryLimit)
    {
        lock (pod.Gate)
        {
            if (c.Stage != "Running" || c.Current is null) return null;
            var uptime = now - c.Current.Start;
            var mem = c.App.MemoryAt(c.ModelTime(uptime));
            if (memoryLimit is > 0) mem = Math.Min(mem, memoryLimit.Value);
            var wobble = 1 + (0.05 * Math.Sin(now.ToUnixTimeSeconds() / 15.0 + c.Name.Length));
            return ((long)(c.App.CpuMilli * 1_000_000 * wobble), mem);
        }
    }

    /// <summary>The log lines of a container instance (current or previous), as (time, line).</summary>
    public List<(DateTimeOffset Time, string Line)>? Logs(PodRuntime pod, ContainerRuntime c, bool previous, DateTimeOffset now)
    {
        ContainerInstance? inst;
        lock (pod.Gate)
        {
            inst = previous ? c.Previous : c.Current;
        }

        return inst is null ? null : Logs(pod, c, inst, now);
    }

    /// <summary>The log lines of one container instance up to <paramref name="now"/>.</summary>
    public List<(DateTimeOffset Time, string Line)> Logs(PodRuntime pod, ContainerRuntime c, ContainerInstance inst, DateTimeOffset now)
    {
        lock (pod.Gate)
        {
            var end = inst.End ?? now;
            var lines = new List<(DateTimeOffset, string)>();
            var t = inst.Start;
            var i = 0;
            foreach (var l in c.App.StartupLogs)
            {
                var at = t.AddMilliseconds(50 * ++i);
                if (at <= end) lines.Add((at, Render(l, c, inst, at, pod)));
            }

            foreach (var (every, line) in c.App.PeriodicLogs)
            {
                if (every <= TimeSpan.Zero) continue;
                var count = 0;
                for (var at = t + every; at <= end && count < 20_000; at += every, count++)
                {
                    lines.Add((at, Render(line, c, inst, at, pod)));
                }
            }

            if (inst.End is { } e)
            {
                var exitLines = inst.Reason == "OOMKilled" && c.App.OomLogs.Count > 0 ? c.App.OomLogs : inst.Reason == "OOMKilled" ? [] : c.App.ExitLogs;
                var j = exitLines.Count;
                foreach (var l in exitLines) lines.Add((e.AddMilliseconds(-10 * j--), Render(l, c, inst, e, pod)));
            }

            return lines.OrderBy(x => x.Item1).ToList();
        }
    }

    private static string Render(string template, ContainerRuntime c, ContainerInstance inst, DateTimeOffset at, PodRuntime pod)
    {
        var mem = c.App.MemoryAt(c.ModelTime(at - inst.Start));
        return template
            .Replace("{heapMiB}", (mem / (1024 * 1024)).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{pod}", pod.Name, StringComparison.Ordinal)
            .Replace("{container}", c.Name, StringComparison.Ordinal)
            .Replace("{uptime}", ((long)(at - inst.Start).TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s", StringComparison.Ordinal)
            .Replace("{time}", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }
}
