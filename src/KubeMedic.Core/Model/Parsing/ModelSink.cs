using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Model.Parsing;

/// <summary>Collects parsed objects into lists; deduplicates events; then freezes them into a <see cref="ClusterModel"/>.</summary>
internal sealed class ModelSink
{
    private readonly List<PodInfo> _pods = [];
    private readonly List<NodeInfo> _nodes = [];
    private readonly List<DeploymentInfo> _deployments = [];
    private readonly List<ReplicaSetInfo> _replicaSets = [];
    private readonly List<StatefulSetInfo> _statefulSets = [];
    private readonly List<DaemonSetInfo> _daemonSets = [];
    private readonly List<JobInfo> _jobs = [];
    private readonly List<CronJobInfo> _cronJobs = [];
    private readonly List<ServiceInfo> _services = [];
    private readonly List<EndpointsInfo> _endpoints = [];
    private readonly List<IngressInfo> _ingresses = [];
    private readonly List<NetworkPolicyInfo> _networkPolicies = [];
    private readonly List<PvcInfo> _pvcs = [];
    private readonly List<HpaInfo> _hpas = [];
    private readonly List<PdbInfo> _pdbs = [];
    private readonly List<NamespaceInfo> _namespaces = [];
    private readonly List<ConfigMapInfo> _configMaps = [];
    private readonly List<SecretInfo> _secrets = [];
    private readonly List<ContainerLog> _logs = [];
    private readonly List<EventInfo> _events = []; // as read; equal events are folded once, when the model is built
    private readonly HashSet<string> _kinds = [];
    private readonly HashSet<string> _ignoredKinds = [];

    public ModelSink(StringPool? pool = null) => Pool = pool ?? new StringPool();

    /// <summary>Interned strings; one pool per parsing thread (a pool is not thread-safe), shared by the sinks it fills.</summary>
    public StringPool Pool { get; }
    public DateTimeOffset MaxTime { get; set; }
    public int Documents { get; set; }
    public int Items { get; private set; }

    /// <summary>Kinds seen that the model does not keep (e.g. ReplicationController, PrometheusRule).</summary>
    public IReadOnlyCollection<string> IgnoredKinds => _ignoredKinds;

    public int RecognisedItems => Items - _ignoredCount;

    private int _ignoredCount;

    public void AddLog(ContainerLog log) => _logs.Add(log);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Add(ItemDraft d)
    {
        Items++;
        var kind = d.Kind;
        if (kind is null)
        {
            throw new SnapshotFormatException("a document has no 'kind' (not a Kubernetes object or List)");
        }

        KubeObject? obj = d.Object ?? kind switch
        {
            "Pod" => new PodInfo(),
            "Node" => new NodeInfo(),
            "Deployment" => new DeploymentInfo(),
            "ReplicaSet" => new ReplicaSetInfo(),
            "StatefulSet" => new StatefulSetInfo(),
            "DaemonSet" => new DaemonSetInfo(),
            "Job" => new JobInfo(),
            "CronJob" => new CronJobInfo(),
            "Service" => new ServiceInfo(),
            "Endpoints" => new EndpointsInfo(),
            "Ingress" => new IngressInfo(),
            "NetworkPolicy" => new NetworkPolicyInfo(),
            "Event" => new EventInfo(),
            "PersistentVolumeClaim" => new PvcInfo(),
            "HorizontalPodAutoscaler" => new HpaInfo(),
            "PodDisruptionBudget" => new PdbInfo(),
            "Namespace" => new NamespaceInfo(),
            "ConfigMap" => new ConfigMapInfo(),
            "Secret" => new SecretInfo(),
            _ => null,
        };
        if (obj is null)
        {
            _ignoredKinds.Add(kind);
            _ignoredCount++;
            return;
        }

        _kinds.Add(kind);
        obj.Name = d.Name ?? "";
        obj.Namespace = d.Namespace;
        obj.Uid = d.Uid;
        obj.CreationTimestamp = d.Created;
        obj.DeletionTimestamp = d.Deleted;
        obj.Generation = d.Generation;
        if (d.Labels is not null)
        {
            obj.Labels = d.Labels;
        }

        if (d.Annotations is not null)
        {
            obj.Annotations = d.Annotations;
        }

        if (d.Owners is not null)
        {
            obj.OwnerReferences = d.Owners;
        }

        switch (obj)
        {
            case PodInfo x:
                _pods.Add(x);
                break;
            case NodeInfo x:
                x.Namespace = null;
                _nodes.Add(x);
                break;
            case DeploymentInfo x:
                _deployments.Add(x);
                break;
            case ReplicaSetInfo x:
                _replicaSets.Add(x);
                break;
            case StatefulSetInfo x:
                _statefulSets.Add(x);
                break;
            case DaemonSetInfo x:
                _daemonSets.Add(x);
                break;
            case JobInfo x:
                _jobs.Add(x);
                break;
            case CronJobInfo x:
                _cronJobs.Add(x);
                break;
            case ServiceInfo x:
                _services.Add(x);
                break;
            case EndpointsInfo x:
                _endpoints.Add(x);
                break;
            case IngressInfo x:
                _ingresses.Add(x);
                break;
            case NetworkPolicyInfo x:
                _networkPolicies.Add(x);
                break;
            case PvcInfo x:
                _pvcs.Add(x);
                break;
            case HpaInfo x:
                _hpas.Add(x);
                break;
            case PdbInfo x:
                _pdbs.Add(x);
                break;
            case NamespaceInfo x:
                x.Namespace = null;
                _namespaces.Add(x);
                break;
            case ConfigMapInfo x:
                x.Keys = d.DataKeys ?? [];
                _configMaps.Add(x);
                break;
            case SecretInfo x:
                x.Keys = d.DataKeys ?? [];
                x.Type = d.Type;
                _secrets.Add(x);
                break;
            case EventInfo x:
                AddEvent(x, d);
                break;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void AddEvent(EventInfo ev, ItemDraft d)
    {
        ev.InvolvedObject = d.Involved ?? new ObjectRef("", d.Namespace, "");
        if (ev.InvolvedObject.Kind == "Node")
        {
            ev.InvolvedObject = ev.InvolvedObject with { Namespace = null };
        }

        ev.InvolvedUid = d.InvolvedUid;
        ev.FieldPath = d.FieldPath;
        ev.Reason = d.Reason ?? "";
        ev.Message = d.Message ?? "";
        ev.Type = d.Type ?? "Normal";
        ev.Count = Math.Max(d.Count ?? 1, 1);
        ev.FirstTimestamp = d.First ?? d.EventTime ?? d.Created;
        ev.LastTimestamp = d.Last ?? d.EventTime ?? ev.FirstTimestamp;
        ev.SourceComponent = d.Source;
        _events.Add(ev);
    }

    /// <summary>Folds equal events (same object, reason and message) into the first of them, in the order read.</summary>
    private static List<EventInfo> Fold(List<EventInfo> events)
    {
        var folded = new Dictionary<(string, string?, string, string, string), EventInfo>(events.Count);
        foreach (var ev in events)
        {
            var key = (ev.InvolvedObject.Kind, ev.InvolvedObject.Namespace, ev.InvolvedObject.Name, ev.Reason, ev.Message);
            if (!folded.TryGetValue(key, out var existing))
            {
                folded[key] = ev;
                continue;
            }

            existing.Count += ev.Count;
            if (ev.FirstTimestamp < existing.FirstTimestamp || existing.FirstTimestamp is null)
            {
                existing.FirstTimestamp = ev.FirstTimestamp;
            }

            if (ev.LastTimestamp > existing.LastTimestamp || existing.LastTimestamp is null)
            {
                existing.LastTimestamp = ev.LastTimestamp;
                existing.Type = ev.Type;
            }
        }

        return [.. folded.Values];
    }

    /// <summary>
    /// Appends what <paramref name="sinks"/> collected, in order, from the input that follows this sink's input (the later
    /// ranges of the same file): the result is the same as one sink reading all of it in order.
    /// </summary>
    public void MergeFrom(IReadOnlyList<ModelSink> sinks)
    {
        foreach (var sink in sinks)
        {
            MergeFrom(sink);
        }
    }

    private void MergeFrom(ModelSink next)
    {
        Items += next.Items;
        _ignoredCount += next._ignoredCount;
        Documents += next.Documents;
        if (next.MaxTime > MaxTime)
        {
            MaxTime = next.MaxTime;
        }

        _pods.AddRange(next._pods);
        _nodes.AddRange(next._nodes);
        _deployments.AddRange(next._deployments);
        _replicaSets.AddRange(next._replicaSets);
        _statefulSets.AddRange(next._statefulSets);
        _daemonSets.AddRange(next._daemonSets);
        _jobs.AddRange(next._jobs);
        _cronJobs.AddRange(next._cronJobs);
        _services.AddRange(next._services);
        _endpoints.AddRange(next._endpoints);
        _ingresses.AddRange(next._ingresses);
        _networkPolicies.AddRange(next._networkPolicies);
        _pvcs.AddRange(next._pvcs);
        _hpas.AddRange(next._hpas);
        _pdbs.AddRange(next._pdbs);
        _namespaces.AddRange(next._namespaces);
        _configMaps.AddRange(next._configMaps);
        _secrets.AddRange(next._secrets);
        _logs.AddRange(next._logs);
        _kinds.UnionWith(next._kinds);
        _ignoredKinds.UnionWith(next._ignoredKinds);
        _events.AddRange(next._events); // folded with the rest in Build: one hash per event, across ranges too
    }

    public ClusterModel Build()
    {
        // Folding mutates the first of equal events; keeping the folded list makes a second Build see no duplicates.
        var events = Fold(_events);
        _events.Clear();
        _events.AddRange(events);
        return Freeze();
    }

    private ClusterModel Freeze() => new()
    {
        Pods = _pods,
        Nodes = _nodes,
        Deployments = _deployments,
        ReplicaSets = _replicaSets,
        StatefulSets = _statefulSets,
        DaemonSets = _daemonSets,
        Jobs = _jobs,
        CronJobs = _cronJobs,
        Services = _services,
        Endpoints = _endpoints,
        Ingresses = _ingresses,
        NetworkPolicies = _networkPolicies,
        Events = [.. _events],
        PersistentVolumeClaims = _pvcs,
        HorizontalPodAutoscalers = _hpas,
        PodDisruptionBudgets = _pdbs,
        Namespaces = _namespaces,
        ConfigMaps = _configMaps,
        Secrets = _secrets,
        Logs = _logs,
        ObservedAt = MaxTime == default ? null : MaxTime,
        KindsPresent = _kinds,
    };
}
