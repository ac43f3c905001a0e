using System.Runtime.CompilerServices;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Metrics;

/// <summary>Adapts the simulator's store and kubelet model to <see cref="ClusterState"/>; one <see cref="SimulatorMetrics"/> per cluster.</summary>
internal static class SimMetricsSource
{
    private static readonly ConditionalWeakTable<SimContext, SimulatorMetrics> PerCluster = new();

    public static SimulatorMetrics For(SimContext ctx) => PerCluster.GetValue(ctx, c => new SimulatorMetrics(() => Capture(c)));

    public static ClusterState Capture(SimContext ctx)
    {
        var store = ctx.Store;
        var now = ctx.Now;
        var pods = store.All(Resources.Pods);
        return new ClusterState
        {
            Now = now,
            CounterTimeScale = 1 / ctx.Clock.Speed,
            Nodes = store.All(Resources.Nodes),
            Pods = pods,
            Deployments = store.All(Resources.Deployments),
            ReplicaSets = store.All(Resources.ReplicaSets),
            StatefulSets = store.All(Resources.StatefulSets),
            DaemonSets = store.All(Resources.DaemonSets),
            Jobs = store.All(Resources.Jobs),
            HorizontalPodAutoscalers = store.All(Resources.Hpas),
            PodDisruptionBudgets = store.All(Resources.Pdbs),
            Services = store.All(Resources.Services),
            Endpoints = store.All(Resources.Endpoints),
            PersistentVolumeClaims = store.All(Resources.Pvcs),
            Namespaces = store.All(Resources.Namespaces),
            Usage = (pod, container) => Usage(ctx, pod, container, now),
            KubeletReachable = node => ctx.Kubelet.IsAlive(node),
            AppErrorRate = image => ctx.Scenario.AppFor(image).ErrorRate,
            NodeMemoryFill = node => Chaos.ChaosActions.FilledBytes(ctx, node),
            Evictions = node => new Dictionary<string, long>
            {
                ["memory.available"] = pods.LongCount(p => J.S(p, "spec", "nodeName") == node && J.S(p, "status", "reason") == "Evicted"),
            },
        };
    }

    private static ContainerUsage? Usage(SimContext ctx, System.Text.Json.Nodes.JsonObject pod, string container, DateTimeOffset now)
    {
        if (!ctx.Kubelet.Pods.TryGetValue(J.Uid(pod), out var rt)) return null;
        var c = rt.Containers.FirstOrDefault(x => x.Name == container && !x.IsInit);
        if (c is null) return null;
        var spec = J.A(pod, "spec", "containers").FirstOrDefault(x => J.S(x, "name") == container);
        var memLimit = (long)MetricQuantity.Parse(J.S(spec, "resources", "limits", "memory"));
        var cpuLimit = MetricQuantity.Parse(J.S(spec, "resources", "limits", "cpu"));
        var usage = ctx.Kubelet.Usage(rt, c, now, memLimit > 0 ? memLimit : null);
        if (usage is null) return null;
        var demand = c.App.CpuMilli / 1000.0;
        var cores = usage.Value.NanoCpu / 1e9;
        var throttled = 0.0;
        if (cpuLimit > 0 && demand >= cpuLimit * 0.9)
        {
            // CFS throttling: demand at or above the quota means most periods hit the limit
            throttled = Math.Clamp(0.3 + (demand - cpuLimit) / demand, 0.3, 0.95);
            cores = Math.Min(cores, cpuLimit);
        }

        long ooms;
        lock (rt.Gate)
        {
            ooms = c.Previous?.Reason == "OOMKilled" ? c.RestartCount : 0;
        }

        return new ContainerUsage(cores, usage.Value.Memory, ooms, throttled);
    }
}
