namespace KubeMedic.Simulator.Store;

/// <summary>One API resource the simulator serves (group/version/plural), as discovery describes it.</summary>
internal sealed record ResourceType(
    string Group,
    string Version,
    string Plural,
    string Kind,
    bool Namespaced,
    string[] ShortNames,
    string[] Categories,
    string[] Subresources)
{
    public string Singular => Kind.ToLowerInvariant();

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string GroupVersion => ApiVersion;

    /// <summary>Read-only computed resources (metrics) are not stored.</summary>
    public bool Computed { get; init; }

    public string[] Verbs => Computed
        ? ["get", "list"]
        : ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public override string ToString() => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}

/// <summary>Every kind the simulator knows, with the discovery metadata kubectl relies on.</summary>
internal static class Resources
{
    private static readonly string[] All = ["all"];
    private static readonly string[] None = [];

    public static readonly ResourceType Namespaces = new("", "v1", "namespaces", "Namespace", false, ["ns"], None, ["status"]);
    public static readonly ResourceType Nodes = new("", "v1", "nodes", "Node", false, ["no"], None, ["status"]);
    public static readonly ResourceType Pods = new("", "v1", "pods", "Pod", true, ["po"], All, ["status", "log", "eviction", "binding"]);
    public static readonly ResourceType Services = new("", "v1", "services", "Service", true, ["svc"], All, ["status"]);
    public static readonly ResourceType Endpoints = new("", "v1", "endpoints", "Endpoints", true, ["ep"], None, []);
    public static readonly ResourceType Events = new("", "v1", "events", "Event", true, ["ev"], None, []);
    public static readonly ResourceType ConfigMaps = new("", "v1", "configmaps", "ConfigMap", true, ["cm"], None, []);
    public static readonly ResourceType Secrets = new("", "v1", "secrets", "Secret", true, None, None, []);
    public static readonly ResourceType ServiceAccounts = new("", "v1", "serviceaccounts", "ServiceAccount", true, ["sa"], None, []);
    public static readonly ResourceType Pvcs = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, ["pvc"], None, ["status"]);
    public static readonly ResourceType Pvs = new("", "v1", "persistentvolumes", "PersistentVolume", false, ["pv"], None, ["status"]);
    public static readonly ResourceType ResourceQuotas = new("", "v1", "resourcequotas", "ResourceQuota", true, ["quota"], None, ["status"]);
    public static readonly ResourceType LimitRanges = new("", "v1", "limitranges", "LimitRange", true, ["limits"], None, []);
    public static readonly ResourceType StorageClasses = new("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, ["sc"], None, []);
    public static readonly ResourceType Deployments = new("apps", "v1", "deployments", "Deployment", true, ["deploy"], All, ["status", "scale"]);
    public static readonly ResourceType ReplicaSets = new("apps", "v1", "replicasets", "ReplicaSet", true, ["rs"], All, ["status", "scale"]);
    public static readonly ResourceType StatefulSets = new("apps", "v1", "statefulsets", "StatefulSet", true, ["sts"], All, ["status", "scale"]);
    public static readonly ResourceType DaemonSets = new("apps", "v1", "daemonsets", "DaemonSet", true, ["ds"], All, ["status"]);
    public static readonly ResourceType ControllerRevisions = new("apps", "v1", "controllerrevisions", "ControllerRevision", true, None, None, []);
    public static readonly ResourceType Jobs = new("batch", "v1", "jobs", "Job", true, None, All, ["status"]);
    public static readonly ResourceType CronJobs = new("batch", "v1", "cronjobs", "CronJob", true, ["cj"], All, ["status"]);
    public static readonly ResourceType Hpas = new("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, ["hpa"], All, ["status"]);
    public static readonly ResourceType HpasV1 = new("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, ["hpa"], All, ["status"]);
    public static readonly ResourceType Pdbs = new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, ["pdb"], None, ["status"]);
    public static readonly ResourceType PriorityClasses = new("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false, ["pc"], None, []);
    public static readonly ResourceType Leases = new("coordination.k8s.io", "v1", "leases", "Lease", true, None, None, []);
    public static readonly ResourceType NetworkPolicies = new("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, ["netpol"], None, []);
    public static readonly ResourceType Ingresses = new("networking.k8s.io", "v1", "ingresses", "Ingress", true, ["ing"], None, ["status"]);
    public static readonly ResourceType PodMetrics = new("metrics.k8s.io", "v1beta1", "pods", "PodMetrics", true, None, None, []) { Computed = true };
    public static readonly ResourceType NodeMetrics = new("metrics.k8s.io", "v1beta1", "nodes", "NodeMetrics", false, None, None, []) { Computed = true };

    /// <summary>Served resources, in discovery order. The first of a (group, plural) pair is the stored version.</summary>
    public static readonly IReadOnlyList<ResourceType> Served =
    [
        Namespaces, Nodes, Pods, Services, Endpoints, Events, ConfigMaps, Secrets, ServiceAccounts, Pvcs, Pvs, ResourceQuotas, LimitRanges,
        StorageClasses, Deployments, ReplicaSets, StatefulSets, DaemonSets, ControllerRevisions, Jobs, CronJobs, Hpas, HpasV1, Pdbs,
        PriorityClasses, Leases, NetworkPolicies, Ingresses, PodMetrics, NodeMetrics,
    ];

    /// <summary>The group versions, in preference order (first version of a group is preferred).</summary>
    public static IEnumerable<(string Group, string[] Versions)> Groups()
    {
        return Served.Where(r => r.Group.Length > 0)
            .GroupBy(r => r.Group)
            .Select(g => (g.Key, g.Select(r => r.Version).Distinct().ToArray()));
    }

    public static ResourceType? Find(string group, string version, string plural) =>
        Served.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);

    /// <summary>The storage identity: all versions of a (group, plural) share one table.</summary>
    public static string StorageKey(ResourceType r) => r.Group + "/" + r.Plural;

    public static ResourceType ByKind(string apiVersion, string kind)
    {
        var group = apiVersion.Contains('/') ? apiVersion[..apiVersion.IndexOf('/')] : "";
        return Served.FirstOrDefault(r => r.Group == group && r.Kind == kind && !r.Computed)
            ?? Served.FirstOrDefault(r => r.Kind == kind && !r.Computed)
            ?? throw new KeyNotFoundException($"no resource for kind {kind} in {apiVersion}");
    }

    public static ResourceType? TryByKind(string apiVersion, string kind)
    {
        try
        {
            return ByKind(apiVersion, kind);
        }
        catch (KeyNotFoundException)
        {
            return null;
        }
    }
}
