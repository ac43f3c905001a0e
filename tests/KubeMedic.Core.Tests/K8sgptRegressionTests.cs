using KubeMedic.Core.Analysis;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;

namespace KubeMedic.Core.Tests;

/// <summary>
/// k8sgpt's analyzer unit tests (peer-diagnosis-tools.md §2) replayed as a regression suite, where they describe real
/// failures. Deliberate differences are noted per test (e.g. k8sgpt's per-condition node counts).
/// </summary>
public sealed class K8sgptRegressionTests
{
    private static DiagnosisResult Diagnose(ClusterModel model, string? ns = "default", string? selector = null) =>
        DiagnosisEngine.Default.Diagnose(model.Restrict(new ClusterScope(ns, selector)));

    private static string PodJson(string name, string status, string ns = "default", string spec = """{"containers":[{"name":"c","image":"nginx"}]}""") =>
        $$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{name}}","namespace":"{{ns}}"},"spec":{{spec}},"status":{{status}}}""";

    private static string EventJson(string obj, string reason, string message, string type = "Warning", string kind = "Pod") =>
        $$"""{"apiVersion":"v1","kind":"Event","metadata":{"name":"{{obj}}.{{reason}}","namespace":"default"},"involvedObject":{"kind":"{{kind}}","name":"{{obj}}","namespace":"default"},"reason":"{{reason}}","message":"{{message}}","type":"{{type}}","lastTimestamp":"2026-01-01T10:00:00Z"}""";

    private static Finding Single(DiagnosisResult result, string code, string kind, string name)
    {
        var f = result.Find(code, new ObjectRef(kind, kind == "Node" ? null : "default", name));
        f.ShouldNotBeNull($"expected {code} on {kind}/{name}; got {string.Join(", ", result.Findings.Select(x => x.Id))}");
        return f;
    }

    [Fact]
    public void Pod_1a_unschedulable_taint_message_and_1b_other_namespace_filtered()
    {
        const string msg = "0/1 nodes are available: 1 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate.";
        var model = Fixtures.FromItems(
            PodJson("Pod1", $$"""{"phase":"Pending","conditions":[{"type":"PodScheduled","reason":"Unschedulable","message":"{{msg}}"},{"type":"PodScheduled","reason":"Unexpected failure"}]}"""),
            PodJson("Pod2", $$"""{"phase":"Pending","conditions":[{"type":"PodScheduled","reason":"Unschedulable","message":"{{msg}}"}]}""", ns: "test"));

        var result = Diagnose(model);

        var f = Single(result, FindingCodes.Unschedulable, "Pod", "Pod1");
        f.SubReason.ShouldBe("untolerated-taint");
        f.Evidence.ShouldContain(e => e.Text.Contains(msg));
        result.Findings.ShouldNotContain(x => x.Object.Name == "Pod2");
    }

    [Fact]
    public void Pod_1c_running_not_ready_with_unhealthy_event()
    {
        var model = Fixtures.FromItems(
            PodJson("Pod3", """{"phase":"Running","containerStatuses":[{"name":"c","ready":false}]}"""),
            EventJson("Pod3", "Unhealthy", "readiness probe failed: the detail reason here ..."));

        Single(Diagnose(model), FindingCodes.ReadinessFailing, "Pod", "Pod3").Evidence.ShouldContain(e => e.Text.Contains("readiness probe failed: the detail reason here"));
    }

    [Fact]
    public void Pod_2_scheduling_gated_with_and_without_message()
    {
        var model = Fixtures.FromItems(
            PodJson("GatedPod1", """{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}"""),
            PodJson("GatedPod2", """{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated","message":"Scheduling is blocked due to non-empty scheduling gates"}]}"""));

        var result = Diagnose(model);

        Single(result, FindingCodes.Unschedulable, "Pod", "GatedPod1").Summary
            .ShouldBe("Pod default/GatedPod1 is in a SchedulingGated state and is blocked from scheduling due to non-empty scheduling gates");
        Single(result, FindingCodes.Unschedulable, "Pod", "GatedPod2").Summary.ShouldBe("Scheduling is blocked due to non-empty scheduling gates");
    }

    [Fact]
    public void Pod_3_and_4_evicted_with_and_without_message()
    {
        var model = Fixtures.FromItems(
            PodJson("EvictedPod", """{"phase":"Failed","reason":"Evicted","message":"Pod was rejected: The node had condition: [DiskPressure]. "}"""),
            PodJson("EvictedPod2", """{"phase":"Failed","reason":"Evicted"}"""));

        var result = Diagnose(model);

        var disk = Single(result, FindingCodes.Evicted, "Pod", "EvictedPod");
        disk.Evidence.ShouldContain(e => e.Text.Contains("The node had condition: [DiskPressure]"));
        disk.SubReason.ShouldBe("disk-pressure");
        Single(result, FindingCodes.Evicted, "Pod", "EvictedPod2").Evidence.ShouldContain(e => e.Text.Contains("Pod EvictedPod2 has been evicted"));
    }

    [Fact]
    public void Pod_5_running_not_ready_without_events_is_not_reported()
    {
        var model = Fixtures.FromItems(PodJson("Pod1", """{"phase":"Running","containerStatuses":[{"name":"c","ready":false}]}"""));

        Diagnose(model).Findings.ShouldBeEmpty();
    }

    [Fact]
    public void Pod_6_sandbox_failure_while_init_container_creating()
    {
        var model = Fixtures.FromItems(
            PodJson("Pod1", """{"phase":"Pending","initContainerStatuses":[{"name":"i1","ready":true,"state":{"running":{}}},{"name":"i2","ready":false,"state":{"waiting":{"reason":"ContainerCreating"}}}]}"""),
            EventJson("Pod1", "FailedCreatePodSandBox", "failed to create the pod sandbox ..."));

        var f = Single(Diagnose(model), ExtraFindingCodes.ContainerCreateFailed, "Pod", "Pod1");
        f.SubReason.ShouldBe("sandbox");
        f.Evidence.ShouldContain(e => e.Text.Contains("failed to create the pod sandbox"));
    }

    [Fact]
    public void Pod_7_container_creating_without_event_is_not_reported()
    {
        var model = Fixtures.FromItems(PodJson("Pod1", """{"phase":"Pending","containerStatuses":[{"name":"c","ready":false,"state":{"waiting":{"reason":"ContainerCreating"}}}]}"""));

        Diagnose(model).Findings.ShouldBeEmpty();
    }

    [Fact]
    public void Pod_8_three_failing_containers_of_five()
    {
        var model = Fixtures.FromItems(
            PodJson("Pod1", """
                {"phase":"Pending","containerStatuses":[
                  {"name":"Container1","ready":false,"state":{"waiting":{"reason":"ContainerCreating"}}},
                  {"name":"Container2","ready":false,"state":{"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{"terminated":{"reason":"test reason"}}},
                  {"name":"Container3","ready":false,"state":{"waiting":{"reason":"RandomReason","message":"This container is waiting for a random reason"}}},
                  {"name":"Container4","ready":false,"state":{"waiting":{"reason":"PreStartHookError","message":"Container4 encountered PreStartHookError"}}},
                  {"name":"Container5","ready":false,"state":{"waiting":{"reason":"CrashLoopBackOff","message":"Container4 encountered CrashLoopBackOff"}}}]}
                """),
            EventJson("Pod1", "RandomEvent", "irrelevant"));

        var result = Diagnose(model);

        var crash = Single(result, FindingCodes.CrashLoop, "Pod", "Pod1");
        crash.Evidence.ShouldContain(e => e.Text.Contains("container Container2") && e.Text.Contains("test reason"));
        crash.Evidence.ShouldContain(e => e.Text.Contains("container Container5"));
        Single(result, ExtraFindingCodes.ContainerCreateFailed, "Pod", "Pod1").Evidence.ShouldContain(e => e.Text.Contains("Container4 encountered PreStartHookError"));
        result.Findings.SelectMany(f => f.Evidence).ShouldNotContain(e => e.Text.Contains("Container3") || e.Text.Contains("Container1 "));
        result.Findings.Count.ShouldBe(2);
    }

    [Fact]
    public void Pod_9_failed_pod_with_terminated_containers()
    {
        var model = Fixtures.FromItems(PodJson("Pod1", """
            {"phase":"Failed","containerStatuses":[
              {"name":"Container1","ready":false,"state":{"terminated":{"exitCode":1,"reason":"Error"}}},
              {"name":"Container2","ready":false,"state":{"terminated":{"exitCode":2,"reason":""}}}]}
            """));

        var crash = Single(Diagnose(model), FindingCodes.CrashLoop, "Pod", "Pod1");
        crash.Evidence.ShouldContain(e => e.Text.Contains("container Container1") && e.Text.Contains("exitCode=1"));
        crash.Evidence.ShouldContain(e => e.Text.Contains("container Container2") && e.Text.Contains("exitCode=2"));
    }

    private static string DeploymentJson(string name, string ns, string? replicas, string status, string labels = "{}") =>
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"" + ns + "\",\"labels\":" + labels + "},"
        + "\"spec\":{" + (replicas is null ? "" : "\"replicas\":" + replicas + ",") + "\"selector\":{\"matchLabels\":{\"app\":\"x\"}}},\"status\":" + status + "}";

    [Fact]
    public void Deployment_replicas_unavailable()
    {
        var model = Fixtures.FromItems(DeploymentJson("example", "default", "3", """{"replicas":2,"availableReplicas":1}"""));

        var f = Single(Diagnose(model), FindingCodes.ReplicasUnavailable, "Deployment", "example");
        f.Evidence.ShouldContain(e => e.Text == "Deployment default/example has 3 replicas but 0 are available with status running");
    }

    [Fact]
    public void Deployment_nil_replicas_is_not_reported_as_unavailable()
    {
        var model = Fixtures.FromItems(DeploymentJson("example", "default", null, """{"replicas":2,"availableReplicas":1}"""));

        var result = Diagnose(model);

        result.WithCode(FindingCodes.ReplicasUnavailable).ShouldBeEmpty();
        result.WithCode(FindingCodes.RolloutStuck).ShouldBeEmpty();
    }

    [Fact]
    public void Deployment_namespace_and_label_selector_filtering()
    {
        var model = Fixtures.FromItems(
            DeploymentJson("example", "default", "3", """{"replicas":2,"availableReplicas":1}"""),
            DeploymentJson("example", "other-namespace", "3", """{"replicas":2,"availableReplicas":1}"""),
            DeploymentJson("labelled", "default", "3", "{}", """{"app":"deployment"}"""));

        Diagnose(model).WithCode(FindingCodes.ReplicasUnavailable).Select(f => f.Object.Name).ShouldBe(["example", "labelled"], ignoreOrder: true);
        Diagnose(model, "default", "app=deployment").WithCode(FindingCodes.ReplicasUnavailable).Single().Object.Name.ShouldBe("labelled");
    }

    [Fact]
    public void Deployment_progress_deadline_exceeded_quotes_the_condition()
    {
        var model = Fixtures.FromItems(DeploymentJson("example", "default", "1", """
            {"replicas":1,"readyReplicas":1,"availableReplicas":1,"updatedReplicas":1,"conditions":[
              {"type":"Available","status":"True"},
              {"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded","message":"ReplicaSet \"example-6b7f8c9d5\" has timed out progressing."}]}
            """));

        Single(Diagnose(model), FindingCodes.RolloutStuck, "Deployment", "example").Evidence
            .ShouldContain(e => e.Text == "Deployment default/example has condition Progressing=False, reason ProgressDeadlineExceeded: ReplicaSet \"example-6b7f8c9d5\" has timed out progressing.");
    }

    [Fact]
    public void Deployment_progressing_true_is_not_reported()
    {
        var model = Fixtures.FromItems(DeploymentJson("example", "default", "1", """
            {"replicas":1,"readyReplicas":1,"availableReplicas":1,"updatedReplicas":1,"conditions":[{"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable"}]}
            """));

        var result = Diagnose(model);

        result.WithCode(FindingCodes.RolloutStuck).ShouldBeEmpty();
        result.WithCode(FindingCodes.ReplicasUnavailable).ShouldBeEmpty();
    }

    private const string TestService = """{"apiVersion":"v1","kind":"Service","metadata":{"name":"test-service","namespace":"default"},"spec":{"selector":{"app":"test"},"ports":[{"port":80}]}}""";

    [Fact]
    public void Service_without_endpoints_names_the_expected_label_and_its_warning_events()
    {
        var model = Fixtures.FromItems(TestService,
            """{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"test-service","namespace":"default"},"subsets":[]}""",
            EventJson("test-service", "SyncFailed", "Test warning message", kind: "Service"),
            EventJson("test-service", "Unrelated", "a pod named like the service", kind: "Pod"));

        var f = Single(Diagnose(model), FindingCodes.ServiceNoEndpoints, "Service", "test-service");
        f.SubReason.ShouldBe("selector-mismatch");
        f.Evidence.ShouldContain(e => e.Text.Contains("selector: app=test"));
        f.Evidence.ShouldContain(e => e.Text.Contains("Test warning message"));
        f.Evidence.ShouldNotContain(e => e.Text.Contains("a pod named like the service"));
    }

    [Fact]
    public void Service_with_only_not_ready_endpoints_including_a_nil_target_ref()
    {
        var model = Fixtures.FromItems(TestService,
            """{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"test-service","namespace":"default"},"subsets":[{"notReadyAddresses":[{"ip":"10.0.0.1","targetRef":{"kind":"Pod","name":"test-pod"}},{"ip":"10.0.0.2"}]}]}""");

        var f = Single(Diagnose(model), FindingCodes.ServiceNoEndpoints, "Service", "test-service");
        f.SubReason.ShouldBe("no-ready-pods");
        f.Summary.ShouldBe("Service has not ready endpoints, pods: [Pod/test-pod], expected 2");
    }

    [Fact]
    public void Service_leader_election_endpoints_and_endpoints_without_service_are_not_reported()
    {
        var model = Fixtures.FromItems(TestService,
            """{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"test-service","namespace":"default","annotations":{"control-plane.alpha.kubernetes.io/leader":"{}"}},"subsets":[]}""",
            """{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"orphan","namespace":"default"},"subsets":[]}""");

        Diagnose(model).Findings.ShouldBeEmpty();
    }

    [Fact]
    public void Node_ready_false_is_reported_healthy_and_condition_less_nodes_are_not_and_vendor_conditions_are_ignored()
    {
        static string NodeJson(string name, string conditions) => $$$"""{"apiVersion":"v1","kind":"Node","metadata":{"name":"{{{name}}}","labels":{"app":"node"}},"status":{"conditions":{{{conditions}}}}}""";
        var model = Fixtures.FromItems(
            NodeJson("Node1", "[]"),
            NodeJson("Node2", """[{"type":"Ready","status":"False"},{"type":"MemoryPressure","status":"True"},{"type":"UnknownNodeConditionType","status":"CompletelyUnknown"}]"""),
            NodeJson("Node3", """[{"type":"Ready","status":"True"}]"""),
            NodeJson("Node4", """[{"type":"Ready","status":"True"},{"type":"MemoryPressure","status":"True","reason":"KubeletHasInsufficientMemory"},{"type":"ContainerRuntimeReady","status":"False"}]"""));

        var result = Diagnose(model, ns: null);

        Single(result, FindingCodes.NodeNotReady, "Node", "Node2").Summary.ShouldContain("NotReady");
        Single(result, FindingCodes.NodePressure, "Node", "Node4").SubReason.ShouldBe("memory-pressure");
        result.Findings.ShouldNotContain(f => f.Object.Name == "Node1" || f.Object.Name == "Node3");
        result.Findings.Count.ShouldBe(2);
    }

    [Fact]
    public void Hpa_scaling_limited_too_few_replicas_is_not_reported_but_failed_metrics_are()
    {
        var model = Fixtures.FromItems(
            """{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"ok","namespace":"default"},"spec":{"minReplicas":2,"maxReplicas":5,"scaleTargetRef":{"kind":"Deployment","name":"web"}},"status":{"currentReplicas":2,"desiredReplicas":2,"conditions":[{"type":"ScalingLimited","status":"True","reason":"TooFewReplicas","message":"the desired replica count is less than the minimum replica count"}]}}""",
            """{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"blind","namespace":"default"},"spec":{"maxReplicas":5,"scaleTargetRef":{"kind":"Deployment","name":"web"}},"status":{"conditions":[{"type":"ScalingActive","status":"False","reason":"FailedGetResourceMetric","message":"the HPA was unable to compute the replica count: failed to get cpu utilization"}]}}""",
            """{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"maxed","namespace":"default"},"spec":{"maxReplicas":4,"scaleTargetRef":{"kind":"Deployment","name":"api"}},"status":{"currentReplicas":4,"desiredReplicas":4,"conditions":[{"type":"ScalingLimited","status":"True","reason":"TooManyReplicas","message":"the desired replica count is more than the maximum replica count"}]}}""");

        var result = Diagnose(model);

        result.Findings.ShouldNotContain(f => f.Object.Name == "ok");
        Single(result, FindingCodes.HpaMetricsUnavailable, "HorizontalPodAutoscaler", "blind").Evidence.ShouldContain(e => e.Text.Contains("failed to get cpu utilization"));
        Single(result, FindingCodes.HpaAtMax, "HorizontalPodAutoscaler", "maxed").Fix!.Patch!.ToJsonString().ShouldBe("""{"spec":{"maxReplicas":8}}""");
    }

    [Fact]
    public void Pvc_pending_with_provisioning_failed_quotes_the_event()
    {
        var model = Fixtures.FromItems(
            """{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"data","namespace":"default"},"spec":{"storageClassName":"fast","accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"5Gi"}}},"status":{"phase":"Pending"}}""",
            EventJson("data", "ProvisioningFailed", "storageclass.storage.k8s.io \\\"fast\\\" not found", kind: "PersistentVolumeClaim"));

        var f = Single(Diagnose(model), FindingCodes.PvcPending, "PersistentVolumeClaim", "data");
        f.SubReason.ShouldBe("provisioning-failed");
        f.Cause.ShouldContain("\"fast\" not found");
    }

    [Fact]
    public void Job_failed_is_reported_but_a_job_that_succeeded_after_retries_is_not()
    {
        var model = Fixtures.FromItems(
            """{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"broken","namespace":"default"},"spec":{"backoffLimit":2},"status":{"failed":3,"conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded","message":"Job has reached the specified backoff limit"}]}}""",
            """{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"flaky","namespace":"default"},"spec":{"backoffLimit":6},"status":{"failed":2,"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}}""",
            """{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"bad-schedule","namespace":"default"},"spec":{"schedule":"every day","jobTemplate":{"spec":{}}}}""");

        var result = Diagnose(model);

        Single(result, FindingCodes.JobFailed, "Job", "broken").SubReason.ShouldBe("backoff-limit-exceeded");
        result.Findings.ShouldNotContain(f => f.Object.Name == "flaky");
        Single(result, FindingCodes.CronJobFailing, "CronJob", "bad-schedule").SubReason.ShouldBe("invalid-schedule");
    }

    [Fact]
    public void Statefulset_with_missing_ready_replicas()
    {
        var model = Fixtures.FromItems("""{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"example","namespace":"default"},"spec":{"replicas":3,"serviceName":"example-svc","selector":{"matchLabels":{"app":"e"}}},"status":{"replicas":3,"readyReplicas":1}}""");

        Single(Diagnose(model), FindingCodes.ReplicasUnavailable, "StatefulSet", "example").Summary.ShouldContain("1/3");
    }
}
