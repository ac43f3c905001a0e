using System.Globalization;
using System.Text.Json;
using KubeMedic.Core;

namespace KubeMedic.Observability.Capacity;

/// <summary>What one node can hold: CPU cores and memory bytes (allocatable when known, else capacity).</summary>
public sealed record NodeCapacity(string Name, double CpuCores, long MemoryBytes)
{
    public override string ToString() => $"{Name} ({Quantities.FormatCores(CpuCores)} vCPU / {Quantities.FormatBytes(MemoryBytes)})";
}

/// <summary>Reads node capacities from <c>kubectl get nodes -o json</c> output (a List or a single Node).</summary>
public static class NodesFile
{
    public static IReadOnlyList<NodeCapacity> Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"--nodes-file: cannot read '{path}': {ex.Message}", ex);
        }

        return Parse(text, path);
    }

    public static IReadOnlyList<NodeCapacity> Parse(string json, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new UserInputException($"{source}: not JSON ({ex.Message})", ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("kind", out var kind))
            {
                throw new UserInputException($"{source}: not a 'kubectl get nodes -o json' document (no kind)");
            }

            var items = kind.GetString() switch
            {
                "Node" => [root],
                "List" or "NodeList" when root.TryGetProperty("items", out var list) && list.ValueKind == JsonValueKind.Array => list.EnumerateArray().ToList(),
                var k => throw new UserInputException($"{source}: expected kind List or Node, found '{k}'"),
            };

            var nodes = new List<NodeCapacity>();
            foreach (var item in items)
            {
                if (!item.TryGetProperty("kind", out var itemKind) || itemKind.GetString() != "Node")
                {
                    continue;
                }

                var name = item.TryGetProperty("metadata", out var md) && md.TryGetProperty("name", out var n) ? n.GetString() ?? "?" : "?";
                if (!item.TryGetProperty("status", out var status))
                {
                    throw new UserInputException($"{source}: node '{name}' has no status");
                }

                var resources = status.TryGetProperty("allocatable", out var alloc) ? alloc
                    : status.TryGetProperty("capacity", out var cap) ? cap
                    : throw new UserInputException($"{source}: node '{name}' has neither status.allocatable nor status.capacity");
                if (!resources.TryGetProperty("cpu", out var cpu) || !resources.TryGetProperty("memory", out var mem))
                {
                    throw new UserInputException($"{source}: node '{name}' lacks cpu or memory in its allocatable resources");
                }

                nodes.Add(new NodeCapacity(name, Quantities.ParseCpu(cpu.GetString() ?? "", $"{source}: node '{name}' cpu"),
                    Quantities.ParseBytes(mem.GetString() ?? "", $"{source}: node '{name}' memory")));
            }

            if (nodes.Count == 0)
            {
                throw new UserInputException($"{source}: no nodes found");
            }

            return nodes;
        }
    }
}

/// <summary>Kubernetes resource quantities (the subset nodes and containers use).</summary>
public static class Quantities
{
    private static readonly (string Suffix, double Factor)[] Suffixes =
    [
        ("Ki", 1024d), ("Mi", 1024d * 1024), ("Gi", 1024d * 1024 * 1024), ("Ti", 1024d * 1024 * 1024 * 1024), ("Pi", Math.Pow(1024, 5)), ("Ei", Math.Pow(1024, 6)),
        ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18),
    ];

    public static double Parse(string text, string what)
    {
        var t = text.Trim();
        foreach (var (suffix, factor) in Suffixes)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal) && TryNumber(t[..^suffix.Length], out var v))
            {
                return v * factor;
            }
        }

        if (TryNumber(t, out var plain))
        {
            return plain;
        }

        throw new UserInputException($"{what}: '{text}' is not a Kubernetes quantity (e.g. 2, 500m, 4Gi)");
    }

    public static double ParseCpu(string text, string what)
    {
        var v = Parse(text, what);
        return v > 0 ? v : throw new UserInputException($"{what}: '{text}' must be positive");
    }

    public static long ParseBytes(string text, string what)
    {
        var v = Parse(text, what);
        return v >= 1 ? (long)Math.Round(v) : throw new UserInputException($"{what}: '{text}' must be at least 1 byte");
    }

    private static bool TryNumber(string s, out double v) =>
        double.TryParse(s, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out v);

    public static string FormatBytes(double bytes)
    {
        const double gi = 1024d * 1024 * 1024;
        const double mi = 1024d * 1024;
        return bytes >= gi ? $"{(bytes / gi).ToString("0.##", CultureInfo.InvariantCulture)} GiB"
            : $"{(bytes / mi).ToString("0.#", CultureInfo.InvariantCulture)} MiB";
    }

    public static string FormatCores(double cores) => cores.ToString("0.##", CultureInfo.InvariantCulture);
}

/// <summary>Node capacities from the cluster model (live cluster, snapshot or simulator): allocatable, else capacity.</summary>
public static class ClusterCapacity
{
    public static IReadOnlyList<NodeCapacity> FromModel(KubeMedic.Core.Model.ClusterModel model) =>
        model.Nodes
            .Select(n => (n.Name, Amounts: n.Allocatable.CpuMillis is > 0 && n.Allocatable.MemoryBytes is > 0 ? n.Allocatable : n.Capacity))
            .Where(n => n.Amounts.CpuMillis is > 0 && n.Amounts.MemoryBytes is > 0)
            .Select(n => new NodeCapacity(n.Name, n.Amounts.CpuMillis!.Value / 1000.0, n.Amounts.MemoryBytes!.Value))
            .ToList();
}
