using KubeMedic.Kubernetes.Sources;
using System.Text.Json.Nodes;
using k8s;
using KubeMedic.Core.Policy;
using KubeMedic.Core.Remedies;
using KubeMedic.Kubernetes.Informers;
using KubeMedic.Kubernetes.Repair;
using KubeMedic.Simulator;

namespace KubeMedic.Kubernetes.Tests.Repair;

/// <summary>The autopilot against the simulated cluster (real API surface, real controllers): the seed scenarios.</summary>
public sealed class SimulatorEndToEndTests : IDisposable
{
    private readonly string _audit = Path.Combine(Path.GetTempPath(), "kubemedic-e2e-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_audit))
        {
            Directory.Delete(_audit, recursive: true);
        }
    }

    private static Autopilot Create(SimulatedCluster sim, string auditDir, AutopilotPolicy policy, StringWriter log, List<Escalation> escalations) =>
        SimAutopilot.Create(sim, KubeClients.Create(KubernetesClientConfiguration.BuildConfigFromConfigFile(sim.KubeconfigPath)), new AuditLog(auditDir, sim.Clock),
            policy, log, escalations, TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(5));

    [Fact]
    public async Task Order_service_oom_autopilot_raises_the_limit_and_the_workload_becomes_healthy()
    {
        await using var sim = await SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = "order-service-oom", Speed = 5 });
        var log = new StringWriter();
        var escalations = new List<Escalation>();
        var autopilot = Create(sim, _audit, AutopilotPolicy.Default with { DryRun = false }, log, escalations);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(150));

        await autopilot.RunAsync(once: true, cts.Token);

        var deployment = sim.Get("deployments", "production", "order-service")!;
        var limit = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!["memory"]!.GetValue<string>();
        limit.ShouldBe("768Mi", log.ToString());
        var audit = new AuditLog(_audit).Read();
        var actions = audit.Where(e => e.Phase != AuditPhase.Escalated).ToList();
        actions.Select(e => e.Phase).ShouldBe([AuditPhase.Applying, AuditPhase.Applied, AuditPhase.Verified], log + string.Join("\n", escalations));
        actions[0].Remedy.ShouldBe(RemedyIds.RaiseMemoryLimit);
        actions[0].Target!.ToString().ShouldBe("Deployment/production/order-service");
        actions[0].Before!["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!["memory"]!.GetValue<string>().ShouldBe("512Mi");
        actions[2].Verification!.Passed.ShouldBeTrue();
        var status = deployment["status"]!;
        deployment.Int("status", "availableReplicas").ShouldBe(3);
        sim.List("pods", "production", "app=order-service").ShouldAllBe(p => p["status"]!["containerStatuses"]![0]!["ready"]!.GetValue<bool>());
    }
}

public sealed class DeployDisasterEndToEndTests : IDisposable
{
    private readonly string _audit = Path.Combine(Path.GetTempPath(), "kubemedic-e2e-dd-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_audit))
        {
            Directory.Delete(_audit, recursive: true);
        }
    }

    [Fact]
    public async Task Deploy_disaster_each_problem_is_fixed_or_escalated_per_policy()
    {
        await using var sim = await SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = "deploy-disaster", Speed = 5 });
        var log = new StringWriter();
        var escalations = new List<Escalation>();
        var client = KubeClients.Create(KubernetesClientConfiguration.BuildConfigFromConfigFile(sim.KubeconfigPath));
        var autopilot = SimAutopilot.Create(sim, client, new AuditLog(_audit, sim.Clock), AutopilotPolicy.Default with { DryRun = false }, log, escalations,
            TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(3));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(150));

        await autopilot.RunAsync(once: true, cts.Token);

        var audit = new AuditLog(_audit).Read();
        var report = log + "\n" + string.Join("\n", audit.Select(e => $"{e.Phase} {e.FindingId} {e.Remedy} {e.Why}"));

        // api-server (maxUnavailable 100%, probe on the old port): rolled back to 1.0 with a 25% strategy, verified.
        var api = sim.Get("deployments", "default", "api-server")!;
        api["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>().ShouldBe("api-server:1.0", report);
        api["spec"]!["strategy"]!["rollingUpdate"]!["maxUnavailable"]!.GetValue<string>().ShouldBe("25%");
        api.Int("status", "availableReplicas").ShouldBe(5);
        // database pinned to the lost node-1: pin removed, running elsewhere, verified.
        var db = sim.Get("deployments", "default", "database")!;
        (db["spec"]!["template"]!["spec"]!["nodeSelector"] as JsonObject)?.ContainsKey("kubernetes.io/hostname").ShouldNotBe(true, report);
        db.Int("status", "availableReplicas").ShouldBe(1);
        // frontend (Recreate, typo'd tag nginx:1.25.l): rolled back to the revision whose image works, verified.
        sim.Get("deployments", "default", "frontend")!["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>().ShouldBe("nginx:1.25", report);
        audit.Where(e => e.Phase == AuditPhase.Verified).Select(e => e.Target!.Name).Order().ToList().ShouldBe(["api-server", "database", "frontend"], report);
        audit.Count(e => e.Phase == AuditPhase.Applying).ShouldBe(3, report);
        // analytics asks for more than any node has: lowering requests is not automatic in the default policy, so it is escalated.
        sim.Get("deployments", "default", "analytics")!["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["requests"]!["cpu"]!.GetValue<string>().ShouldBe("6");
        escalations.ShouldContain(e => e.Object.Name == "analytics" && e.Reason.Contains("not in remedies.automatic", StringComparison.Ordinal), report);
        // the lost node is escalated to a human.
        escalations.ShouldContain(e => e.FindingId == "node-not-ready:Node/node-1");
        escalations.ShouldNotContain(e => e.Object.Name == "frontend", report);
        escalations.ShouldNotContain(e => e.Object.Name == "database", report);
    }
}

public sealed class SimulatorFaultTests : IDisposable
{
    private readonly string _audit = Path.Combine(Path.GetTempPath(), "kubemedic-e2e-f-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_audit))
        {
            Directory.Delete(_audit, recursive: true);
        }
    }

    [Fact]
    public async Task Order_service_oom_through_5xx_429_dropped_watches_and_410_is_repaired_exactly_once()
    {
        // A short watch history: resuming a dropped watch soon finds its resourceVersion gone (410) and must relist.
        await using var sim = await SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = "order-service-oom", Speed = 5, WatchHistory = 20 });
        await using var proxy = new FaultProxy(sim.Url.ToString()) { DropWatchesAfter = TimeSpan.FromMilliseconds(800) };
        proxy.Fail(500, 3, (m, p) => m == "GET" && !p.Contains("watch", StringComparison.Ordinal));
        proxy.Fail(429, 3, (m, p) => p.Contains("watch=true", StringComparison.Ordinal));
        proxy.Fail(503, 1, (m, p) => m == "PATCH");
        var client = KubeClients.Create(new KubernetesClientConfiguration { Host = proxy.Url, AccessToken = "kubemedic-sim" });
        var informers = new ClusterInformers(client, sim.Clock);
        var log = new StringWriter();
        var autopilot = new Autopilot(new KubeObjectApi(client), informers, new DiagnosisDetector(), new AuditLog(_audit, sim.Clock), [], NullAutopilotMetrics.Instance,
            sim.Clock, new AutopilotOptions
            {
                Policy = AutopilotPolicy.Default with { DryRun = false }, DryRun = false, Actor = "e2e", Log = log, Resync = TimeSpan.FromSeconds(1),
                Verify = new VerifyOptions { Window = TimeSpan.FromSeconds(60), StableFor = TimeSpan.FromSeconds(3), PollInterval = TimeSpan.FromMilliseconds(250) },
            });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var run = autopilot.RunAsync(once: false, cts.Token);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!new AuditLog(_audit).Read().Any(e => e.Phase == AuditPhase.Verified) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        await Task.Delay(3000); // keep the faults coming: nothing may be done twice
        await cts.CancelAsync();
        await run;

        var audit = new AuditLog(_audit).Read();
        var report = log + string.Join("\n", audit.Select(e => $"{e.Phase} {e.FindingId} {e.Remedy} {e.Error}"));
        var limit = sim.Get("deployments", "production", "order-service")!["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!["memory"]!.GetValue<string>();
        // The first PATCH got a 503 and was retried: one action, applied once, verified.
        audit.Where(e => e.Phase != AuditPhase.Escalated).Select(e => e.Phase).ShouldBe([AuditPhase.Applying, AuditPhase.Applied, AuditPhase.Verified], report);
        limit.ShouldBe("768Mi");
        proxy.Injected.ShouldBeGreaterThan(5);
        informers.AllStats.Sum(s => s.Errors).ShouldBeGreaterThan(0);
        informers.AllStats.Sum(s => s.Gone).ShouldBeGreaterThan(0, "no 410 seen: " + report);
    }
}
