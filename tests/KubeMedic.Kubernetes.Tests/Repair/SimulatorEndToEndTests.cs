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

    private static Autopilot Create(SimulatedCluster sim, string auditDir, AutopilotPolicy policy, StringWriter log, List<Escalation> escalations)
    {
        var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(sim.KubeconfigPath));
        return new Autopilot(new KubeObjectApi(client), new ClusterInformers(client, sim.Clock), new DiagnosisDetector(), new AuditLog(auditDir, sim.Clock),
            [new Sink(escalations)], NullAutopilotMetrics.Instance, sim.Clock, new AutopilotOptions
            {
                Policy = policy,
                DryRun = policy.DryRun,
                Actor = "e2e (autopilot)",
                Log = log,
                Verify = new VerifyOptions { Window = TimeSpan.FromSeconds(90), StableFor = TimeSpan.FromSeconds(5), PollInterval = TimeSpan.FromMilliseconds(250) },
            });
    }

    private sealed class Sink(List<Escalation> list) : INotificationSink
    {
        public Task NotifyAsync(Escalation escalation, CancellationToken cancellationToken)
        {
            lock (list)
            {
                list.Add(escalation);
            }

            return Task.CompletedTask;
        }
    }

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
