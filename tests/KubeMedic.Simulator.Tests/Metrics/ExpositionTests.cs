using KubeMedic.Simulator.Metrics;

namespace KubeMedic.Simulator.Tests.Metrics;

public class ExpositionTests
{
    // Upstream names that promtool's linter dislikes but that real components expose exactly so.
    private static readonly string[] UpstreamLintExceptions = ["kubelet_evictions ", "node_memory_Mem"];

    private static void PromtoolAccepts(string exposition)
    {
        var (code, output) = ToolPaths.Run(ToolPaths.Find("promtool"), exposition, "check", "metrics");
        var problems = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !UpstreamLintExceptions.Any(e => l.StartsWith(e, StringComparison.Ordinal)))
            .ToList();
        problems.ShouldBeEmpty($"promtool exit {code}: {output}");
    }

    [Fact]
    public void Kube_state_metrics_names_labels_and_types_match_kube_state_metrics()
    {
        var text = KubeStateMetrics.Write(MetricsFixture.State());
        PromtoolAccepts(text);
        text.ShouldContain("# TYPE kube_pod_container_status_restarts_total counter\n");
        text.ShouldContain("# TYPE kube_pod_status_phase gauge\n");
        text.ShouldContain("kube_pod_container_status_waiting_reason{namespace=\"shop\",pod=\"web-2\",uid=\"uid-web-2\",container=\"web\",reason=\"CrashLoopBackOff\"} 1\n");
        text.ShouldContain("kube_pod_container_status_last_terminated_reason{namespace=\"shop\",pod=\"web-2\",uid=\"uid-web-2\",container=\"web\",reason=\"OOMKilled\"} 1\n");
        text.ShouldContain("kube_pod_container_status_restarts_total{namespace=\"shop\",pod=\"web-2\",uid=\"uid-web-2\",container=\"web\"} 5\n");
        text.ShouldContain("kube_pod_status_phase{namespace=\"shop\",pod=\"web-1\",uid=\"uid-web-1\",phase=\"Running\"} 1\n");
        text.ShouldContain("kube_pod_status_phase{namespace=\"shop\",pod=\"web-1\",uid=\"uid-web-1\",phase=\"Pending\"} 0\n");
        text.ShouldContain("kube_pod_status_ready{namespace=\"shop\",pod=\"web-2\",uid=\"uid-web-2\",condition=\"false\"} 1\n");
        text.ShouldContain("kube_pod_owner{namespace=\"shop\",pod=\"web-1\",uid=\"uid-web-1\",owner_kind=\"ReplicaSet\",owner_name=\"web-7d9f\",owner_is_controller=\"true\"} 1\n");
        text.ShouldContain("kube_pod_container_resource_requests{namespace=\"shop\",pod=\"web-1\",uid=\"uid-web-1\",container=\"web\",node=\"node-1\",resource=\"cpu\",unit=\"core\"} 0.25\n");
        text.ShouldContain("kube_pod_container_resource_limits{namespace=\"shop\",pod=\"web-1\",uid=\"uid-web-1\",container=\"web\",node=\"node-1\",resource=\"memory\",unit=\"byte\"} 536870912\n");
        text.ShouldContain("kube_deployment_status_condition{namespace=\"shop\",deployment=\"web\",reason=\"ProgressDeadlineExceeded\",condition=\"Progressing\",status=\"false\"} 1\n");
        text.ShouldContain("kube_deployment_spec_replicas{namespace=\"shop\",deployment=\"web\"} 2\n");
        text.ShouldContain("kube_deployment_status_replicas_available{namespace=\"shop\",deployment=\"web\"} 1\n");
        text.ShouldContain("kube_node_status_condition{node=\"node-2\",condition=\"Ready\",status=\"unknown\"} 1\n");
        text.ShouldContain("kube_node_status_condition{node=\"node-2\",condition=\"Ready\",status=\"true\"} 0\n");
        text.ShouldContain("kube_node_spec_taint{node=\"node-2\",key=\"node.kubernetes.io/unreachable\",value=\"\",effect=\"NoSchedule\"} 1\n");
        text.ShouldContain("kube_node_status_allocatable{node=\"node-1\",resource=\"cpu\",unit=\"core\"} 3.8\n");
        text.ShouldContain("kube_node_status_capacity{node=\"node-1\",resource=\"pods\",unit=\"integer\"} 110\n");
        text.ShouldContain("kube_node_status_allocatable{node=\"node-1\",resource=\"ephemeral_storage\",unit=\"byte\"}");
        text.ShouldContain("kube_node_role{node=\"node-1\",role=\"worker\"} 1\n");
        text.ShouldContain("kube_job_failed{namespace=\"shop\",job_name=\"report\",condition=\"true\"} 1\n");
        text.ShouldContain("kube_node_info{node=\"node-1\",kernel_version=\"6.1.0\"");
        text.ShouldNotContain("kube_pod_container_status_waiting_reason{namespace=\"shop\",pod=\"web-1\"");
    }

    [Fact]
    public void Cadvisor_has_the_kubelet_label_set_and_only_limited_containers_get_cfs_counters()
    {
        var text = NodeMetrics.Cadvisor(MetricsFixture.State(), "node-1");
        PromtoolAccepts(text);
        text.ShouldContain("# TYPE container_cpu_usage_seconds_total counter\n");
        // web-1 started 10 minutes before Now at 0.2 cores: 120 cpu-seconds.
        text.ShouldContain("container_cpu_usage_seconds_total{container=\"web\",cpu=\"total\",id=\"/kubepods/burstable/poduid-web-1/c5ff\",image=\"docker.io/shop/web:1.0\",name=\"c5ff\",namespace=\"shop\",pod=\"web-1\"} 120\n");
        text.ShouldContain("container_memory_working_set_bytes{container=\"web\",id=\"/kubepods/burstable/poduid-web-1/c5ff\",image=\"docker.io/shop/web:1.0\",name=\"c5ff\",namespace=\"shop\",pod=\"web-1\"} 314572800\n");
        text.ShouldContain("container_cpu_cfs_periods_total{container=\"web\"");
        text.ShouldContain("container_cpu_cfs_throttled_periods_total{container=\"web\",id=\"/kubepods/burstable/poduid-web-1/c5ff\",image=\"docker.io/shop/web:1.0\",name=\"c5ff\",namespace=\"shop\",pod=\"web-1\"} 3000\n");
        text.ShouldContain("container_spec_memory_limit_bytes{container=\"web\"");
        text.ShouldContain("container_oom_events_total{container=\"web\"");
        // the waiting (CrashLoopBackOff) container has no running cgroup
        text.ShouldNotContain("pod=\"web-2\"");
    }

    [Fact]
    public void Kubelet_and_node_exporter_targets_expose_their_families()
    {
        var state = MetricsFixture.State();
        var kubelet = NodeMetrics.Kubelet(state, "node-1");
        PromtoolAccepts(kubelet);
        kubelet.ShouldContain("kubelet_node_name{node=\"node-1\"} 1\n");
        kubelet.ShouldContain("kubelet_running_pods 2\n");
        kubelet.ShouldContain("kubelet_evictions{eviction_signal=\"memory.available\"} 2\n");

        var metrics = new NodeMetrics();
        var first = metrics.NodeExporter(state, "node-1");
        PromtoolAccepts(first);
        first.ShouldContain("node_memory_MemTotal_bytes 8589934592\n");
        first.ShouldContain("# TYPE node_cpu_seconds_total counter\n");
        first.ShouldContain("node_cpu_seconds_total{cpu=\"3\",mode=\"idle\"}");

        // counters never go backwards between scrapes, even when load rises
        var later = new ClusterState { Now = state.Now.AddMinutes(1), Nodes = state.Nodes, Pods = state.Pods, Usage = (_, _) => new ContainerUsage(3, 1L << 30) };
        var second = metrics.NodeExporter(later, "node-1");
        Value(second, "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"}").ShouldBeGreaterThanOrEqualTo(Value(first, "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"}"));
        Value(second, "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"}").ShouldBeGreaterThan(Value(first, "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"}"));
        Value(second, "node_memory_MemAvailable_bytes").ShouldBeLessThan(Value(first, "node_memory_MemAvailable_bytes"));
    }

    [Fact]
    public void Red_metrics_fail_half_the_requests_while_half_the_replicas_are_ready()
    {
        var traffic = new AppTraffic();
        traffic.Write(MetricsFixture.State(readyWeb: 1));
        var later = MetricsFixture.State(readyWeb: 1);
        var text = traffic.Write(new ClusterState
        {
            Now = later.Now.AddMinutes(1), Nodes = later.Nodes, Pods = later.Pods, Deployments = later.Deployments, Services = later.Services, Endpoints = later.Endpoints,
        });
        PromtoolAccepts(text);
        text.ShouldContain("# TYPE http_server_requests_seconds histogram\n");
        // 10 rps for 60 s = 600 requests; 1 of 2 desired replicas ready: 300 answered 503.
        Value(text, "http_server_requests_seconds_count{exception=\"None\",method=\"GET\",namespace=\"shop\",outcome=\"SERVER_ERROR\",service=\"web\",status=\"503\",uri=\"/\"}").ShouldBe(300);
        Value(text, "http_server_requests_seconds_count{exception=\"None\",method=\"GET\",namespace=\"shop\",outcome=\"SUCCESS\",service=\"web\",status=\"200\",uri=\"/\"}").ShouldBe(300);
        Value(text, "http_server_requests_seconds_bucket{exception=\"None\",method=\"GET\",namespace=\"shop\",outcome=\"SUCCESS\",service=\"web\",status=\"200\",uri=\"/\",le=\"+Inf\"}").ShouldBe(300);

        var healthy = AppTraffic.Assess(MetricsFixture.State(readyWeb: 2)).Single();
        healthy.ErrorFraction.ShouldBe(0);
        AppTraffic.Assess(MetricsFixture.State(readyWeb: 1)).Single().ErrorFraction.ShouldBe(0.5);
    }

    internal static double Value(string exposition, string series)
    {
        var line = exposition.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            ?? throw new ShouldAssertException($"series {series} not found in:\n{exposition}");
        return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
