using KubeMedic.Kubernetes.Sources;
using k8s;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Policy;
using KubeMedic.Core.Remedies;
using KubeMedic.Kubernetes.Repair;
using KubeMedic.Simulator;

namespace KubeMedic.Kubernetes.Tests.Repair;

/// <summary>
/// liveness-restarts on the simulator under the default policy: the wrong port and the slow start are repaired and verified; the
/// wrong path has a remedy (fix-probe-path) that is not automatic by default, so it is escalated and nothing changes.
/// </summary>
public sealed class LivenessEndToEndTests : IDisposable
{
    private readonly string _audit = Path.Combine(Path.GetTempPath(), "kubemedic-live-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_audit))
        {
            Directory.Delete(_audit, recursive: true);
        }
    }

    [Theory]
    [InlineData("liveness-wrong-port", RemedyIds.FixProbePort, "httpGet.port", "8080")]
    [InlineData("liveness/liveness-slow-start.yaml", RemedyIds.RaiseInitialDelay, "initialDelaySeconds", "50")]
    [InlineData("liveness/liveness-wrong-path.yaml", RemedyIds.FixProbePath, "httpGet.path", "/health")]
    public async Task Autopilot_repairs_or_escalates_per_policy(string scenario, string remedy, string field, string expected)
    {
        var file = scenario.EndsWith(".yaml", StringComparison.Ordinal) ? TestPaths.Fixture(scenario) : scenario;
        await using var sim = await SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = file, Speed = 5 });
        using var client = KubeClients.Create(KubernetesClientConfiguration.BuildConfigFromConfigFile(sim.KubeconfigPath));
        var log = new StringWriter();
        var escalations = new List<Escalation>();
        var autopilot = SimAutopilot.Create(sim, client, new AuditLog(_audit, sim.Clock), AutopilotPolicy.Default with { DryRun = false }, log, escalations,
            TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(5));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(150));

        await autopilot.RunAsync(once: true, cts.Token);

        var audit = new AuditLog(_audit).Read();
        var report = log + "\n" + string.Join("\n", audit.Select(e => $"{e.Phase} {e.FindingId} {e.Remedy} {e.Why}"));
        var probe = sim.Get("deployments", "warehouse", "inventory")!["spec"]!["template"]!["spec"]!["containers"]![0]!["livenessProbe"]!;
        var value = field.Split('.').Aggregate(probe, (n, p) => n![p]!);
        value.ToString().ShouldBe(expected, report);
        var liveness = audit.Where(e => e.FindingCode == FindingCodes.LivenessRestarts).ToList();
        if (remedy == RemedyIds.FixProbePath)
        {
            liveness.ShouldNotContain(e => e.Phase == AuditPhase.Applying, report);
            escalations.ShouldContain(e => e.FindingCode == FindingCodes.LivenessRestarts && e.Reason.Contains(RemedyIds.FixProbePath, StringComparison.Ordinal), report);
        }
        else
        {
            liveness.Select(e => e.Phase).ShouldBe([AuditPhase.Applying, AuditPhase.Applied, AuditPhase.Verified], report);
            liveness[0].Remedy.ShouldBe(remedy);
            liveness[2].Verification!.Passed.ShouldBeTrue(report);
        }
    }
}
