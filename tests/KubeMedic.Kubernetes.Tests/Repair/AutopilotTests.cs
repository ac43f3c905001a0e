using KubeMedic.Core.Findings;
using KubeMedic.Core.Policy;
using KubeMedic.Core.Remedies;
using KubeMedic.Kubernetes.Informers;
using KubeMedic.Kubernetes.Repair;

namespace KubeMedic.Kubernetes.Tests.Repair;

public sealed class AutopilotTests : IDisposable
{
    private readonly string _audit = Path.Combine(Path.GetTempPath(), "kubemedic-ap-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_audit))
        {
            Directory.Delete(_audit, recursive: true);
        }
    }

    internal static AutopilotPolicy Acting => AutopilotPolicy.Default with { DryRun = false, VerifyWindow = TimeSpan.FromSeconds(20) };

    internal static Autopilot Create(string url, string auditDir, AutopilotPolicy policy, StringWriter? log = null, List<Escalation>? escalations = null)
    {
        var client = Cluster.Client(url);
        return new Autopilot(new KubeObjectApi(client), new ClusterInformers(client), new DiagnosisDetector(), new AuditLog(auditDir),
            escalations is null ? [] : [new ListSink(escalations)], NullAutopilotMetrics.Instance, TimeProvider.System, new AutopilotOptions
            {
                Policy = policy,
                DryRun = policy.DryRun,
                Actor = "test (autopilot)",
                Verify = new VerifyOptions { Window = policy.VerifyWindow, StableFor = TimeSpan.FromSeconds(1), PollInterval = TimeSpan.FromMilliseconds(100) },
                Resync = TimeSpan.FromSeconds(2),
                Log = log ?? new StringWriter(),
            });
    }

    private static string Limit(FakeApiServer server, string name = "order-service") =>
        server.Get("Deployment", "production", name)!["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!["memory"]!.GetValue<string>();

    [Fact]
    public async Task Order_service_oom_is_repaired_verified_and_audited()
    {
        await using var server = Cluster.OrderServiceOom();
        var log = new StringWriter();
        var autopilot = Create(server.Url, _audit, Acting, log);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        await autopilot.RunAsync(once: true, cts.Token);

        Limit(server).ShouldBe("768Mi", log.ToString());
        server.Patches.ShouldBe(1);
        server.All("Pod").ShouldAllBe(p => p["status"]!["containerStatuses"]![0]!["ready"]!.GetValue<bool>());
        var audit = new AuditLog(_audit).Read();
        audit.Select(e => e.Phase).ShouldBe([AuditPhase.Applying, AuditPhase.Applied, AuditPhase.Verified], log.ToString());
        audit[0].Remedy.ShouldBe(RemedyIds.RaiseMemoryLimit);
        audit[0].FindingId.ShouldBe("oom-killed:Deployment/production/order-service");
        audit[0].Kubectl.ShouldBe("kubectl set resources deployment/order-service -n production -c order-service --limits=memory=768Mi");
        audit[2].Verification!.Passed.ShouldBeTrue();
        File.ReadAllText(Directory.GetFiles(_audit).Single()).ShouldNotContain("hunter2");
        autopilot.LastStatus!.ActionsSucceeded.ShouldBe(1);
    }

    [Fact]
    public async Task Dry_run_changes_nothing_and_records_the_plan()
    {
        await using var server = Cluster.OrderServiceOom();
        var autopilot = Create(server.Url, _audit, AutopilotPolicy.Default);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        await autopilot.RunAsync(once: true, cts.Token);

        server.Patches.ShouldBe(0);
        Limit(server).ShouldBe("512Mi");
        var planned = new AuditLog(_audit).Read().ShouldHaveSingleItem();
        planned.Phase.ShouldBe(AuditPhase.Planned);
        planned.DryRun.ShouldBeTrue();
        autopilot.LastStatus!.DryRunPlans.ShouldBe(1);
        autopilot.LastStatus.PodsError.ShouldBe(2);
    }

    [Fact]
    public async Task Excluded_workloads_are_escalated_not_touched()
    {
        await using var server = new FakeApiServer { Behavior = Cluster.OomBelowLimit };
        server.Add(Cluster.Node());
        server.Add(Cluster.Deployment("heartbeat", "production"));
        var escalations = new List<Escalation>();
        var autopilot = Create(server.Url, _audit, Acting, escalations: escalations);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        await autopilot.RunAsync(once: true, cts.Token);

        server.Patches.ShouldBe(0);
        var e = escalations.ShouldHaveSingleItem();
        e.FindingCode.ShouldBe(FindingCodes.OomKilled);
        e.Reason.ShouldContain("*heartbeat*");
        new AuditLog(_audit).Read().ShouldHaveSingleItem().Phase.ShouldBe(AuditPhase.Escalated);
        autopilot.LastStatus!.OpenEscalations.ShouldBe(1);
    }

    [Fact]
    public async Task Failed_verification_is_undone_and_escalated()
    {
        await using var server = new FakeApiServer { Behavior = _ => PodBehavior.OomLoop }; // more memory does not help: a leak
        server.Add(Cluster.Node());
        server.Add(Cluster.Deployment("leaky"));
        var policy = Acting with { VerifyWindow = TimeSpan.FromSeconds(3) };
        var escalations = new List<Escalation>();
        var autopilot = Create(server.Url, _audit, policy, escalations: escalations);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        await autopilot.RunAsync(once: true, cts.Token);

        Limit(server, "leaky").ShouldBe("512Mi"); // undone
        escalations.ShouldContain(e => e.Reason.Contains("failed verification", StringComparison.Ordinal) && e.Reason.Contains("undone", StringComparison.Ordinal));
        server.Patches.ShouldBe(2);
        new AuditLog(_audit).Read().Where(e => e.Phase != AuditPhase.Escalated).Select(e => e.Phase)
            .ShouldBe([AuditPhase.Applying, AuditPhase.Applied, AuditPhase.VerificationFailed, AuditPhase.Undone]);
        autopilot.LastStatus!.ActionsRolledBack.ShouldBe(1);
    }
}
