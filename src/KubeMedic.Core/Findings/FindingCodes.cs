namespace KubeMedic.Core.Findings;

/// <summary>
/// The finding codes. They are a public contract: never rename one; add new ones freely.
/// </summary>
public static class FindingCodes
{
    // pods
    public const string OomKilled = "oom-killed";
    public const string CrashLoop = "crash-loop";
    public const string ImagePull = "image-pull";
    public const string ConfigMissing = "config-missing";
    public const string Unschedulable = "unschedulable";
    public const string ReadinessFailing = "readiness-failing";
    public const string LivenessRestarts = "liveness-restarts";
    public const string NodeLost = "node-lost";
    public const string Evicted = "evicted";
    public const string InitFailing = "init-failing";

    // workloads
    public const string RolloutStuck = "rollout-stuck";
    public const string ReplicasUnavailable = "replicas-unavailable";
    public const string RiskyRollout = "risky-rollout";
    public const string SinglePointOfFailure = "single-point-of-failure";
    public const string JobFailed = "job-failed";
    public const string CronJobFailing = "cronjob-failing";

    // nodes
    public const string NodeNotReady = "node-not-ready";
    public const string NodePressure = "node-pressure";
    public const string NodeUnschedulable = "node-unschedulable";
    public const string NodeOvercommitted = "node-overcommitted";

    // network
    public const string ServiceNoEndpoints = "service-no-endpoints";
    public const string ServicePortMismatch = "service-port-mismatch";
    public const string NetworkPolicyBlocks = "network-policy-blocks";

    // storage
    public const string PvcPending = "pvc-pending";

    // autoscaling
    public const string HpaMetricsUnavailable = "hpa-metrics-unavailable";
    public const string HpaAtMax = "hpa-at-max";

    // service level (metric alerts)
    public const string HighErrorRate = "high-error-rate";
    public const string HighLatency = "high-latency";
    public const string CpuThrottling = "cpu-throttling";
    public const string SloBudgetBurn = "slo-budget-burn";
}

/// <summary>Codes added beyond the minimum list (never rename these either).</summary>
public static class ExtraFindingCodes
{
    /// <summary>A container could not be created: sandbox, mount or lifecycle-hook failure (not a missing ConfigMap/Secret).</summary>
    public const string ContainerCreateFailed = "container-create-failed";
}

/// <summary>The default severity, title and documentation link of every finding code.</summary>
public static class FindingCatalog
{
    /// <summary>One catalog entry.</summary>
    public sealed record Entry(string Code, string Area, Severity DefaultSeverity, string Title, string Docs);

    private const string K8s = "https://kubernetes.io/docs/";

    public static IReadOnlyList<Entry> All { get; } =
    [
        new(FindingCodes.OomKilled, "pods", Severity.High, "Container killed for exceeding its memory limit", K8s + "tasks/configure-pod-container/assign-memory-resource/#exceed-a-container-s-memory-limit"),
        new(FindingCodes.CrashLoop, "pods", Severity.High, "Container keeps crashing", K8s + "tasks/debug/debug-application/debug-pods/#my-pod-is-crashing-or-otherwise-unhealthy"),
        new(FindingCodes.ImagePull, "pods", Severity.High, "Image cannot be pulled", K8s + "concepts/containers/images/#imagepullbackoff"),
        new(FindingCodes.ConfigMissing, "pods", Severity.High, "Referenced ConfigMap, Secret or key is missing", K8s + "concepts/configuration/configmap/#using-configmaps-as-environment-variables"),
        new(FindingCodes.Unschedulable, "pods", Severity.High, "Pod cannot be scheduled", K8s + "concepts/scheduling-eviction/kube-scheduler/"),
        new(FindingCodes.ReadinessFailing, "pods", Severity.Medium, "Readiness probe failing", K8s + "tasks/configure-pod-container/configure-liveness-readiness-startup-probes/"),
        new(FindingCodes.LivenessRestarts, "pods", Severity.Medium, "Liveness probe keeps restarting the container", K8s + "tasks/configure-pod-container/configure-liveness-readiness-startup-probes/"),
        new(FindingCodes.NodeLost, "pods", Severity.High, "Pod stranded on a lost node", K8s + "concepts/architecture/nodes/#condition"),
        new(FindingCodes.Evicted, "pods", Severity.Low, "Pod was evicted", K8s + "concepts/scheduling-eviction/node-pressure-eviction/"),
        new(FindingCodes.InitFailing, "pods", Severity.High, "Init container failing", K8s + "tasks/debug/debug-application/debug-init-containers/"),
        new(ExtraFindingCodes.ContainerCreateFailed, "pods", Severity.High, "Container cannot be created", K8s + "tasks/debug/debug-application/debug-pods/"),
        new(FindingCodes.RolloutStuck, "workloads", Severity.High, "Rollout is not progressing", K8s + "concepts/workloads/controllers/deployment/#deployment-status"),
        new(FindingCodes.ReplicasUnavailable, "workloads", Severity.High, "Replicas unavailable", K8s + "concepts/workloads/controllers/deployment/#deployment-status"),
        new(FindingCodes.RiskyRollout, "workloads", Severity.Medium, "Rollout strategy can take the service down", K8s + "concepts/workloads/controllers/deployment/#rolling-update-deployment"),
        new(FindingCodes.SinglePointOfFailure, "workloads", Severity.Medium, "Single point of failure", K8s + "concepts/workloads/pods/disruptions/"),
        new(FindingCodes.JobFailed, "workloads", Severity.Medium, "Job failed", K8s + "concepts/workloads/controllers/job/#handling-pod-and-container-failures"),
        new(FindingCodes.CronJobFailing, "workloads", Severity.Medium, "CronJob failing", K8s + "concepts/workloads/controllers/cron-jobs/"),
        new(FindingCodes.NodeNotReady, "nodes", Severity.Critical, "Node not Ready", K8s + "concepts/architecture/nodes/#condition"),
        new(FindingCodes.NodePressure, "nodes", Severity.High, "Node under resource pressure", K8s + "concepts/scheduling-eviction/node-pressure-eviction/"),
        new(FindingCodes.NodeUnschedulable, "nodes", Severity.Low, "Node cordoned", K8s + "concepts/architecture/nodes/#manual-node-administration"),
        new(FindingCodes.NodeOvercommitted, "nodes", Severity.Medium, "Node overcommitted", K8s + "concepts/configuration/manage-resources-containers/"),
        new(FindingCodes.ServiceNoEndpoints, "network", Severity.High, "Service has no ready endpoints", K8s + "tasks/debug/debug-application/debug-service/#does-the-service-have-any-endpoints"),
        new(FindingCodes.ServicePortMismatch, "network", Severity.High, "Service targetPort matches no container port", K8s + "concepts/services-networking/service/#defining-a-service"),
        new(FindingCodes.NetworkPolicyBlocks, "network", Severity.High, "NetworkPolicy denies all ingress to a Service's pods", K8s + "concepts/services-networking/network-policies/#default-deny-all-ingress-traffic"),
        new(FindingCodes.PvcPending, "storage", Severity.High, "PersistentVolumeClaim pending", K8s + "concepts/storage/persistent-volumes/#lifecycle-of-a-volume-and-claim"),
        new(FindingCodes.HpaMetricsUnavailable, "autoscaling", Severity.Medium, "HPA cannot read its metrics", K8s + "tasks/run-application/horizontal-pod-autoscale/#support-for-metrics-apis"),
        new(FindingCodes.HpaAtMax, "autoscaling", Severity.Medium, "HPA pinned at maxReplicas", K8s + "tasks/run-application/horizontal-pod-autoscale/"),
        new(FindingCodes.HighErrorRate, "service", Severity.Critical, "Service 5xx error rate above threshold", "https://sre.google/sre-book/monitoring-distributed-systems/#xref_monitoring_golden-signals"),
        new(FindingCodes.HighLatency, "service", Severity.High, "Service p99 latency above threshold", "https://prometheus.io/docs/practices/histograms/"),
        new(FindingCodes.CpuThrottling, "service", Severity.Medium, "Container CPU throttled by its limit", K8s + "concepts/configuration/manage-resources-containers/#how-pods-with-resource-limits-are-run"),
        new(FindingCodes.SloBudgetBurn, "service", Severity.High, "SLO error budget burning too fast", "https://sre.google/workbook/alerting-on-slos/"),
    ];

    private static readonly Dictionary<string, Entry> ByCode = All.ToDictionary(e => e.Code);

    public static Entry Get(string code) => ByCode[code];

    public static string DocsFor(string code) => ByCode.TryGetValue(code, out var e) ? e.Docs : K8s + "tasks/debug/";
}
