using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Remedies;

namespace KubeMedic.Core.Tests.Remedies;

/// <summary>
/// liveness-restarts end to end on kubectl output: the fixtures in Fixtures/liveness are <c>kubectl get deployments,replicasets,pods,events
/// -o json</c> of the simulator running the scenario YAML next to them (capture.sh). The analyzer's finding and the raw objects go into
/// the remedy; the patch is applied to the Deployment and its undo must restore it.
/// </summary>
public sealed class ProbeRemedyTests
{
    private sealed record Case(Finding Finding, JsonObject Deployment, JsonObject Pod);

    private static Case Load(string name)
    {
        var path = Path.Combine(Tests.Fixtures.Dir, "liveness", name + ".json");
        var finding = Tests.Fixtures.Diagnose(Path.Combine("liveness", name + ".json")).Findings.Single(f => f.Code == FindingCodes.LivenessRestarts);
        var items = JsonNode.Parse(File.ReadAllText(path))!["items"]!.AsArray().OfType<JsonObject>().ToList();
        var deployment = items.Single(i => i.Kind() == "Deployment");
        var pod = items.First(i => i.Kind() == "Pod" && i.Name() == finding.Pods[0]);
        return new Case(finding, deployment, pod);
    }

    private static JsonObject Container(JsonObject deployment) => deployment["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();

    private static JsonObject ContainerStatus(JsonObject pod) => pod["status"]!["containerStatuses"]![0]!.AsObject();

    private static RemedyPlan Plan(Case c, JsonObject? pod = null, Finding? finding = null) =>
        RemedyEngine.Plan(finding ?? c.Finding, new RemedyContext { Target = c.Deployment, Pod = pod ?? c.Pod }).ShouldHaveSingleItem();

    private static JsonObject AppliedAndUndone(RemedyPlan plan, JsonObject target)
    {
        plan.Action.ShouldBe(RemedyAction.Patch);
        plan.Why.ShouldNotBeNullOrWhiteSpace();
        plan.Undo.ShouldNotBeNullOrWhiteSpace();
        plan.UndoKubectl.ShouldNotBeNull();
        var after = PatchApplier.Apply(target, plan.Patch!, plan.PatchType);
        var restored = PatchApplier.Apply(after, plan.UndoPatch!, plan.UndoPatchType);
        JsonNode.DeepEquals(restored, target).ShouldBeTrue($"undo of {plan.Remedy} did not restore the object:\n{restored}");
        return after;
    }

    [Fact]
    public void Finding_carries_the_evidence_the_remedy_reads()
    {
        var text = string.Join("\n", Load("liveness-slow-start").Finding.Evidence.Select(e => e.Text));
        text.ShouldContain("Liveness probe failed: Get \"http://");
        text.ShouldContain("connect: connection refused");
        text.ShouldContain("last run lasted 25s");
        text.ShouldContain("exitCode=137); Ready now: false");
        text.ShouldContain("readinessProbe: httpGet /ready port 8080");
        text.ShouldContain("ports: 8080/TCP");
        text.ShouldContain("Readiness probe failed:");

        Load("liveness-wrong-path").Finding.Evidence.ShouldContain(e => e.Text.Contains("Liveness probe failed: HTTP probe failed with statuscode: 404", StringComparison.Ordinal));
    }

    [Fact]
    public void Wrong_port_is_pointed_at_the_declared_port()
    {
        var c = Load("liveness-wrong-port");
        var plan = Plan(c);
        plan.Remedy.ShouldBe(RemedyIds.FixProbePort);
        plan.Risk.ShouldBe(RemedyRisk.Low);
        plan.Why.ShouldContain("port 8081");
        var after = Container(AppliedAndUndone(plan, c.Deployment));
        after["livenessProbe"]!["httpGet"]!["port"]!.GetValue<int>().ShouldBe(8080);
        after["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>().ShouldBe("/healthz");
    }

    [Fact]
    public void Wrong_path_takes_the_readiness_path_on_the_same_port()
    {
        var c = Load("liveness-wrong-path");
        var plan = Plan(c);
        plan.Remedy.ShouldBe(RemedyIds.FixProbePath);
        plan.Why.ShouldContain("/health");
        plan.Why.ShouldContain("404");
        plan.Kubectl.ShouldStartWith("kubectl patch deployment/inventory -n warehouse --type=strategic");
        var after = Container(AppliedAndUndone(plan, c.Deployment));
        after["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>().ShouldBe("/healthz");
        after["livenessProbe"]!["httpGet"]!["port"]!.GetValue<int>().ShouldBe(8080);
        after["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>().ShouldBe("/healthz");
    }

    [Fact]
    public void Slow_start_raises_the_initial_delay_to_cover_the_observed_run()
    {
        var c = Load("liveness-slow-start");
        var plan = Plan(c);
        plan.Remedy.ShouldBe(RemedyIds.RaiseInitialDelay);
        plan.Why.ShouldContain("connection refused");
        plan.Why.ShouldContain("initialDelaySeconds 5 -> 50");
        var after = Container(AppliedAndUndone(plan, c.Deployment));
        after["livenessProbe"]!["initialDelaySeconds"]!.GetValue<int>().ShouldBe(50); // max(30, 2 x 5, 2 x 25s run); the app needs 45s
        plan.MinVerifyWindow.ShouldBe(TimeSpan.FromSeconds((3 * (50 + 10)) + 30)); // 3 replicas one at a time, each waits 50s + a readiness period
    }

    [Fact]
    public void Slow_start_is_read_from_the_evidence_when_the_pod_is_not_known()
    {
        var c = Load("liveness-slow-start");
        var plan = RemedyEngine.Plan(c.Finding, new RemedyContext { Target = c.Deployment }).ShouldHaveSingleItem();
        plan.Remedy.ShouldBe(RemedyIds.RaiseInitialDelay);
        Container(AppliedAndUndone(plan, c.Deployment))["livenessProbe"]!["initialDelaySeconds"]!.GetValue<int>().ShouldBe(50);
    }

    // current delay, observed run (s), expected new delay: max(30, 2 x current, 2 x run), at most 300
    [Theory]
    [InlineData(0, 10, 30)]
    [InlineData(5, 25, 50)]
    [InlineData(40, 45, 90)]
    [InlineData(100, 120, 240)]
    [InlineData(200, 220, 300)]
    public void Initial_delay_rule(int delay, int run, int expected)
    {
        var c = Load("liveness-slow-start");
        Container(c.Deployment)["livenessProbe"]!["initialDelaySeconds"] = delay;
        SetRun(c.Pod, run, 137);
        var plan = Plan(c);
        plan.Remedy.ShouldBe(RemedyIds.RaiseInitialDelay);
        Container(AppliedAndUndone(plan, c.Deployment))["livenessProbe"]!["initialDelaySeconds"]!.GetValue<int>().ShouldBe(expected);
    }

    public static TheoryData<string, string, string> Escalations => new()
    {
        { "liveness-wrong-path", "no-readiness-probe", "no HTTP readiness probe" },
        { "liveness-wrong-path", "readiness-same-path", "both probes" },
        { "liveness-wrong-path", "readiness-other-port", "another port" },
        { "liveness-wrong-path", "readiness-404-too", "fails too" },
        { "liveness-wrong-path", "status-500", "HTTP 500" },
        { "liveness-slow-start", "exit-code-1", "exit code 137/143" },
        { "liveness-slow-start", "ready-now", "Ready now" },
        { "liveness-slow-start", "long-run", "longer than the probe's kill window" },
        { "liveness-slow-start", "timeout-not-refused", "connection refused" },
        { "liveness-slow-start", "delay-at-cap", "already waits 300s" },
        { "liveness-wrong-port", "two-ports-no-readiness", "would be a guess" },
    };

    [Theory]
    [MemberData(nameof(Escalations))]
    public void Without_evidence_for_a_fix_it_escalates(string fixture, string mutation, string reason)
    {
        var c = Load(fixture);
        var container = Container(c.Deployment);
        var finding = c.Finding;
        switch (mutation)
        {
            case "no-readiness-probe":
                container.Remove("readinessProbe");
                break;
            case "readiness-same-path":
                container["readinessProbe"]!["httpGet"]!["path"] = "/health";
                break;
            case "readiness-other-port":
                container["readinessProbe"]!["httpGet"]!["port"] = 9090;
                break;
            case "readiness-404-too":
                finding = WithEvent(finding, "Readiness probe failed: HTTP probe failed with statuscode: 404");
                break;
            case "status-500":
                finding = finding with { Evidence = [.. finding.Evidence.Select(e => e with { Text = e.Text.Replace("statuscode: 404", "statuscode: 500", StringComparison.Ordinal) })] };
                break;
            case "exit-code-1":
                SetRun(c.Pod, 25, 1);
                break;
            case "ready-now":
                ContainerStatus(c.Pod)["ready"] = true;
                break;
            case "long-run":
                SetRun(c.Pod, 600, 137);
                break;
            case "timeout-not-refused":
                finding = finding with { Evidence = [.. finding.Evidence.Select(e => e with { Text = e.Text.Replace("connect: connection refused", "context deadline exceeded", StringComparison.Ordinal) })] };
                break;
            case "delay-at-cap":
                container["livenessProbe"]!["initialDelaySeconds"] = 300;
                SetRun(c.Pod, 320, 137);
                break;
            case "two-ports-no-readiness":
                container["ports"]!.AsArray().Add(new JsonObject { ["containerPort"] = 9000, ["name"] = "admin", ["protocol"] = "TCP" });
                container.Remove("readinessProbe");
                break;
        }

        var plan = Plan(c, finding: finding);
        plan.IsEscalation.ShouldBeTrue(plan.Why);
        plan.Patch.ShouldBeNull();
        plan.Why.ShouldContain(reason);
    }

    [Fact]
    public void Several_ports_pick_the_one_the_readiness_probe_uses()
    {
        var c = Load("liveness-wrong-port");
        var container = Container(c.Deployment);
        container["ports"]!.AsArray().Insert(0, new JsonObject { ["containerPort"] = 9000, ["name"] = "admin", ["protocol"] = "TCP" });
        container["ports"]!.AsArray().Add(new JsonObject { ["containerPort"] = 5353, ["name"] = "dns", ["protocol"] = "UDP" });
        var plan = Plan(c);
        plan.Remedy.ShouldBe(RemedyIds.FixProbePort);
        Container(AppliedAndUndone(plan, c.Deployment))["livenessProbe"]!["httpGet"]!["port"]!.GetValue<int>().ShouldBe(8080);
    }

    [Fact]
    public void Named_probe_port_that_the_container_does_not_declare_is_fixed()
    {
        var c = Load("liveness-wrong-port");
        Container(c.Deployment)["livenessProbe"]!["httpGet"]!["port"] = "metrics";
        var plan = Plan(c);
        plan.Remedy.ShouldBe(RemedyIds.FixProbePort);
        plan.Why.ShouldContain("port metrics");
        var after = Container(AppliedAndUndone(plan, c.Deployment));
        after["livenessProbe"]!["httpGet"]!["port"]!.GetValue<int>().ShouldBe(8080);
    }

    [Fact]
    public void Named_probe_port_that_the_container_declares_is_left_alone()
    {
        var c = Load("liveness-wrong-path");
        var container = Container(c.Deployment);
        container["ports"]![0]!["name"] = "http";
        container["livenessProbe"]!["httpGet"]!["port"] = "http";
        var plan = Plan(c);
        plan.Remedy.ShouldBe(RemedyIds.FixProbePath); // named "http" resolves to 8080, the readiness probe's port
        Container(AppliedAndUndone(plan, c.Deployment))["livenessProbe"]!["httpGet"]!["port"]!.GetValue<string>().ShouldBe("http");
    }

    private static void SetRun(JsonObject pod, int seconds, int exitCode)
    {
        var term = ContainerStatus(pod)["lastState"]!["terminated"]!.AsObject();
        var started = DateTimeOffset.Parse(term["startedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        term["finishedAt"] = started.AddSeconds(seconds).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        term["exitCode"] = exitCode;
    }

    private static Finding WithEvent(Finding finding, string message) =>
        finding with { Evidence = [.. finding.Evidence, new Evidence(EvidenceSource.Event, $"Warning Unhealthy on Pod/{finding.Pods[0]} (x3, last ?): {message}")] };
}
