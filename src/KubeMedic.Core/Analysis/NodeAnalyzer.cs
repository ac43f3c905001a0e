using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;

namespace KubeMedic.Core.Analysis;

/// <summary>
/// Node causes: NotReady (with the pods it strands), memory/disk/PID pressure, network unavailable, cordoned, and
/// overcommitted (requests or limits beyond allocatable). Vendor-specific condition types are ignored (k8sgpt #1461).
/// </summary>
public sealed class NodeAnalyzer : IAnalyzer
{
    private static readonly (string Type, string Sub)[] PressureTypes =
    [
        ("MemoryPressure", "memory-pressure"),
        ("DiskPressure", "disk-pressure"),
        ("PIDPressure", "pid-pressure"),
        ("NetworkUnavailable", "network-unavailable"),
    ];

    public string Family => "nodes";

    public IEnumerable<Finding> Analyze(AnalysisContext context)
    {
        foreach (var node in context.Model.Nodes)
        {
            var ready = node.FindCondition("Ready");
            if (ready is not null && !ready.IsTrue)
            {
                yield return NotReady(context, node, ready);
            }
            else
            {
                foreach (var (type, sub) in PressureTypes)
                {
                    if (node.FindCondition(type) is { Status: "True" or "Unknown" } c)
                    {
                        yield return Pressure(context, node, c, sub);
                    }
                }
            }

            if (node.Unschedulable)
            {
                yield return Cordoned(node);
            }

            if (Overcommitted(context, node) is { } over)
            {
                yield return over;
            }
        }
    }

    private static Finding NotReady(AnalysisContext ctx, NodeInfo node, Condition ready)
    {
        var pods = ctx.PodsOnNode(node.Name);
        var since = ready.LastTransitionTime is { } t ? $" since {Quote.Time(t)}" : "";
        var heartbeat = ready.LastHeartbeatTime;
        var evidence = new List<Evidence>
        {
            new(EvidenceSource.Status, $"node {node.Name} Ready={ready.Status} reason={ready.Reason ?? "-"}{since}: {Quote.Trim(ready.Message ?? "")}"),
        };
        if (heartbeat is { } hb)
        {
            evidence.Add(new Evidence(EvidenceSource.Status, $"last kubelet heartbeat {Quote.Time(hb)} ({(ctx.Now - hb).TotalMinutes:0} min before the snapshot)"));
        }

        evidence.AddRange(node.Taints.Where(x => x.Key.StartsWith("node.kubernetes.io/", StringComparison.Ordinal)).Select(x => new Evidence(EvidenceSource.Spec, $"taint {x}")));
        evidence.AddRange(ctx.Model.EventsFor(node).Take(2).Select(Quote.Event));
        var sub = ready.Status == "Unknown" ? "kubelet-stopped-posting" : ready.Reason?.ToLowerInvariant() ?? "not-ready";
        var cause = ready.Status == "Unknown"
            ? $"The kubelet on {node.Name} stopped posting status (node down, network partition, or kubelet/containerd crashed)."
            : $"The kubelet on {node.Name} reports NotReady: {Quote.Trim(ready.Message ?? ready.Reason ?? "", 200)} (often the CNI plugin, the container runtime, or resource exhaustion).";
        return new Finding
        {
            Code = FindingCodes.NodeNotReady,
            Severity = Severity.Critical,
            Object = node.Ref,
            Pods = pods.Select(p => $"{p.Namespace}/{p.Name}").Take(50).ToList(),
            SubReason = sub,
            Summary = $"node {node.Name} is NotReady ({ready.Status}{(ready.Reason is { } r ? ", " + r : "")}){since}; {pods.Count} pods bound to it",
            Cause = cause,
            Evidence = evidence,
            Fix = new Fix($"Check the kubelet and container runtime on {node.Name}; if the node is gone, cordon and drain it so its pods are rescheduled.",
                [$"kubectl describe node {node.Name}", $"ssh {node.Name} sudo journalctl -u kubelet --no-pager -n 50", $"ssh {node.Name} sudo systemctl status containerd",
                 $"kubectl cordon {node.Name}", $"kubectl drain {node.Name} --ignore-daemonsets --delete-emptydir-data"]),
            Docs = FindingCatalog.DocsFor(FindingCodes.NodeNotReady),
        };
    }

    private static Finding Pressure(AnalysisContext ctx, NodeInfo node, Condition c, string sub) => new()
    {
        Code = FindingCodes.NodePressure,
        Severity = c.Status == "True" ? Severity.High : Severity.Medium,
        Object = node.Ref,
        Pods = ctx.PodsOnNode(node.Name).Select(p => $"{p.Namespace}/{p.Name}").Take(20).ToList(),
        SubReason = sub,
        Summary = $"node {node.Name} has {c.Type}={c.Status}",
        Cause = $"Node {node.Name} reports {c.Type}={c.Status} ({c.Reason ?? "-"}: {Quote.Trim(c.Message ?? "", 160)}); the kubelet evicts pods and the scheduler avoids the node.",
        Evidence = [new(EvidenceSource.Status, $"node {node.Name} {c.Type}={c.Status} reason={c.Reason ?? "-"} since {Quote.Time(c.LastTransitionTime)}: {Quote.Trim(c.Message ?? "")}"),
            .. ctx.Model.EventsFor(node).Where(e => e.IsWarning).Take(2).Select(Quote.Event)],
        Fix = new Fix(sub switch
            {
                "memory-pressure" => "Find the pods using the most memory on the node; set memory limits; add capacity.",
                "disk-pressure" => "Free disk on the node (images, logs, emptyDir); set ephemeral-storage limits.",
                "pid-pressure" => "Find the process leaking threads/processes; set pod PID limits.",
                _ => "Check the CNI plugin on the node.",
            },
            [$"kubectl describe node {node.Name}", $"kubectl top pods -A --sort-by=memory --field-selector spec.nodeName={node.Name}"]),
        Docs = FindingCatalog.DocsFor(FindingCodes.NodePressure),
    };

    private static Finding Cordoned(NodeInfo node) => new()
    {
        Code = FindingCodes.NodeUnschedulable,
        Severity = Severity.Low,
        Object = node.Ref,
        SubReason = "cordoned",
        Summary = $"node {node.Name} is cordoned (spec.unschedulable=true)",
        Cause = $"Node {node.Name} was cordoned; no new pods are placed on it, which reduces the cluster's schedulable capacity.",
        Evidence = [new(EvidenceSource.Spec, $"node {node.Name} spec.unschedulable: true")],
        Fix = new Fix("Uncordon the node once maintenance is over.", [$"kubectl uncordon {node.Name}"], Patches.Uncordon()),
        Docs = FindingCatalog.DocsFor(FindingCodes.NodeUnschedulable),
    };

    private static Finding? Overcommitted(AnalysisContext ctx, NodeInfo node)
    {
        var pods = ctx.PodsOnNode(node.Name);
        if (pods.Count == 0 || node.Allocatable.IsEmpty)
        {
            return null;
        }

        long reqCpu = 0, reqMem = 0, limMem = 0;
        foreach (var pod in pods)
        {
            foreach (var c in pod.Spec.Containers)
            {
                reqCpu += c.Requests.CpuMillis ?? 0;
                reqMem += c.Requests.MemoryBytes ?? 0;
                limMem += c.Limits.MemoryBytes ?? c.Requests.MemoryBytes ?? 0;
            }
        }

        var threshold = ctx.Options.OvercommitThreshold;
        var allocCpu = node.Allocatable.CpuMillis ?? 0;
        var allocMem = node.Allocatable.MemoryBytes ?? 0;
        string? sub = null;
        var evidence = new List<Evidence>();
        if (allocCpu > 0 && reqCpu > allocCpu * threshold)
        {
            sub = "cpu-requests";
        }
        else if (allocMem > 0 && reqMem > allocMem * threshold)
        {
            sub = "memory-requests";
        }
        else if (allocMem > 0 && limMem > allocMem * 1.5)
        {
            sub = "memory-limits";
        }

        if (sub is null)
        {
            return null;
        }

        evidence.Add(new Evidence(EvidenceSource.Status,
            $"node {node.Name} allocatable cpu {Quantity.FormatCpu(allocCpu)}, memory {Quantity.FormatBytes(allocMem)}; {pods.Count} pods request cpu {Quantity.FormatCpu(reqCpu)} ({Pct(reqCpu, allocCpu)}), memory {Quantity.FormatBytes(reqMem)} ({Pct(reqMem, allocMem)}); memory limits {Quantity.FormatBytes(limMem)} ({Pct(limMem, allocMem)})"));
        return new Finding
        {
            Code = FindingCodes.NodeOvercommitted,
            Severity = sub == "memory-limits" ? Severity.Low : Severity.Medium,
            Object = node.Ref,
            SubReason = sub,
            Summary = sub == "memory-limits" ? $"node {node.Name} memory limits at {Pct(limMem, allocMem)} of allocatable" : $"node {node.Name} requests exceed allocatable ({sub})",
            Cause = sub == "memory-limits"
                ? $"Pods on {node.Name} may use up to {Pct(limMem, allocMem)} of its memory; under load the kernel OOM-kills or the kubelet evicts."
                : $"Pods bound to {node.Name} request more than it can allocate; new pods will not fit and existing ones compete.",
            Evidence = evidence,
            Fix = new Fix("Right-size requests/limits to real usage (kubectl top), or add nodes.", [$"kubectl describe node {node.Name}", "kubectl top nodes"]),
            Docs = FindingCatalog.DocsFor(FindingCodes.NodeOvercommitted),
        };

        static string Pct(long v, long of) => of <= 0 ? "?" : $"{100.0 * v / of:0}%";
    }
}
