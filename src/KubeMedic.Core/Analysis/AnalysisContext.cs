using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;

namespace KubeMedic.Core.Analysis;

/// <summary>What analyzers read: the model, the options, "now", and shared lookups (pod roll-up to owners, node state).</summary>
public sealed class AnalysisContext
{
    // Built once on first use, even when analyzer families race for them (see DiagnosisEngine).
    private Dictionary<string, List<PodInfo>>? _podsByNode;
    private Dictionary<string, (long Cpu, long Mem)>? _requestedByNode;
    private Dictionary<(string Ns, string Name), JobInfo>? _jobs;
    private List<NodeHeadroom>? _headroom;
    private object? _podsByNodeLock, _requestedByNodeLock, _jobsLock, _headroomLock;

    public AnalysisContext(ClusterModel model, DiagnoseOptions options)
    {
        Model = model;
        Options = options;
        Now = model.ObservedAt ?? options.Time.GetUtcNow();
    }

    public ClusterModel Model { get; }
    public DiagnoseOptions Options { get; }

    /// <summary>The time the diagnosis is made as of (the snapshot's time when known).</summary>
    public DateTimeOffset Now { get; }

    /// <summary>
    /// The workload a pod rolls up to: ReplicaSet → Deployment, StatefulSet, DaemonSet, Job (→ CronJob is the owner),
    /// or the pod itself when it has no controller. Works even when the owner objects are absent from the snapshot
    /// (the Deployment name is the ReplicaSet name minus its pod-template-hash).
    /// </summary>
    public (ObjectRef Object, ObjectRef? Owner) RollUp(PodInfo pod)
    {
        var ns = pod.Namespace ?? "";
        if (pod.ControllerOwner is not { } owner)
        {
            return (pod.Ref, null);
        }

        switch (owner.Kind)
        {
            case "ReplicaSet":
                var rs = Model.FindReplicaSet(ns, owner.Name);
                if (rs?.ControllerOwner is { Kind: "Deployment" } dep)
                {
                    return (new ObjectRef("Deployment", ns, dep.Name), null);
                }

                if (rs is null && pod.Labels.TryGetValue("pod-template-hash", out var hash) && owner.Name.EndsWith("-" + hash, StringComparison.Ordinal))
                {
                    return (new ObjectRef("Deployment", ns, owner.Name[..^(hash.Length + 1)]), null);
                }

                return (new ObjectRef("ReplicaSet", ns, owner.Name), null);
            case "Job":
                var job = FindJob(ns, owner.Name);
                var cron = job?.ControllerOwner is { Kind: "CronJob" } c ? new ObjectRef("CronJob", ns, c.Name) : null;
                return (new ObjectRef("Job", ns, owner.Name), cron);
            default:
                return (new ObjectRef(owner.Kind, ns, owner.Name), null);
        }
    }

    /// <summary>
    /// True when the analyzer families run side by side on a large model: a family may then also split its own work
    /// across cores (the shared lookups are thread-safe).
    /// </summary>
    public bool RunsInParallel { get; internal set; }

    /// <summary>Builds the lookups of the model and of this context now, on the available cores (see <see cref="ClusterModel.BuildIndexes"/>).</summary>
    public void BuildIndexes() => Parallel.Invoke(
        Model.BuildIndexes,
        () => ReadyNodeHeadroom(), // and the pods and requests per node it is computed from
        () => JobIndex());

    /// <summary>Non-terminated pods bound to a node.</summary>
    public IReadOnlyList<PodInfo> PodsOnNode(string node) => NodePods().TryGetValue(node, out var pods) ? pods : [];

    /// <summary>CPU (millicores) and memory (bytes) requested by the non-terminated pods bound to a node; computed once.</summary>
    public (long Cpu, long Mem) RequestedOnNode(string node) => NodeRequests().GetValueOrDefault(node);

    /// <summary>Ready, schedulable nodes with their allocatable and unrequested CPU and memory, in model order; computed once.</summary>
    public IReadOnlyList<NodeHeadroom> ReadyNodeHeadroom() =>
        LazyInitializer.EnsureInitialized(ref _headroom, ref _headroomLock, () => Model.Nodes
            .Where(n => n.IsReady && !n.Unschedulable)
            .Select(n =>
            {
                var (cpu, mem) = RequestedOnNode(n.Name);
                var allocCpu = n.Allocatable.CpuMillis ?? 0;
                var allocMem = n.Allocatable.MemoryBytes ?? 0;
                return new NodeHeadroom(n, allocCpu, allocCpu - cpu, allocMem, allocMem - mem);
            })
            .ToList());

    /// <summary>A Job by namespace and name.</summary>
    public JobInfo? FindJob(string ns, string name) => JobIndex().GetValueOrDefault((ns, name));

    private Dictionary<string, List<PodInfo>> NodePods() =>
        LazyInitializer.EnsureInitialized(ref _podsByNode, ref _podsByNodeLock, () =>
        {
            var map = new Dictionary<string, List<PodInfo>>(StringComparer.Ordinal);
            foreach (var pod in Model.Pods)
            {
                if (pod.Spec.NodeName is { } n && pod.Phase is not ("Succeeded" or "Failed"))
                {
                    Lookups.AddTo(map, n, pod);
                }
            }

            return map;
        });

    private Dictionary<string, (long Cpu, long Mem)> NodeRequests() =>
        LazyInitializer.EnsureInitialized(ref _requestedByNode, ref _requestedByNodeLock, () =>
        {
            var map = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
            foreach (var n in Model.Nodes)
            {
                long cpu = 0, mem = 0;
                foreach (var pod in PodsOnNode(n.Name))
                {
                    foreach (var c in pod.Spec.Containers)
                    {
                        cpu += c.Requests.CpuMillis ?? 0;
                        mem += c.Requests.MemoryBytes ?? 0;
                    }
                }

                map[n.Name] = (cpu, mem);
            }

            return map;
        });

    private Dictionary<(string Ns, string Name), JobInfo> JobIndex() =>
        LazyInitializer.EnsureInitialized(ref _jobs, ref _jobsLock, () => Lookups.First(Model.Jobs, j => (j.Namespace ?? "", j.Name)));

    /// <summary>True if the node exists in the model and is not Ready.</summary>
    public bool IsNodeNotReady(string? node) => node is not null && Model.FindNode(node) is { IsReady: false };

    /// <summary>
    /// The single node a pod template is pinned to (nodeName, a kubernetes.io/hostname nodeSelector, or required
    /// affinity on the hostname with one value), or null.
    /// </summary>
    public static string? PinnedNode(PodSpecInfo spec)
    {
        if (spec.NodeSelector.TryGetValue("kubernetes.io/hostname", out var host))
        {
            return host;
        }

        if (spec.RequiredNodeAffinity.Count == 1)
        {
            var req = spec.RequiredNodeAffinity[0].FirstOrDefault(r => r.Key is "kubernetes.io/hostname" or "metadata.name" && r.Operator == "In" && r.Values.Count == 1);
            if (req is not null)
            {
                return req.Values[0];
            }
        }

        return null;
    }

    /// <summary>How a spec is pinned, for evidence: "nodeSelector kubernetes.io/hostname=node-1" etc.</summary>
    public static string? PinDescription(PodSpecInfo spec, bool includeNodeName)
    {
        if (includeNodeName && spec.NodeName is { } n && PinnedNode(spec) is null)
        {
            return $"spec.nodeName: {n}";
        }

        if (spec.NodeSelector.TryGetValue("kubernetes.io/hostname", out var host))
        {
            return $"nodeSelector kubernetes.io/hostname={host}";
        }

        return PinnedNode(spec) is { } pinned ? $"required node affinity kubernetes.io/hostname In [{pinned}]" : null;
    }

    /// <summary>Available and desired replicas of a workload object, if it is in the model.</summary>
    public (int Available, int Desired)? Availability(ObjectRef obj)
    {
        var ns = obj.Namespace ?? "";
        return obj.Kind switch
        {
            "Deployment" when Model.FindDeployment(ns, obj.Name) is { } d => (d.AvailableReplicas, d.DesiredReplicas),
            "StatefulSet" when Model.StatefulSets.FirstOrDefault(s => s.Namespace == ns && s.Name == obj.Name) is { } s => (s.ReadyReplicas, s.DesiredReplicas),
            "DaemonSet" when Model.DaemonSets.FirstOrDefault(s => s.Namespace == ns && s.Name == obj.Name) is { } s => (s.NumberAvailable, s.DesiredNumberScheduled),
            "ReplicaSet" when Model.FindReplicaSet(ns, obj.Name) is { } r => (r.AvailableReplicas, r.Replicas ?? 1),
            _ => null,
        };
    }

    /// <summary>Raises a base severity to critical when the workload has no available replica at all.</summary>
    public Severity EscalateForOutage(ObjectRef obj, Severity baseSeverity) =>
        Availability(obj) is { Desired: > 0, Available: 0 } ? Severity.Critical : baseSeverity;

    /// <summary>The kubectl resource argument for an object, e.g. "deployment/api -n prod".</summary>
    public static string Target(ObjectRef obj) =>
        obj.Namespace is null ? $"{obj.Kind.ToLowerInvariant()}/{obj.Name}" : $"{obj.Kind.ToLowerInvariant()}/{obj.Name} -n {obj.Namespace}";
}

/// <summary>A node's allocatable CPU (millicores) and memory (bytes), and how much of each pods have not requested.</summary>
public sealed record NodeHeadroom(NodeInfo Node, long CpuAllocatable, long CpuFree, long MemoryAllocatable, long MemoryFree);
