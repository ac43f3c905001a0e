using System.Text.Json.Nodes;

namespace KubeMedic.Simulator.Scenarios;

/// <summary>A loaded scenario: nodes, manifests, app behaviour, image catalog and timed faults (see docs/scenarios.md).</summary>
internal sealed class Scenario
{
    public string Name { get; init; } = "empty";
    public string Description { get; init; } = "";
    public string Source { get; init; } = "";
    public TimeSpan Warmup { get; init; }
    public bool RecordEvents { get; init; } = true;
    public List<NodeModel> Nodes { get; init; } = [];
    public List<JsonObject> Manifests { get; init; } = [];
    public List<AppModel> Apps { get; init; } = [];

    /// <summary>Pullable images ("repo:tag", "repo:*"). Empty: every image pulls.</summary>
    public List<string> Images { get; init; } = [];
    public List<SimFault> Faults { get; init; } = [];

    public static Scenario Empty() => new()
    {
        Name = "empty",
        Description = "An empty one-node cluster.",
        Nodes = [new NodeModel { Name = "node-1" }],
    };

    /// <summary>The app model for an image: exact "repo:tag" first, then the repository.</summary>
    public AppModel AppFor(string image)
    {
        var norm = ImageRef.Normalize(image);
        return Apps.FirstOrDefault(a => ImageRef.Normalize(a.Image) == norm)
            ?? Apps.FirstOrDefault(a => !a.Image.Contains(':') && ImageRef.Repository(norm) == ImageRef.Repository(ImageRef.Normalize(a.Image)))
            ?? AppModel.Default;
    }

    public bool ImageExists(string image)
    {
        if (Images.Count == 0) return true;
        var norm = ImageRef.Normalize(image);
        foreach (var entry in Images.Concat(Apps.Where(a => a.Image.Contains(':')).Select(a => a.Image)))
        {
            if (entry.EndsWith(":*", StringComparison.Ordinal))
            {
                if (ImageRef.Repository(norm) == ImageRef.Repository(ImageRef.Normalize(entry[..^2]))) return true;
            }
            else if (ImageRef.Normalize(entry) == norm)
            {
                return true;
            }
        }

        return false;
    }
}

internal sealed class NodeModel
{
    public string Name { get; init; } = "";
    public string Cpu { get; init; } = "4";
    public string Memory { get; init; } = "8Gi";
    public string Pods { get; init; } = "110";
    public Dictionary<string, string> Labels { get; init; } = [];
    public List<JsonObject> Taints { get; init; } = [];
    public bool Unschedulable { get; init; }
}

/// <summary>How a container image behaves when it runs.</summary>
internal sealed class AppModel
{
    public static readonly AppModel Default = new() { Image = "*" };

    public string Image { get; init; } = "";

    /// <summary>Ports the app listens on. Empty: the container's declared ports (any port if none).</summary>
    public List<int> Ports { get; init; } = [];

    /// <summary>HTTP paths answered with 200 ("*" = any). Empty: any path.</summary>
    public List<string> Paths { get; init; } = [];

    /// <summary>Seconds after start before the app answers at all.</summary>
    public double StartupSeconds { get; init; }

    public long CpuMilli { get; init; } = 10;
    public long MemoryBaseBytes { get; init; } = 32L * 1024 * 1024;
    public long LeakBytesPerMinute { get; init; }
    public TimeSpan? SpikeAfter { get; init; }
    public long SpikeToBytes { get; init; }

    /// <summary>The process exits by itself after this long (null: runs until killed).</summary>
    public TimeSpan? ExitAfter { get; init; }
    public int ExitCode { get; init; }

    public List<string> StartupLogs { get; init; } = [];
    public List<(TimeSpan Every, string Line)> PeriodicLogs { get; init; } = [];
    public List<string> ExitLogs { get; init; } = [];
    public List<string> OomLogs { get; init; } = [];

    /// <summary>Fraction of HTTP requests that fail with 5xx (issue 6 metrics).</summary>
    public double ErrorRate { get; init; }

    public bool ListensOn(int port, IEnumerable<int> containerPorts)
    {
        if (Ports.Count > 0) return Ports.Contains(port);
        var declared = containerPorts.ToList();
        return declared.Count == 0 || declared.Contains(port);
    }

    public bool Answers(string path)
    {
        if (Paths.Count == 0 || Paths.Contains("*")) return true;
        var p = path.Split('?')[0];
        return Paths.Any(x => x == p || (x.EndsWith('*') && p.StartsWith(x[..^1], StringComparison.Ordinal)));
    }

    /// <summary>Memory in use after the process has run for <paramref name="uptime"/>.</summary>
    public long MemoryAt(TimeSpan uptime)
    {
        var mem = MemoryBaseBytes + (long)(LeakBytesPerMinute * uptime.TotalMinutes);
        if (SpikeAfter is { } after && uptime >= after) mem = Math.Max(mem, SpikeToBytes);
        return mem;
    }

    /// <summary>When memory first reaches <paramref name="limit"/> (null: never).</summary>
    public TimeSpan? TimeToReach(long limit)
    {
        if (MemoryBaseBytes >= limit) return TimeSpan.FromSeconds(1);
        TimeSpan? best = null;
        if (LeakBytesPerMinute > 0) best = TimeSpan.FromMinutes((double)(limit - MemoryBaseBytes) / LeakBytesPerMinute);
        if (SpikeAfter is { } after && SpikeToBytes >= limit && (best is null || after < best)) best = after;
        return best;
    }
}

internal static class ImageRef
{
    /// <summary>docker.io/library/nginx:1.25 and nginx:1.25 are the same; no tag means :latest.</summary>
    public static string Normalize(string image)
    {
        var s = image.Trim();
        if (s.StartsWith("docker.io/library/", StringComparison.Ordinal)) s = s["docker.io/library/".Length..];
        else if (s.StartsWith("docker.io/", StringComparison.Ordinal)) s = s["docker.io/".Length..];
        var lastSlash = s.LastIndexOf('/');
        if (!s.Contains('@') && s.IndexOf(':', lastSlash + 1) < 0) s += ":latest";
        return s;
    }

    public static string Repository(string normalized)
    {
        var at = normalized.IndexOf('@');
        if (at >= 0) return normalized[..at];
        var lastSlash = normalized.LastIndexOf('/');
        var colon = normalized.IndexOf(':', lastSlash + 1);
        return colon < 0 ? normalized : normalized[..colon];
    }

    /// <summary>The fully qualified form containerd reports ("docker.io/library/nginx:1.25").</summary>
    public static string FullyQualified(string image)
    {
        var n = Normalize(image);
        if (!n.Contains('/')) return "docker.io/library/" + n;
        var first = n.Split('/')[0];
        if (first.Contains('.') || first.Contains(':') || first == "localhost") return n;
        return n.Contains('/') ? "docker.io/" + n : "docker.io/library/" + n;
    }
}
