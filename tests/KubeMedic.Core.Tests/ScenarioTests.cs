using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Tests;

/// <summary>The seed scenarios: the right code on the right object, with sub-reasons, evidence, fixes and causal links.</summary>
public sealed class ScenarioTests
{
    [Theory]
    // seed 000: the OOM walkthrough
    [InlineData("seed000-oom.json", "oom-killed", "Deployment", "production", "order-service", "crash-loop", "high")]
    // seed 002: four deployment disasters
    [InlineData("seed002-disasters.json", "image-pull", "Deployment", "default", "frontend", "not-found", "critical")]
    [InlineData("seed002-disasters.json", "unschedulable", "Deployment", "default", "analytics", "insufficient-cpu", "critical")]
    [InlineData("seed002-disasters.json", "rollout-stuck", "Deployment", "default", "api-server", "progress-deadline-exceeded", "critical")]
    [InlineData("seed002-disasters.json", "readiness-failing", "Deployment", "default", "api-server", "http-status", "medium")]
    [InlineData("seed002-disasters.json", "risky-rollout", "Deployment", "default", "api-server", "max-unavailable-100", "high")]
    [InlineData("seed002-disasters.json", "node-lost", "Deployment", "default", "database", "pinned-to-lost-node", "critical")]
    [InlineData("seed002-disasters.json", "single-point-of-failure", "Deployment", "default", "database", "pinned-to-node", "high")]
    [InlineData("seed002-disasters.json", "node-not-ready", "Node", null, "node-1", "kubelet-stopped-posting", "critical")]
    [InlineData("seed002-disasters.json", "service-no-endpoints", "Service", "default", "frontend", "no-ready-pods", "high")]
    public void Finds_the_right_code_on_the_right_object(string fixture, string code, string kind, string? ns, string name, string subReason, string severity)
    {
        var result = Fixtures.Diagnose(fixture);

        var finding = result.Find(code, new ObjectRef(kind, ns, name));

        finding.ShouldNotBeNull($"expected {code} on {kind}/{ns}/{name}; got: {string.Join(", ", result.Findings.Select(f => f.Id))}");
        finding.SubReason.ShouldBe(subReason);
        finding.Severity.ToString().ToLowerInvariant().ShouldBe(severity);
        finding.Evidence.ShouldNotBeEmpty();
        finding.Cause.ShouldNotBeNullOrWhiteSpace();
        finding.Fix.ShouldNotBeNull();
        finding.Docs.ShouldStartWith("https://");
    }

    [Fact]
    public void Oom_is_reported_for_the_ready_pod_whose_oom_is_only_in_last_state()
    {
        var oom = Fixtures.Diagnose("seed000-oom.json").Find(FindingCodes.OomKilled, new ObjectRef("Deployment", "production", "order-service"))!;

        oom.Pods.ShouldBe(["order-service-7c9d8e6f4-x7k2p", "order-service-7c9d8e6f4-m9q4z"], ignoreOrder: true);
        oom.Evidence.ShouldContain(e => e.Text.Contains("resources.limits.memory: 512Mi"));
        oom.Fix!.Commands[0].ShouldBe("kubectl set resources deployment/order-service -n production -c order-service --limits=memory=1Gi");
        oom.Fix.Patch!.ToJsonString().ShouldContain("\"memory\":\"1Gi\"");
    }

    [Fact]
    public void Image_pull_gives_the_last_revisions_working_image()
    {
        var pull = Fixtures.Diagnose("seed002-disasters.json").Find(FindingCodes.ImagePull, new ObjectRef("Deployment", "default", "frontend"))!;

        pull.Fix!.Commands.ShouldContain("kubectl rollout undo deployment/frontend -n default --to-revision=1");
        pull.Fix.Commands.ShouldContain("kubectl set image deployment/frontend -n default web=nginx:1.25.3");
        pull.Fix.Patch!.ToJsonString().ShouldContain("nginx:1.25.3\"");
        pull.Pods.Count.ShouldBe(3);
    }

    [Fact]
    public void Stuck_rollout_points_at_the_failing_readiness_probe_of_the_new_replicaset()
    {
        var stuck = Fixtures.Diagnose("seed002-disasters.json").Find(FindingCodes.RolloutStuck, new ObjectRef("Deployment", "default", "api-server"))!;

        stuck.Related.ShouldContain(r => r.Code == FindingCodes.ReadinessFailing && r.Object == new ObjectRef("Deployment", "default", "api-server") && r.Relation == "caused-by");
        stuck.Cause.ShouldContain("api-server-84f7d6b9c5");
        stuck.Cause.ShouldContain("statuscode: 404");
        stuck.Fix!.Commands.ShouldContain("kubectl rollout undo deployment/api-server -n default --to-revision=1");
    }

    [Fact]
    public void Pending_replacement_on_a_lost_node_points_at_node_not_ready()
    {
        var result = Fixtures.Diagnose("seed002-disasters.json");
        var node = new ObjectRef("Node", null, "node-1");

        var pending = result.Find(FindingCodes.Unschedulable, new ObjectRef("Deployment", "default", "database"))!;
        pending.Related.ShouldContain(r => r.Code == FindingCodes.NodeNotReady && r.Object == node);
        result.Find(FindingCodes.NodeLost, new ObjectRef("Deployment", "default", "database"))!.Related.ShouldContain(r => r.Object == node);
        result.Find(FindingCodes.NodeNotReady, node)!.Related.ShouldContain(r => r.Code == FindingCodes.NodeLost && r.Relation == "affects");
    }

    [Fact]
    public void Service_without_endpoints_points_at_the_crashing_pods_finding()
    {
        var result = Fixtures.Diagnose("seed002-disasters.json");

        result.Find(FindingCodes.ServiceNoEndpoints, new ObjectRef("Service", "default", "frontend"))!
            .Related.ShouldContain(r => r.Code == FindingCodes.ImagePull && r.Object.Name == "frontend");
        result.Find(FindingCodes.ServiceNoEndpoints, new ObjectRef("Service", "default", "api-server"))!
            .Related.ShouldContain(r => r.Code == FindingCodes.ReadinessFailing);
    }

    [Fact]
    public void Unschedulable_quotes_the_scheduler_and_the_free_capacity()
    {
        var f = Fixtures.Diagnose("seed002-disasters.json").Find(FindingCodes.Unschedulable, new ObjectRef("Deployment", "default", "analytics"))!;

        f.Evidence.ShouldContain(e => e.Source == "status" && e.Text.Contains("2 Insufficient cpu"));
        f.Cause.ShouldContain("requests 2 CPU");
        f.Pods.Count.ShouldBe(2);
    }

    [Fact]
    public void Healthy_cluster_has_no_critical_or_high_finding_and_the_job_that_succeeded_after_retries_is_not_a_failure()
    {
        var result = Fixtures.Diagnose("healthy.json");

        result.Findings.ShouldNotContain(f => f.Severity >= Severity.High, string.Join(", ", result.Findings.Select(f => f.Id)));
        result.WithCode(FindingCodes.JobFailed).ShouldBeEmpty();
        result.WithCode(FindingCodes.CrashLoop).ShouldBeEmpty();
        result.WithCode(FindingCodes.CronJobFailing).ShouldBeEmpty();
        result.WithCode(FindingCodes.HpaAtMax).ShouldBeEmpty();
    }

    [Fact]
    public void Findings_are_ordered_worst_first()
    {
        var severities = Fixtures.Diagnose("seed002-disasters.json").Findings.Select(f => (int)f.Severity).ToList();

        severities.ShouldBe(severities.OrderByDescending(s => s).ToList());
    }

    [Fact]
    public void Min_severity_filters()
    {
        var result = KubeMedic.Core.Analysis.DiagnosisEngine.Default.Diagnose(Fixtures.Load("seed002-disasters.json"), new() { MinSeverity = Severity.Critical });

        result.Findings.ShouldNotBeEmpty();
        result.Findings.ShouldAllBe(f => f.Severity == Severity.Critical);
    }
}
