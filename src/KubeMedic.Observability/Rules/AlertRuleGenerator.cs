using System.Globalization;
using KubeMedic.Core.Findings;

namespace KubeMedic.Observability.Rules;

public sealed record AlertRuleOptions
{
    public AlertThresholds Thresholds { get; init; } = new();
    public string RunbookBase { get; init; } = RunbookCodes.DefaultBase;

    /// <summary>The label that names the service on <c>http_server_requests_seconds_*</c> (seed 000 uses <c>service</c>).</summary>
    public string ServiceLabel { get; init; } = "service";
}

/// <summary>
/// Generates KubeMedic's alert rules: node CPU/memory (tuned to node capacity), pod failures, rollouts, node health, RED for
/// services, CPU throttling. Every rule carries severity and kubemedic_code labels, summary/description/runbook_url annotations,
/// and a firing and a quiet promtool test case. Written for Prometheus 2.42 (no query_offset, no group labels).
/// </summary>
public static class AlertRuleGenerator
{
    public const string CodeLabel = "kubemedic_code";

    public static RuleSet Generate(AlertRuleOptions options)
    {
        options.Thresholds.Validate();
        var b = new Builder(options);
        return new RuleSet(
        [
            new RuleGroup("kubemedic-node-resources", b.NodeResources()),
            new RuleGroup("kubemedic-pods", b.Pods()),
            new RuleGroup("kubemedic-workloads", b.Workloads()),
            new RuleGroup("kubemedic-nodes", b.Nodes()),
            new RuleGroup("kubemedic-services-red", b.Red()),
            new RuleGroup("kubemedic-cpu-throttling", b.Throttling()),
        ]);
    }

    private sealed class Builder(AlertRuleOptions o)
    {
        private AlertThresholds T => o.Thresholds;

        private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

        private static string P(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

        private static Dictionary<string, string> L(params string[] kv)
        {
            var d = new Dictionary<string, string>();
            for (var i = 0; i < kv.Length; i += 2)
            {
                d[kv[i]] = kv[i + 1];
            }

            return d;
        }

        private static RuleTestCase Fires(string name, string eval, IReadOnlyDictionary<string, string> labels, double value, params InputSeries[] input) =>
            new(name, input, eval, [new ExpectedAlert(labels, value)]);

        private static RuleTestCase Silent(string name, string eval, params InputSeries[] input) => new(name, input, eval, []);

        private static InputSeries S(string series, string values) => new(series, values);

        private AlertingRule Alert(string name, string expr, string @for, string severity, string code, string summary, string description,
            RuleTestCase firing, RuleTestCase quiet) =>
            new(name, expr, @for, L("severity", severity, CodeLabel, code),
                L("summary", summary, "description", description, "runbook_url", RunbookCodes.Url(o.RunbookBase, code)))
            {
                Firing = firing,
                Quiet = quiet,
            };

        private string Tuned => T.TunedFor is { } n ? $" (threshold tuned for {n})" : "";

        private static double Mid(double a, double b) => Math.Round((a + b) / 2, 1);

        public List<Rule> NodeResources()
        {
            const string node = "instance=\"node-1\"";
            const string cpuExpr = "100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[5m])))";
            const string memExpr = "100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)";
            InputSeries Idle(double busyPercent) => S($"node_cpu_seconds_total{{{node},cpu=\"0\",mode=\"idle\"}}", $"0+{F(Math.Round(60 * (1 - busyPercent / 100), 6))}x40");
            var total = T.TunedFor?.MemoryBytes ?? 4L * 1024 * 1024 * 1024;
            InputSeries[] Mem(double usedPercent) =>
            [
                S($"node_memory_MemTotal_bytes{{{node}}}", $"{total}x40"),
                S($"node_memory_MemAvailable_bytes{{{node}}}", $"{F(Math.Round(total * (1 - usedPercent / 100)))}x40"),
            ];
            var labels = L("instance", "node-1");
            var cpuWarn = Mid(T.NodeCpuWarningPercent, T.NodeCpuCriticalPercent);
            var cpuCrit = Mid(T.NodeCpuCriticalPercent, 100);
            var memWarn = Mid(T.NodeMemoryWarningPercent, T.NodeMemoryCriticalPercent);
            var memCrit = Mid(T.NodeMemoryCriticalPercent, 100);
            return
            [
                Alert("KubeMedicNodeHighCPU", $"{cpuExpr} > {P(T.NodeCpuWarningPercent)}", "10m", "warning", FindingCodes.NodeOvercommitted,
                    "Node {{ $labels.instance }} CPU above " + P(T.NodeCpuWarningPercent) + " %",
                    "Node {{ $labels.instance }} has used {{ $value | printf \"%.1f\" }} % of its CPU for 10 minutes" + Tuned + ". Pods on it will slow down; check which workloads use more than they request.",
                    Fires("busy node", "20m", labels, cpuWarn, Idle(cpuWarn)),
                    Silent("node below the warning threshold", "20m", Idle(T.NodeCpuWarningPercent - 10))),
                Alert("KubeMedicNodeCPUSaturated", $"{cpuExpr} > {P(T.NodeCpuCriticalPercent)}", "5m", "critical", FindingCodes.NodeOvercommitted,
                    "Node {{ $labels.instance }} CPU saturated (above " + P(T.NodeCpuCriticalPercent) + " %)",
                    "Node {{ $labels.instance }} has used {{ $value | printf \"%.1f\" }} % of its CPU for 5 minutes" + Tuned + ". The kubelet and system daemons are starved; scale down low-priority workloads or add capacity.",
                    Fires("saturated node", "15m", labels, cpuCrit, Idle(cpuCrit)),
                    Silent("node busy but below critical", "15m", Idle(cpuWarn))),
                Alert("KubeMedicNodeHighMemory", $"{memExpr} > {P(T.NodeMemoryWarningPercent)}", "10m", "warning", FindingCodes.NodePressure,
                    "Node {{ $labels.instance }} memory above " + P(T.NodeMemoryWarningPercent) + " %",
                    "Node {{ $labels.instance }} has used {{ $value | printf \"%.1f\" }} % of its memory for 10 minutes" + Tuned + ". The kubelet will start evicting pods under MemoryPressure.",
                    Fires("memory-heavy node", "20m", labels, memWarn, Mem(memWarn)),
                    Silent("node below the warning threshold", "20m", Mem(T.NodeMemoryWarningPercent - 10))),
                Alert("KubeMedicNodeMemoryCritical", $"{memExpr} > {P(T.NodeMemoryCriticalPercent)}", "3m", "critical", FindingCodes.NodePressure,
                    "Node {{ $labels.instance }} memory nearly exhausted (above " + P(T.NodeMemoryCriticalPercent) + " %)",
                    "Node {{ $labels.instance }} has used {{ $value | printf \"%.1f\" }} % of its memory for 3 minutes" + Tuned + ". OOM kills and evictions are imminent.",
                    Fires("memory-exhausted node", "10m", labels, memCrit, Mem(memCrit)),
                    Silent("node high but below critical", "10m", Mem(memWarn))),
            ];
        }

        public List<Rule> Pods()
        {
            const string pod = "namespace=\"shop\",pod=\"order-service-7d9f-x1\",uid=\"u1\"";
            const string c = pod + ",container=\"app\"";
            var podLabels = L("namespace", "shop", "pod", "order-service-7d9f-x1");
            var cLabels = L("namespace", "shop", "pod", "order-service-7d9f-x1", "container", "app");
            InputSeries Waiting(string reason) => S($"kube_pod_container_status_waiting_reason{{{c},reason=\"{reason}\"}}", "1x40");
            const long limit = 512L * 1024 * 1024;
            InputSeries[] Memory(long workingSet) =>
            [
                S($"container_memory_working_set_bytes{{{c},id=\"/kubepods/u1/c1\",image=\"shop/order:2.3.1\",name=\"c1\"}}", $"{workingSet}x30"),
                S($"kube_pod_container_resource_limits{{{c},node=\"node-1\",resource=\"memory\",unit=\"byte\"}}", $"{limit}x30"),
            ];
            var nearLimit = 490L * 1024 * 1024;
            return
            [
                Alert("KubeMedicPodOOMKilled",
                    "max by (namespace, pod, container) (kube_pod_container_status_last_terminated_reason{reason=\"OOMKilled\"}) == 1\nand on (namespace, pod, container)\nincrease(kube_pod_container_status_restarts_total[10m]) > 0",
                    "0s", "warning", FindingCodes.OomKilled,
                    "Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} was OOMKilled",
                    "Container {{ $labels.container }} in pod {{ $labels.namespace }}/{{ $labels.pod }} was killed for exceeding its memory limit and restarted in the last 10 minutes. Run 'kubemedic diagnose' with --prometheus to tell a leak from a limit that is too low.",
                    Fires("OOMKilled and restarting", "8m", cLabels, 1,
                        S($"kube_pod_container_status_last_terminated_reason{{{c},reason=\"OOMKilled\"}}", "1x30"),
                        S($"kube_pod_container_status_restarts_total{{{c}}}", "0 0 1 1 2 2 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3")),
                    Silent("old OOMKill, no restart since", "25m",
                        S($"kube_pod_container_status_last_terminated_reason{{{c},reason=\"OOMKilled\"}}", "1x30"),
                        S($"kube_pod_container_status_restarts_total{{{c}}}", "3x30"))),
                Alert("KubeMedicContainerMemoryNearLimit",
                    "100 * max by (namespace, pod, container) (container_memory_working_set_bytes{container!=\"\"})\n/ max by (namespace, pod, container) (kube_pod_container_resource_limits{resource=\"memory\"}) > " + P(T.ContainerMemoryNearLimitPercent),
                    "5m", "warning", FindingCodes.OomKilled,
                    "Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} is near its memory limit",
                    "Container {{ $labels.container }} in pod {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | printf \"%.1f\" }} % of its memory limit. The OOM killer acts at 100 %.",
                    Fires("working set at 95 % of the limit", "10m", cLabels, 100.0 * nearLimit / limit, Memory(nearLimit)),
                    Silent("working set well below the limit", "10m", Memory(300L * 1024 * 1024))),
                Alert("KubeMedicPodCrashLooping",
                    "max by (namespace, pod, container) (max_over_time(kube_pod_container_status_waiting_reason{reason=\"CrashLoopBackOff\"}[5m])) >= 1",
                    "10m", "warning", FindingCodes.CrashLoop,
                    "Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} is crash looping",
                    "Container {{ $labels.container }} in pod {{ $labels.namespace }}/{{ $labels.pod }} has been in CrashLoopBackOff for 10 minutes. Check 'kubectl logs --previous' and the last termination reason.",
                    Fires("CrashLoopBackOff", "15m", cLabels, 1, Waiting("CrashLoopBackOff")),
                    Silent("container still creating", "15m", Waiting("ContainerCreating"))),
                Alert("KubeMedicPodImagePullFailing",
                    "max by (namespace, pod, container) (kube_pod_container_status_waiting_reason{reason=~\"ErrImagePull|ImagePullBackOff|InvalidImageName\"}) == 1",
                    "5m", "warning", FindingCodes.ImagePull,
                    "Image pull failing for {{ $labels.namespace }}/{{ $labels.pod }}",
                    "Container {{ $labels.container }} in pod {{ $labels.namespace }}/{{ $labels.pod }} cannot pull its image. Check the image name and tag, and the pull secret.",
                    Fires("ImagePullBackOff", "10m", cLabels, 1, Waiting("ImagePullBackOff")),
                    Silent("waiting for another reason", "10m", Waiting("CrashLoopBackOff"))),
                Alert("KubeMedicPodConfigMissing",
                    "max by (namespace, pod, container) (kube_pod_container_status_waiting_reason{reason=\"CreateContainerConfigError\"}) == 1",
                    "5m", "warning", FindingCodes.ConfigMissing,
                    "Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} cannot be configured",
                    "Container {{ $labels.container }} in pod {{ $labels.namespace }}/{{ $labels.pod }} is stuck in CreateContainerConfigError: a referenced ConfigMap, Secret or key is missing.",
                    Fires("CreateContainerConfigError", "10m", cLabels, 1, Waiting("CreateContainerConfigError")),
                    Silent("container still creating", "10m", Waiting("ContainerCreating"))),
                Alert("KubeMedicPodNotReady",
                    "max by (namespace, pod) (kube_pod_status_phase{phase=\"Running\"}) == 1\nand on (namespace, pod)\nmax by (namespace, pod) (kube_pod_status_ready{condition=\"true\"}) == 0",
                    "10m", "warning", FindingCodes.ReadinessFailing,
                    "Pod {{ $labels.namespace }}/{{ $labels.pod }} is running but not ready",
                    "Pod {{ $labels.namespace }}/{{ $labels.pod }} has been Running but not Ready for 10 minutes, so it receives no traffic. Check its readiness probe and dependencies.",
                    Fires("running, not ready", "15m", podLabels, 1,
                        S($"kube_pod_status_phase{{{pod},phase=\"Running\"}}", "1x40"),
                        S($"kube_pod_status_ready{{{pod},condition=\"true\"}}", "0x40")),
                    Silent("running and ready", "15m",
                        S($"kube_pod_status_phase{{{pod},phase=\"Running\"}}", "1x40"),
                        S($"kube_pod_status_ready{{{pod},condition=\"true\"}}", "1x40"))),
                Alert("KubeMedicPodPending",
                    "max by (namespace, pod) (kube_pod_status_phase{phase=\"Pending\"}) == 1",
                    "15m", "warning", FindingCodes.Unschedulable,
                    "Pod {{ $labels.namespace }}/{{ $labels.pod }} stuck Pending",
                    "Pod {{ $labels.namespace }}/{{ $labels.pod }} has been Pending for 15 minutes: it cannot be scheduled (resources, taints, affinity, volumes) or its containers cannot start.",
                    Fires("Pending for 20 minutes", "20m", podLabels, 1, S($"kube_pod_status_phase{{{pod},phase=\"Pending\"}}", "1x40")),
                    Silent("Pending for 10 minutes, then scheduled", "20m", S($"kube_pod_status_phase{{{pod},phase=\"Pending\"}}", "1x10 0x30"))),
            ];
        }

        public List<Rule> Workloads()
        {
            const string d = "namespace=\"shop\",deployment=\"order-service\"";
            var labels = L("namespace", "shop", "deployment", "order-service");
            return
            [
                Alert("KubeMedicDeploymentRolloutStuck",
                    "max by (namespace, deployment) (kube_deployment_status_condition{condition=\"Progressing\",status=\"false\"}) == 1",
                    "5m", "warning", FindingCodes.RolloutStuck,
                    "Rollout of {{ $labels.namespace }}/{{ $labels.deployment }} is stuck",
                    "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} exceeded its progress deadline: new pods do not become available. Inspect the new ReplicaSet's pods, or roll back with 'kubectl rollout undo'.",
                    Fires("ProgressDeadlineExceeded", "10m", labels, 1,
                        S($"kube_deployment_status_condition{{{d},condition=\"Progressing\",reason=\"ProgressDeadlineExceeded\",status=\"false\"}}", "1x30"),
                        S($"kube_deployment_status_condition{{{d},condition=\"Progressing\",reason=\"ProgressDeadlineExceeded\",status=\"true\"}}", "0x30")),
                    Silent("progressing", "10m",
                        S($"kube_deployment_status_condition{{{d},condition=\"Progressing\",reason=\"NewReplicaSetAvailable\",status=\"false\"}}", "0x30"),
                        S($"kube_deployment_status_condition{{{d},condition=\"Progressing\",reason=\"NewReplicaSetAvailable\",status=\"true\"}}", "1x30"))),
                Alert("KubeMedicDeploymentReplicasUnavailable",
                    "max by (namespace, deployment) (kube_deployment_spec_replicas)\n> max by (namespace, deployment) (kube_deployment_status_replicas_available)",
                    "15m", "warning", FindingCodes.ReplicasUnavailable,
                    "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} is missing replicas",
                    "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} wants {{ $value | printf \"%.0f\" }} replicas but fewer have been available for 15 minutes.",
                    Fires("1 of 3 available", "20m", labels, 3,
                        S($"kube_deployment_spec_replicas{{{d}}}", "3x40"), S($"kube_deployment_status_replicas_available{{{d}}}", "1x40")),
                    Silent("3 of 3 available", "20m",
                        S($"kube_deployment_spec_replicas{{{d}}}", "3x40"), S($"kube_deployment_status_replicas_available{{{d}}}", "3x40"))),
                Alert("KubeMedicDeploymentUnavailable",
                    "max by (namespace, deployment) (kube_deployment_status_replicas_available) == 0\nand on (namespace, deployment)\nmax by (namespace, deployment) (kube_deployment_spec_replicas) > 0",
                    "5m", "critical", FindingCodes.ReplicasUnavailable,
                    "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has no available replica",
                    "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has had zero available replicas for 5 minutes: the service is down.",
                    Fires("0 of 2 available", "10m", labels, 0,
                        S($"kube_deployment_spec_replicas{{{d}}}", "2x30"), S($"kube_deployment_status_replicas_available{{{d}}}", "0x30")),
                    Silent("1 of 2 available", "10m",
                        S($"kube_deployment_spec_replicas{{{d}}}", "2x30"), S($"kube_deployment_status_replicas_available{{{d}}}", "1x30"))),
                Alert("KubeMedicJobFailed",
                    "max by (namespace, job_name) (kube_job_failed{condition=\"true\"}) > 0",
                    "10m", "warning", FindingCodes.JobFailed,
                    "Job {{ $labels.namespace }}/{{ $labels.job_name }} failed",
                    "Job {{ $labels.namespace }}/{{ $labels.job_name }} reached its backoff limit or deadline. Check the logs of its last pod.",
                    Fires("failed job", "15m", L("namespace", "shop", "job_name", "nightly-report"), 1,
                        S("kube_job_failed{namespace=\"shop\",job_name=\"nightly-report\",condition=\"true\"}", "1x30")),
                    Silent("job without a Failed condition", "15m",
                        S("kube_job_failed{namespace=\"shop\",job_name=\"nightly-report\",condition=\"false\"}", "1x30"))),
            ];
        }

        public List<Rule> Nodes()
        {
            const string n = "node=\"node-2\"";
            var labels = L("node", "node-2");
            return
            [
                Alert("KubeMedicNodeNotReady",
                    "max by (node) (kube_node_status_condition{condition=\"Ready\",status=\"true\"}) == 0\nand on (node)\nmax by (node) (kube_node_spec_unschedulable) == 0",
                    "5m", "critical", FindingCodes.NodeNotReady,
                    "Node {{ $labels.node }} is not Ready",
                    "Node {{ $labels.node }} has not been Ready for 5 minutes. Its pods will be evicted; check the kubelet, the container runtime and the node's conditions.",
                    Fires("NotReady node", "10m", labels, 0,
                        S($"kube_node_status_condition{{{n},condition=\"Ready\",status=\"true\"}}", "0x30"),
                        S($"kube_node_spec_unschedulable{{{n}}}", "0x30")),
                    Silent("NotReady but cordoned for maintenance", "10m",
                        S($"kube_node_status_condition{{{n},condition=\"Ready\",status=\"true\"}}", "0x30"),
                        S($"kube_node_spec_unschedulable{{{n}}}", "1x30"))),
                Alert("KubeMedicNodeUnreachable",
                    "max by (node) (kube_node_spec_taint{key=\"node.kubernetes.io/unreachable\"}) == 1",
                    "5m", "critical", FindingCodes.NodeLost,
                    "Node {{ $labels.node }} is unreachable",
                    "Node {{ $labels.node }} stopped sending heartbeats and was tainted unreachable. Pods on it are lost until it returns or is removed.",
                    Fires("unreachable taint", "10m", labels, 1,
                        S($"kube_node_spec_taint{{{n},key=\"node.kubernetes.io/unreachable\",value=\"\",effect=\"NoSchedule\"}}", "1x30")),
                    Silent("other taint", "10m",
                        S($"kube_node_spec_taint{{{n},key=\"dedicated\",value=\"db\",effect=\"NoSchedule\"}}", "1x30"))),
                Alert("KubeMedicNodePressure",
                    "max by (node, condition) (kube_node_status_condition{condition=~\"MemoryPressure|DiskPressure|PIDPressure\",status=\"true\"}) == 1",
                    "5m", "warning", FindingCodes.NodePressure,
                    "Node {{ $labels.node }} has {{ $labels.condition }}",
                    "Node {{ $labels.node }} reports {{ $labels.condition }}: the kubelet is evicting pods and refusing new ones.",
                    Fires("MemoryPressure", "10m", L("node", "node-2", "condition", "MemoryPressure"), 1,
                        S($"kube_node_status_condition{{{n},condition=\"MemoryPressure\",status=\"true\"}}", "1x30")),
                    Silent("no pressure", "10m",
                        S($"kube_node_status_condition{{{n},condition=\"MemoryPressure\",status=\"true\"}}", "0x30"),
                        S($"kube_node_status_condition{{{n},condition=\"MemoryPressure\",status=\"false\"}}", "1x30"))),
            ];
        }

        public List<Rule> Red()
        {
            var svc = o.ServiceLabel;
            var s = $"namespace=\"shop\",{svc}=\"order-service\"";
            var labels = L("namespace", "shop", svc, "order-service");
            InputSeries Count(string status, double perMinute) => S($"http_server_requests_seconds_count{{{s},status=\"{status}\"}}", $"0+{F(perMinute)}x30");
            InputSeries Bucket(string le, double perMinute) => S($"http_server_requests_seconds_bucket{{{s},le=\"{le}\"}}", $"0+{F(perMinute)}x40");
            var latencyMs = (T.LatencyP99Seconds * 1000).ToString("0", CultureInfo.InvariantCulture);
            return
            [
                Alert("KubeMedicServiceHighErrorRate",
                    $"100 * sum by (namespace, {svc}) (rate(http_server_requests_seconds_count{{status=~\"5..\"}}[5m]))\n/ sum by (namespace, {svc}) (rate(http_server_requests_seconds_count[5m])) > {P(T.ErrorRatePercent)}",
                    "5m", "critical", RunbookCodes.HighErrorRate,
                    $"Service {{{{ $labels.{svc} }}}} error rate above {P(T.ErrorRatePercent)} %",
                    $"{{{{ $value | printf \"%.2f\" }}}} % of requests to {{{{ $labels.namespace }}}}/{{{{ $labels.{svc} }}}} fail with 5xx. Compare with the last deploy ('kubectl rollout history') and roll back if it started there.",
                    Fires("5 % errors", "10m", labels, 5, Count("200", 570), Count("500", 30)),
                    Silent("0.5 % errors", "10m", Count("200", 597), Count("500", 3))),
                Alert("KubeMedicServiceHighLatency",
                    $"histogram_quantile(0.99, sum by (namespace, {svc}, le) (rate(http_server_requests_seconds_bucket[5m]))) > {F(T.LatencyP99Seconds)}",
                    "10m", "warning", RunbookCodes.HighLatency,
                    $"Service {{{{ $labels.{svc} }}}} p99 latency above {latencyMs} ms",
                    $"The 99th percentile latency of {{{{ $labels.namespace }}}}/{{{{ $labels.{svc} }}}} is {{{{ $value | printf \"%.3f\" }}}} s (threshold {F(T.LatencyP99Seconds)} s).",
                    Fires("every request near 1 s", "15m", labels, 0.5 + (1 - 0.5) * 0.99,
                        Bucket("0.1", 0), Bucket("0.25", 0), Bucket("0.5", 0), Bucket("1", 60), Bucket("+Inf", 60)),
                    Silent("every request under 100 ms", "15m",
                        Bucket("0.1", 60), Bucket("0.25", 60), Bucket("0.5", 60), Bucket("1", 60), Bucket("+Inf", 60))),
            ];
        }

        public List<Rule> Throttling()
        {
            const string c = "namespace=\"shop\",pod=\"order-service-7d9f-x1\",container=\"app\"";
            InputSeries[] Cfs(double throttledPerMinute) =>
            [
                S($"container_cpu_cfs_periods_total{{{c}}}", "0+600x40"),
                S($"container_cpu_cfs_throttled_periods_total{{{c}}}", $"0+{F(throttledPerMinute)}x40"),
            ];
            return
            [
                Alert("KubeMedicCPUThrottlingHigh",
                    "100 * sum by (namespace, pod, container) (increase(container_cpu_cfs_throttled_periods_total{container!=\"\"}[5m]))\n/ sum by (namespace, pod, container) (increase(container_cpu_cfs_periods_total{container!=\"\"}[5m])) > " + P(T.CpuThrottlingPercent),
                    "15m", "warning", RunbookCodes.CpuThrottling,
                    "Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} is CPU throttled",
                    "{{ $value | printf \"%.1f\" }} % of CFS periods of container {{ $labels.container }} in {{ $labels.namespace }}/{{ $labels.pod }} are throttled. Its CPU limit is too low for its load: raise or remove the limit.",
                    Fires("half the periods throttled", "20m", L("namespace", "shop", "pod", "order-service-7d9f-x1", "container", "app"), 50, Cfs(300)),
                    Silent("10 % throttled", "20m", Cfs(60))),
            ];
        }
    }
}
