using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Model;

/// <summary>What part of a cluster to look at: one namespace (null = all) and an optional label selector.</summary>
public sealed record ClusterScope(string? Namespace = null, string? LabelSelector = null)
{
    public static readonly ClusterScope All = new();
}

/// <summary>
/// The compact, read-only cluster model the analyzers read. Built by <see cref="ClusterModelBuilder"/> from
/// kubectl JSON/YAML, a cluster-info dump, or a live cluster. Lookups are indexed on first use.
/// </summary>
public sealed class ClusterModel
{
    // Indexes, each built once on first use (LazyInitializer: one build even when analyzers race for it).
    private Dictionary<(string Ns, string Name), PodInfo>? _podsByName;
    private Dictionary<string, NodeInfo>? _nodesByName;
    private Dictionary<(string Kind, string Ns, string Name), List<PodInfo>>? _podsByOwner;
    private Dictionary<(string Kind, string? Ns, string Name), List<EventInfo>>? _eventsByObject;
    private Dictionary<(string Ns, string Name), ReplicaSetInfo>? _rsByName;
    private Dictionary<(string Ns, string Name), DeploymentInfo>? _deploymentsByName;
    private Dictionary<(string Ns, string Deployment), List<ReplicaSetInfo>>? _rsByDeployment;
    private Dictionary<(string Ns, string Key, string Value), List<PodInfo>>? _podsByLabel;
    private object? _podsByNameLock, _nodesByNameLock, _podsByOwnerLock, _eventsByObjectLock, _rsByNameLock, _deploymentsByNameLock,
        _rsByDeploymentLock, _podsByLabelLock;

    /// <summary>
    /// Builds the lookup indexes the analyzers use now, side by side on the available cores (a large model about to be
    /// analyzed by several analyzer families at once); otherwise each is built on first use (<see cref="FindPod"/>'s, which
    /// only triage uses, always is).
    /// </summary>
    public void BuildIndexes() => System.Threading.Tasks.Parallel.Invoke(
        () => EventIndex(),
        () => LabelIndex(),
        () => OwnerIndex(),
        () => RsDeploymentIndex(),
        () => NodeIndex(),
        () => RsNameIndex(),
        () => DeploymentIndex());

    public IReadOnlyList<PodInfo> Pods { get; internal set; } = [];
    public IReadOnlyList<NodeInfo> Nodes { get; internal set; } = [];
    public IReadOnlyList<DeploymentInfo> Deployments { get; internal set; } = [];
    public IReadOnlyList<ReplicaSetInfo> ReplicaSets { get; internal set; } = [];
    public IReadOnlyList<StatefulSetInfo> StatefulSets { get; internal set; } = [];
    public IReadOnlyList<DaemonSetInfo> DaemonSets { get; internal set; } = [];
    public IReadOnlyList<JobInfo> Jobs { get; internal set; } = [];
    public IReadOnlyList<CronJobInfo> CronJobs { get; internal set; } = [];
    public IReadOnlyList<ServiceInfo> Services { get; internal set; } = [];
    public IReadOnlyList<EndpointsInfo> Endpoints { get; internal set; } = [];
    public IReadOnlyList<IngressInfo> Ingresses { get; internal set; } = [];
    public IReadOnlyList<NetworkPolicyInfo> NetworkPolicies { get; internal set; } = [];
    /// <summary>Deduplicated events (see <see cref="EventInfo"/>).</summary>
    public IReadOnlyList<EventInfo> Events { get; internal set; } = [];
    public IReadOnlyList<PvcInfo> PersistentVolumeClaims { get; internal set; } = [];
    public IReadOnlyList<HpaInfo> HorizontalPodAutoscalers { get; internal set; } = [];
    public IReadOnlyList<PdbInfo> PodDisruptionBudgets { get; internal set; } = [];
    public IReadOnlyList<NamespaceInfo> Namespaces { get; internal set; } = [];
    public IReadOnlyList<ConfigMapInfo> ConfigMaps { get; internal set; } = [];
    public IReadOnlyList<SecretInfo> Secrets { get; internal set; } = [];
    public IReadOnlyList<ContainerLog> Logs { get; internal set; } = [];

    /// <summary>
    /// The time the snapshot describes: the latest timestamp seen in it (events, conditions, container states).
    /// Analyzers use it instead of the wall clock so a snapshot diagnoses the same way tomorrow.
    /// </summary>
    public DateTimeOffset? ObservedAt { get; internal set; }

    /// <summary>Which kinds the source contained (a snapshot of pods alone cannot say a ConfigMap is missing).</summary>
    public IReadOnlySet<string> KindsPresent { get; internal set; } = new HashSet<string>();

    public int ObjectCount => Pods.Count + Nodes.Count + Deployments.Count + ReplicaSets.Count + StatefulSets.Count + DaemonSets.Count
        + Jobs.Count + CronJobs.Count + Services.Count + Endpoints.Count + Ingresses.Count + NetworkPolicies.Count + Events.Count + PersistentVolumeClaims.Count
        + HorizontalPodAutoscalers.Count + PodDisruptionBudgets.Count + Namespaces.Count + ConfigMaps.Count + Secrets.Count;

    public PodInfo? FindPod(string ns, string name) => PodNameIndex().GetValueOrDefault((ns, name));

    public NodeInfo? FindNode(string name) => NodeIndex().GetValueOrDefault(name);

    public ReplicaSetInfo? FindReplicaSet(string ns, string name) => RsNameIndex().GetValueOrDefault((ns, name));

    public DeploymentInfo? FindDeployment(string ns, string name) => DeploymentIndex().GetValueOrDefault((ns, name));

    /// <summary>Pods whose controller owner is the given object (by kind and name; owner refs carry no namespace).</summary>
    public IReadOnlyList<PodInfo> PodsOwnedBy(string kind, string ns, string name) =>
        OwnerIndex().TryGetValue((kind, ns, name), out var pods) ? pods : [];

    /// <summary>The ReplicaSets a Deployment owns, newest revision first.</summary>
    public IReadOnlyList<ReplicaSetInfo> ReplicaSetsOf(DeploymentInfo deployment) =>
        RsDeploymentIndex().TryGetValue((deployment.Namespace ?? "", deployment.Name), out var found) ? found : [];

    /// <summary>Pods in a namespace whose labels include every pair of <paramref name="selector"/> (an empty selector selects nothing).</summary>
    public IReadOnlyList<PodInfo> PodsMatching(string ns, IReadOnlyDictionary<string, string> selector)
    {
        if (selector.Count == 0)
        {
            return [];
        }

        var index = LabelIndex();
        List<PodInfo>? smallest = null;
        foreach (var (k, v) in selector)
        {
            if (!index.TryGetValue((ns, k, v), out var list))
            {
                return [];
            }

            if (smallest is null || list.Count < smallest.Count)
            {
                smallest = list;
            }
        }

        return smallest!.Where(p => selector.All(kv => p.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value)).ToList();
    }

    /// <summary>Deduplicated events about one object, newest first.</summary>
    public IReadOnlyList<EventInfo> EventsFor(string kind, string? ns, string name)
    {
        var index = EventIndex();
        return index.TryGetValue((kind, kind == "Node" ? null : ns, name), out var events) ? events
            : kind == "Node" && index.TryGetValue((kind, ns, name), out var e2) ? e2 : [];
    }

    public IReadOnlyList<EventInfo> EventsFor(KubeObject obj) => EventsFor(obj.Kind, obj.Namespace, obj.Name);

    private Dictionary<(string Ns, string Name), PodInfo> PodNameIndex() =>
        LazyInitializer.EnsureInitialized(ref _podsByName, ref _podsByNameLock, () => Lookups.First(Pods, p => (p.Namespace ?? "", p.Name)));

    private Dictionary<string, NodeInfo> NodeIndex() =>
        LazyInitializer.EnsureInitialized(ref _nodesByName, ref _nodesByNameLock, () => Lookups.First(Nodes, n => n.Name));

    private Dictionary<(string Ns, string Name), ReplicaSetInfo> RsNameIndex() =>
        LazyInitializer.EnsureInitialized(ref _rsByName, ref _rsByNameLock, () => Lookups.First(ReplicaSets, r => (r.Namespace ?? "", r.Name)));

    private Dictionary<(string Ns, string Name), DeploymentInfo> DeploymentIndex() =>
        LazyInitializer.EnsureInitialized(ref _deploymentsByName, ref _deploymentsByNameLock, () => Lookups.First(Deployments, d => (d.Namespace ?? "", d.Name)));

    private Dictionary<(string Kind, string Ns, string Name), List<PodInfo>> OwnerIndex() =>
        LazyInitializer.EnsureInitialized(ref _podsByOwner, ref _podsByOwnerLock, () =>
        {
            var map = new Dictionary<(string, string, string), List<PodInfo>>();
            foreach (var pod in Pods)
            {
                if (pod.ControllerOwner is { } owner)
                {
                    Lookups.AddTo(map, (owner.Kind, pod.Namespace ?? "", owner.Name), pod);
                }
            }

            return map;
        });

    private Dictionary<(string Ns, string Deployment), List<ReplicaSetInfo>> RsDeploymentIndex() =>
        LazyInitializer.EnsureInitialized(ref _rsByDeployment, ref _rsByDeploymentLock, () =>
        {
            var map = new Dictionary<(string, string), List<ReplicaSetInfo>>();
            foreach (var rs in ReplicaSets)
            {
                if (rs.ControllerOwner is { Kind: "Deployment" } o)
                {
                    Lookups.AddTo(map, (rs.Namespace ?? "", o.Name), rs);
                }
            }

            foreach (var list in map.Values)
            {
                list.Sort((a, b) => (b.Revision ?? 0).CompareTo(a.Revision ?? 0) is var c && c != 0 ? c : Nullable.Compare(b.CreationTimestamp, a.CreationTimestamp));
            }

            return map;
        });

    private Dictionary<(string Ns, string Key, string Value), List<PodInfo>> LabelIndex() =>
        LazyInitializer.EnsureInitialized(ref _podsByLabel, ref _podsByLabelLock, () =>
        {
            var map = new Dictionary<(string, string, string), List<PodInfo>>();
            foreach (var pod in Pods)
            {
                foreach (var (k, v) in pod.Labels)
                {
                    Lookups.AddTo(map, (pod.Namespace ?? "", k, v), pod);
                }
            }

            return map;
        });

    private Dictionary<(string Kind, string? Ns, string Name), List<EventInfo>> EventIndex() =>
        LazyInitializer.EnsureInitialized(ref _eventsByObject, ref _eventsByObjectLock, () =>
        {
            var map = new Dictionary<(string, string?, string), List<EventInfo>>();
            foreach (var ev in Events)
            {
                Lookups.AddTo(map, (ev.InvolvedObject.Kind, ev.InvolvedObject.Namespace, ev.InvolvedObject.Name), ev);
            }

            foreach (var list in map.Values)
            {
                list.Sort((a, b) => Nullable.Compare(b.When, a.When));
            }

            return map;
        });

    /// <summary>The last log lines of a container, previous instance first if asked and present.</summary>
    public ContainerLog? FindLog(string ns, string pod, string container, bool previous) =>
        Logs.FirstOrDefault(l => l.Namespace == ns && l.Pod == pod && l.Container == container && l.Previous == previous);

    /// <summary>
    /// A copy restricted to a scope: namespaced objects outside the namespace are dropped (nodes are kept); the label
    /// selector applies to pods, workloads, Services, PVCs and HPAs.
    /// </summary>
    public ClusterModel Restrict(ClusterScope scope)
    {
        if (scope.Namespace is null && string.IsNullOrWhiteSpace(scope.LabelSelector))
        {
            return this;
        }

        var selector = string.IsNullOrWhiteSpace(scope.LabelSelector) ? null : LabelSelectorParser.Parse(scope.LabelSelector);
        bool InNs(KubeObject o) => scope.Namespace is null || o.Namespace == scope.Namespace;
        bool Sel(KubeObject o) => InNs(o) && (selector is null || selector.Matches(o.Labels));
        return new ClusterModel
        {
            Pods = Pods.Where(Sel).ToList(),
            Nodes = Nodes,
            Deployments = Deployments.Where(Sel).ToList(),
            ReplicaSets = ReplicaSets.Where(Sel).ToList(),
            StatefulSets = StatefulSets.Where(Sel).ToList(),
            DaemonSets = DaemonSets.Where(Sel).ToList(),
            Jobs = Jobs.Where(Sel).ToList(),
            CronJobs = CronJobs.Where(Sel).ToList(),
            Services = Services.Where(Sel).ToList(),
            Endpoints = Endpoints.Where(InNs).ToList(),
            Ingresses = Ingresses.Where(InNs).ToList(),
            NetworkPolicies = NetworkPolicies.Where(InNs).ToList(),
            Events = Events.Where(e => scope.Namespace is null || e.InvolvedObject.Namespace == scope.Namespace || e.InvolvedObject.Kind == "Node").ToList(),
            PersistentVolumeClaims = PersistentVolumeClaims.Where(Sel).ToList(),
            HorizontalPodAutoscalers = HorizontalPodAutoscalers.Where(Sel).ToList(),
            PodDisruptionBudgets = PodDisruptionBudgets.Where(InNs).ToList(),
            Namespaces = Namespaces.Where(n => scope.Namespace is null || n.Name == scope.Namespace).ToList(),
            ConfigMaps = ConfigMaps.Where(InNs).ToList(),
            Secrets = Secrets.Where(InNs).ToList(),
            Logs = Logs.Where(l => scope.Namespace is null || l.Namespace == scope.Namespace).ToList(),
            ObservedAt = ObservedAt,
            KindsPresent = KindsPresent,
        };
    }
}

/// <summary>Parses kubectl label selectors: <c>a=b,c!=d,e in (x,y),f notin (z),g,!h</c>.</summary>
public static class LabelSelectorParser
{
    public static LabelSelectorInfo Parse(string text)
    {
        var labels = new Dictionary<string, string>();
        var exprs = new List<NodeSelectorRequirement>();
        foreach (var raw in SplitTopLevel(text))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                continue;
            }

            var lower = part.ToLowerInvariant();
            int idx;
            if ((idx = lower.IndexOf(" notin ", StringComparison.Ordinal)) > 0)
            {
                exprs.Add(new(part[..idx].Trim(), "NotIn", SetValues(part[(idx + 7)..], text)));
            }
            else if ((idx = lower.IndexOf(" in ", StringComparison.Ordinal)) > 0)
            {
                exprs.Add(new(part[..idx].Trim(), "In", SetValues(part[(idx + 4)..], text)));
            }
            else if ((idx = part.IndexOf("!=", StringComparison.Ordinal)) > 0)
            {
                exprs.Add(new(part[..idx].Trim(), "NotIn", [part[(idx + 2)..].Trim()]));
            }
            else if ((idx = part.IndexOf("==", StringComparison.Ordinal)) > 0)
            {
                labels[part[..idx].Trim()] = part[(idx + 2)..].Trim();
            }
            else if ((idx = part.IndexOf('=')) > 0)
            {
                labels[part[..idx].Trim()] = part[(idx + 1)..].Trim();
            }
            else if (part.StartsWith('!'))
            {
                exprs.Add(new(part[1..].Trim(), "DoesNotExist", []));
            }
            else if (part.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '/'))
            {
                exprs.Add(new(part, "Exists", []));
            }
            else
            {
                throw new UserInputException($"--selector: cannot parse '{part}' in '{text}'");
            }
        }

        return new LabelSelectorInfo { MatchLabels = labels, MatchExpressions = exprs };
    }

    private static string[] SetValues(string rest, string text)
    {
        rest = rest.Trim();
        if (!rest.StartsWith('(') || !rest.EndsWith(')'))
        {
            throw new UserInputException($"--selector: expected (values) in '{text}'");
        }

        return rest[1..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(')
            {
                depth++;
            }
            else if (text[i] == ')')
            {
                depth--;
            }
            else if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }
}
