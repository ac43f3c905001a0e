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

    // storage
    public const string PvcPending = "pvc-pending";

    // autoscaling
    public const string HpaMetricsUnavailable = "hpa-metrics-unavailable";
    public const string HpaAtMax = "hpa-at-max";
}
