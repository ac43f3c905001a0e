using KubeMedic.Observability.Capacity;

namespace KubeMedic.Observability.Rules;

/// <summary>
/// Alert thresholds, in percent unless named otherwise. <see cref="ForNodes"/> tunes the node thresholds to the smallest
/// node, the way seed 001 tunes them to a 2-vCPU / 4-GiB t3.medium: keep an absolute headroom (0.4 vCPU and 0.1 vCPU of CPU,
/// 0.6 GiB and 256 MiB of memory) on small nodes, and a proportional one (20 %/5 % CPU, 10 %/5 % memory) on large ones.
/// On a 2 vCPU / 4 GiB node this gives CPU 80 / 95 % and memory 85 / 94 %.
/// </summary>
public sealed record AlertThresholds
{
    public double NodeCpuWarningPercent { get; init; } = 80;
    public double NodeCpuCriticalPercent { get; init; } = 95;
    public double NodeMemoryWarningPercent { get; init; } = 85;
    public double NodeMemoryCriticalPercent { get; init; } = 94;

    /// <summary>Seed 003: 5xx error rate above 1 % is critical.</summary>
    public double ErrorRatePercent { get; init; } = 1;

    /// <summary>Seed 003: p99 latency above 500 ms is a warning.</summary>
    public double LatencyP99Seconds { get; init; } = 0.5;

    /// <summary>CFS throttled periods over total periods (kubernetes-mixin CPUThrottlingHigh uses 25 %).</summary>
    public double CpuThrottlingPercent { get; init; } = 25;

    /// <summary>Working set over the memory limit: the OOM killer is near.</summary>
    public double ContainerMemoryNearLimitPercent { get; init; } = 90;

    /// <summary>The node the thresholds were tuned for, if any.</summary>
    public NodeCapacity? TunedFor { get; init; }

    public const double Gi = 1024d * 1024 * 1024;
    public const double Mi = 1024d * 1024;

    public static AlertThresholds ForNode(NodeCapacity node) => new()
    {
        NodeCpuWarningPercent = Pct(1 - Math.Max(0.20, 0.4 / node.CpuCores)),
        NodeCpuCriticalPercent = Pct(1 - Math.Max(0.05, 0.1 / node.CpuCores)),
        NodeMemoryWarningPercent = Pct(1 - Math.Max(0.10, 0.6 * Gi / node.MemoryBytes)),
        NodeMemoryCriticalPercent = Pct(1 - Math.Max(0.05, 256 * Mi / node.MemoryBytes)),
        TunedFor = node,
    };

    /// <summary>Tunes to the smallest node (by memory, then CPU): it is the first to run out.</summary>
    public static AlertThresholds ForNodes(IReadOnlyList<NodeCapacity> nodes)
    {
        if (nodes.Count == 0)
        {
            return new AlertThresholds();
        }

        var smallest = nodes.OrderBy(n => n.MemoryBytes).ThenBy(n => n.CpuCores).First();
        var cpuSmallest = nodes.Min(n => n.CpuCores);
        return ForNode(smallest with { CpuCores = cpuSmallest });
    }

    /// <summary>Percent rounded to half a point, never below 50.</summary>
    private static double Pct(double ratio) => Math.Max(50, Math.Round(ratio * 200, MidpointRounding.AwayFromZero) / 2);

    public void Validate()
    {
        Check(NodeCpuWarningPercent, NodeCpuCriticalPercent, "node CPU");
        Check(NodeMemoryWarningPercent, NodeMemoryCriticalPercent, "node memory");
        if (ErrorRatePercent is <= 0 or >= 100 || LatencyP99Seconds <= 0 || CpuThrottlingPercent is <= 0 or >= 100
            || ContainerMemoryNearLimitPercent is <= 0 or > 100)
        {
            throw new KubeMedic.Core.UserInputException("thresholds: error rate, throttling and memory-near-limit must be between 0 and 100 %, latency positive");
        }

        static void Check(double warn, double crit, string what)
        {
            if (warn is <= 0 or >= 100 || crit is <= 0 or >= 100 || warn >= crit)
            {
                throw new KubeMedic.Core.UserInputException($"thresholds: {what} warning ({warn} %) must be below critical ({crit} %), both between 0 and 100");
            }
        }
    }
}
