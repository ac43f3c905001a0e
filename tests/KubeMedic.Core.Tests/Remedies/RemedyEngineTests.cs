using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Remedies;

namespace KubeMedic.Core.Tests.Remedies;

public sealed class RemedyEngineTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-23T11:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private static JsonObject After(RemedyPlan plan, JsonObject target) => PatchApplier.Apply(target, plan.Patch!, plan.PatchType);

    private static void UndoRestores(RemedyPlan plan, JsonObject target)
    {
        var after = After(plan, target);
        var restored = PatchApplier.Apply(after, plan.UndoPatch!, plan.UndoPatchType);
        JsonNode.DeepEquals(restored, target).ShouldBeTrue($"undo of {plan.Remedy} did not restore the object:\n{restored}\nvs\n{target}");
    }

    private static string Container(JsonObject o, params string[] path)
    {
        JsonNode? n = o["spec"]!["template"]!["spec"]!["containers"]![0];
        foreach (var p in path)
        {
            n = n?[p];
        }

        return n?.ToString() ?? "<null>";
    }

    // limit, request, peak (MiB or null), cap(Gi), expected limit, expected request
    [Theory]
    [InlineData("512Mi", "256Mi", null, 8, "768Mi", "256Mi")]          // x1.5 wins, peak unknown
    [InlineData("512Mi", "256Mi", 700, 8, "875Mi", "700Mi")]           // peak+25% = 875 > 768; request raised to peak
    [InlineData("1Gi", "1Gi", 400, 8, "1536Mi", "1Gi")]                // request already above peak: untouched
    [InlineData("4Gi", "2Gi", null, 5, "5Gi", "2Gi")]                  // capped at 5Gi
    [InlineData("600Mi", null, 100, 8, "900Mi", "100Mi")]              // no request: set to peak
    public void Oom_raises_limit_by_documented_rule(string limit, string? request, int? peakMiB, int capGi, string expectedLimit, string expectedRequest)
    {
        var deploy = Fixtures.Deployment(memLimit: limit, memRequest: request);
        var finding = Fixtures.Finding(FindingCodes.OomKilled, new ObjectRef("Pod", "production", "order-service-abc"), Fixtures.Ref(deploy));
        var ctx = new RemedyContext
        {
            Target = deploy,
            PeakMemoryBytes = peakMiB * 1024L * 1024,
            Options = RemedyOptions.Default with { MemoryCapBytes = capGi * 1024L * 1024 * 1024 },
        };

        var plan = RemedyEngine.Plan(finding, ctx).ShouldHaveSingleItem();

        plan.Remedy.ShouldBe(RemedyIds.RaiseMemoryLimit);
        plan.PatchType.ShouldBe(PatchKind.Strategic);
        var after = After(plan, deploy);
        Container(after, "resources", "limits", "memory").ShouldBe(expectedLimit);
        Container(after, "resources", "requests", "memory").ShouldBe(expectedRequest);
        Container(after, "resources", "limits", "cpu").ShouldBe("500m"); // untouched
        plan.Kubectl.ShouldStartWith($"kubectl set resources deployment/order-service -n production -c order-service --limits=memory={expectedLimit}");
        plan.Why.ShouldContain("OOM-killed");
        UndoRestores(plan, deploy);
    }

    [Theory]
    [InlineData("8Gi", "already at the cap")]
    public void Oom_at_cap_escalates(string limit, string reason)
    {
        var deploy = Fixtures.Deployment(memLimit: limit);
        var plan = RemedyEngine.Plan(Fixtures.Finding(FindingCodes.OomKilled, Fixtures.Ref(deploy)), new RemedyContext { Target = deploy }).ShouldHaveSingleItem();
        plan.Action.ShouldBe(RemedyAction.Escalate);
        plan.Why.ShouldContain(reason);
    }

    [Fact]
    public void Oom_never_exceeds_the_largest_node()
    {
        var deploy = Fixtures.Deployment(memLimit: "3Gi");
        var ctx = new RemedyContext { Target = deploy, Nodes = [Fixtures.Node("n1", memory: "4Gi"), Fixtures.Node("n2", memory: "2Gi")] };
        var plan = RemedyEngine.Plan(Fixtures.Finding(FindingCodes.OomKilled, Fixtures.Ref(deploy)), ctx).ShouldHaveSingleItem();
        Container(After(plan, deploy), "resources", "limits", "memory").ShouldBe("4Gi");
        plan.Risk.ShouldBe(RemedyRisk.Medium);
    }

    [Fact]
    public void Oom_without_limit_escalates()
    {
        var deploy = Fixtures.Deployment();
        deploy["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!.AsObject().Remove("limits");
        var plan = RemedyEngine.Plan(Fixtures.Finding(FindingCodes.OomKilled, Fixtures.Ref(deploy)), new RemedyContext { Target = deploy }).ShouldHaveSingleItem();
        plan.IsEscalation.ShouldBeTrue();
        plan.Why.ShouldContain("no memory limit");
    }

    [Fact]
    public void Oom_picks_the_killed_container_from_pod_status()
    {
        var deploy = Fixtures.Deployment();
        var containers = deploy["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        var sidecar = containers[0]!.DeepClone().AsObject();
        sidecar["name"] = "sidecar";
        sidecar["resources"]!["limits"]!["memory"] = "64Mi";
        containers.Add(sidecar);
        var pod = Fixtures.Pod("order-service-abc", "production", "sidecar", lastTerminated: "OOMKilled");
        var plan = RemedyEngine.Plan(Fixtures.Finding(FindingCodes.OomKilled, Fixtures.Ref(pod), Fixtures.Ref(deploy)), new RemedyContext { Target = deploy, Pod = pod }).ShouldHaveSingleItem();
        var after = After(plan, deploy);
        after["spec"]!["template"]!["spec"]!["containers"]![1]!["resources"]!["limits"]!["memory"]!.ToString().ShouldBe("96Mi");
        after["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!["memory"]!.ToString().ShouldBe("512Mi");
    }

    [Fact]
    public void Image_pull_rolls_back_to_last_revision_with_a_working_image()
    {
        var deploy = Fixtures.Deployment(image: "registry.local/order-service:2.4.0-typo", revision: 3, maxUnavailable: "100%");
        var rs1 = Fixtures.ReplicaSet(deploy, 1, "registry.local/order-service:2.2.0", ready: 0);
        var rs2 = Fixtures.ReplicaSet(deploy, 2, "registry.local/order-service:2.3.1", ready: 2);
        var rs3 = Fixtures.ReplicaSet(deploy, 3, "registry.local/order-service:2.4.0-typo", ready: 0);
        var pod = Fixtures.Pod("order-service-x", "production", "order-service", waitingReason: "ImagePullBackOff", image: "registry.local/order-service:2.4.0-typo");
        var finding = Fixtures.Finding(FindingCodes.ImagePull, Fixtures.Ref(pod), Fixtures.Ref(deploy));

        var plan = RemedyEngine.Plan(finding, new RemedyContext { Target = deploy, Pod = pod, ReplicaSets = [rs1, rs3, rs2] }).ShouldHaveSingleItem();

        plan.Remedy.ShouldBe(RemedyIds.Rollback);
        plan.PatchType.ShouldBe(PatchKind.Json);
        plan.Kubectl.ShouldStartWith("kubectl rollout undo deployment/order-service -n production --to-revision=2");
        var after = After(plan, deploy);
        Container(after, "image").ShouldBe("registry.local/order-service:2.3.1");
        after["spec"]!["template"]!["metadata"]!["labels"]!.AsObject().ContainsKey("pod-template-hash").ShouldBeFalse();
        after["spec"]!["strategy"]!["rollingUpdate"]!["maxUnavailable"]!.ToString().ShouldBe("25%");
        plan.ReplicasAffected.ShouldBe(1); // 25% of 3 rounds down, at least 1
        UndoRestores(plan, deploy);
    }

    [Fact]
    public void Image_pull_with_given_image_sets_it()
    {
        var deploy = Fixtures.Deployment(image: "bad:tag");
        var plan = RemedyEngine.Plan(Fixtures.Finding(FindingCodes.ImagePull, Fixtures.Ref(deploy)), new RemedyContext { Target = deploy, Image = "good:1.0" }).ShouldHaveSingleItem();
        plan.Remedy.ShouldBe(RemedyIds.SetImage);
        plan.Kubectl.ShouldBe("kubectl set image deployment/order-service -n production order-service=good:1.0");
        Container(After(plan, deploy), "image").ShouldBe("good:1.0");
        UndoRestores(plan, deploy);
    }

    [Fact]
    public void Image_pull_with_no_other_revision_escalates()
    {
        var deploy = Fixtures.Deployment(image: "bad:tag", revision: 1);
        var rs1 = Fixtures.ReplicaSet(deploy, 1, "bad:tag", 0);
        var plan = RemedyEngine.Plan(Fixtures.Finding(FindingCodes.ImagePull, Fixtures.Ref(deploy)), new RemedyContext { Target = deploy, ReplicaSets = [rs1] }).ShouldHaveSingleItem();
        plan.IsEscalation.ShouldBeTrue();
        plan.Why.ShouldContain("--image");
    }

    [Theory]
    [InlineData(FindingCodes.RolloutStuck)]
    [InlineData(FindingCodes.ReadinessFailing)]
    public void Stuck_rollout_is_undone_to_last_good_revision(string code)
    {
        var deploy = Fixtures.Deployment(image: "app:3", revision: 3);
        var plan = RemedyEngine.Plan(Fixtures.Finding(code, Fixtures.Ref(deploy)), new RemedyContext
        {
            Target = deploy,
            ReplicaSets = [Fixtures.ReplicaSet(deploy, 1, "app:1", 0), Fixtures.ReplicaSet(deploy, 2, "app:2", 0), Fixtures.ReplicaSet(deploy, 3, "app:3", 1)],
        }).ShouldHaveSingleItem();
        plan.Remedy.ShouldBe(RemedyIds.Rollback);
        Container(After(plan, deploy), "image").ShouldBe("app:2");
        ((JsonArray)plan.Patch!).Count.ShouldBe(1); // 25% already: no strategy change
    }

    [Theory]
    [InlineData(30, true)]   // deployed 30 min before: roll back
    [InlineData(600, false)] // deployed 10 h before: escalate, no guessing
    public void Crash_loop_rolls_back_only_after_a_deploy(int minutesAgo, bool rollback)
    {
        var deploy = Fixtures.Deployment(image: "app:3", revision: 3);
        var created = Now.AddMinutes(-minutesAgo).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var ctx = new RemedyContext
        {
            Target = deploy,
            Now = Now,
            ReplicaSets = [Fixtures.ReplicaSet(deploy, 2, "app:2", 0, "2026-11-20T00:00:00Z"), Fixtures.ReplicaSet(deploy, 3, "app:3", 0, created)],
        };
        var plan = RemedyEngine.Plan(Fixtures.Finding(FindingCodes.CrashLoop, Fixtures.Ref(deploy)), ctx).ShouldHaveSingleItem();
        plan.Action.ShouldBe(rollback ? RemedyAction.Patch : RemedyAction.Escalate);
        if (!rollback)
        {
            plan.Why.ShouldContain("Not guessing");
        }
    }

    [Fact]
    public void Unschedulable_lowers_requests_to_fit_the_largest_node()
    {
        var deploy = Fixtures.Deployment();
        deploy["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["requests"]!["cpu"] = "8";
        deploy["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!["cpu"] = "8";
        var finding = Fixtures.Finding(FindingCodes.Unschedulable, Fixtures.Ref(deploy), cause: "0/2 nodes are available: 2 Insufficient cpu.");
        var plan = RemedyEngine.Plan(finding, new RemedyContext { Target = deploy, Nodes = [Fixtures.Node("n1", cpu: "4"), Fixtures.Node("n2", cpu: "2")] }).ShouldHaveSingleItem();
        plan.Remedy.ShouldBe(RemedyIds.LowerRequests);
        Container(After(plan, deploy), "resources", "requests", "cpu").ShouldBe("3600m");
        UndoRestores(plan, deploy);
    }

    [Fact]
    public void Unschedulable_when_cluster_is_full_scales_down_by_one()
    {
        var deploy = Fixtures.Deployment(replicas: 4);
        var finding = Fixtures.Finding(FindingCodes.Unschedulable, Fixtures.Ref(deploy), subReason: "insufficient-memory");
        var plan = RemedyEngine.Plan(finding, new RemedyContext { Target = deploy, Nodes = [Fixtures.Node("n1")] }).ShouldHaveSingleItem();
        plan.Remedy.ShouldBe(RemedyIds.ScaleDown);
        plan.PatchType.ShouldBe(PatchKind.Merge);
        plan.ResultingReplicas.ShouldBe(3);
        plan.Kubectl.ShouldBe("kubectl scale deployment/order-service -n production --replicas=3");
        UndoRestores(plan, deploy);
    }

    [Fact]
    public void Unschedulable_for_another_reason_escalates()
    {
        var deploy = Fixtures.Deployment();
        var finding = Fixtures.Finding(FindingCodes.Unschedulable, Fixtures.Ref(deploy), cause: "0/3 nodes are available: 3 node(s) had untolerated taint");
        RemedyEngine.Plan(finding, new RemedyContext { Target = deploy }).ShouldHaveSingleItem().IsEscalation.ShouldBeTrue();
    }

    [Fact]
    public void Pinned_to_lost_node_removes_the_pin_and_deletes_the_stuck_pod()
    {
        var deploy = Fixtures.Deployment();
        deploy["spec"]!["template"]!["spec"]!["nodeSelector"] = new JsonObject { ["kubernetes.io/hostname"] = "node-2" };
        var pod = Fixtures.Pod("order-service-abc", "production", "order-service", node: "node-2");
        var finding = Fixtures.Finding(FindingCodes.NodeLost, Fixtures.Ref(pod), Fixtures.Ref(deploy));
        var plans = RemedyEngine.Plan(finding, new RemedyContext { Target = deploy, Pod = pod, Nodes = [Fixtures.Node("node-1"), Fixtures.Node("node-2", ready: false)] });
        plans.Count.ShouldBe(2);
        plans[0].Remedy.ShouldBe(RemedyIds.RemoveHostnamePin);
        After(plans[0], deploy)["spec"]!["template"]!["spec"]!["nodeSelector"]!.AsObject().Count.ShouldBe(0);
        UndoRestores(plans[0], deploy);
        plans[1].Action.ShouldBe(RemedyAction.DeletePod);
        plans[1].Target.ShouldBe(new ObjectRef("Pod", "production", "order-service-abc"));
        plans[1].Kubectl.ShouldBe("kubectl delete pod order-service-abc -n production --grace-period=0 --force");
    }

    [Fact]
    public void Bare_pod_on_lost_node_is_never_deleted()
    {
        var pod = Fixtures.Pod("lonely", "default", "c", ownerKind: null);
        var plans = RemedyEngine.Plan(Fixtures.Finding(FindingCodes.NodeLost, Fixtures.Ref(pod)), new RemedyContext { Target = pod });
        plans.ShouldHaveSingleItem().IsEscalation.ShouldBeTrue();
    }

    [Fact]
    public void Liveness_probe_on_undeclared_port_is_pointed_at_the_declared_one()
    {
        var deploy = Fixtures.Deployment();
        deploy["spec"]!["template"]!["spec"]!["containers"]![0]!["livenessProbe"]!["httpGet"]!["port"] = 9090;
        var plan = RemedyEngine.Plan(Fixtures.Finding(FindingCodes.LivenessRestarts, Fixtures.Ref(deploy)), new RemedyContext { Target = deploy }).ShouldHaveSingleItem();
        plan.Remedy.ShouldBe(RemedyIds.FixProbePort);
        var after = After(plan, deploy);
        Container(after, "livenessProbe", "httpGet", "port").ShouldBe("8080");
        Container(after, "livenessProbe", "httpGet", "path").ShouldBe("/healthz");
        UndoRestores(plan, deploy);
    }

    [Fact]
    public void Liveness_probe_with_right_port_and_no_evidence_escalates()
    {
        // raise-initial-delay needs evidence of a slow start (ProbeRemedyTests): no guessing
        var deploy = Fixtures.Deployment();
        var plan = RemedyEngine.Plan(Fixtures.Finding(FindingCodes.LivenessRestarts, Fixtures.Ref(deploy)), new RemedyContext { Target = deploy }).ShouldHaveSingleItem();
        plan.IsEscalation.ShouldBeTrue();
        plan.Why.ShouldContain("no evidence of a slow start");
    }

    [Fact]
    public void Cpu_pressure_scales_down_low_priority_workloads_never_below_pdb()
    {
        var reviewsV2 = Fixtures.Deployment("reviews-v2", "bookinfo", replicas: 4, priorityClass: "low");
        var reviewsV3 = Fixtures.Deployment("reviews-v3", "bookinfo", replicas: 2, priorityClass: "low");
        var payments = Fixtures.Deployment("payments", "prod", replicas: 4, priorityClass: "critical");
        var pdb = JsonNode.Parse("""{"kind":"PodDisruptionBudget","metadata":{"name":"r3","namespace":"bookinfo"},"spec":{"minAvailable":2,"selector":{"matchLabels":{"app":"reviews-v3"}}}}""")!.AsObject();
        var classes = new[]
        {
            JsonNode.Parse("""{"kind":"PriorityClass","metadata":{"name":"low"},"value":100}""")!.AsObject(),
            JsonNode.Parse("""{"kind":"PriorityClass","metadata":{"name":"critical"},"value":100000}""")!.AsObject(),
        };
        var node = Fixtures.Node("ip-10-0-1-34");
        var finding = Fixtures.Finding(FindingCodes.NodePressure, Fixtures.Ref(node), subReason: "cpu", cause: "CPU 97%");

        var plans = RemedyEngine.Plan(finding, new RemedyContext
        {
            Target = node, Workloads = [payments, reviewsV3, reviewsV2], PriorityClasses = classes, PodDisruptionBudgets = [pdb],
        });

        var plan = plans.ShouldHaveSingleItem(); // reviews-v3 is at its PDB floor, payments is critical
        plan.Target.Name.ShouldBe("reviews-v2");
        plan.ResultingReplicas.ShouldBe(2);
        plan.Remedy.ShouldBe(RemedyIds.ScaleDownLowPriority);
    }

    [Fact]
    public void Unknown_code_escalates()
    {
        var deploy = Fixtures.Deployment();
        var plan = RemedyEngine.Plan(Fixtures.Finding(FindingCodes.ConfigMissing, Fixtures.Ref(deploy)), new RemedyContext { Target = deploy }).ShouldHaveSingleItem();
        plan.IsEscalation.ShouldBeTrue();
        plan.Patch.ShouldBeNull();
    }
}
