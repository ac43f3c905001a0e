using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Policy;
using KubeMedic.Kubernetes.Repair;
using static KubeMedic.Kubernetes.Tests.Repair.AuditSamples;

namespace KubeMedic.Kubernetes.Tests.Repair;

public sealed class AuditLogTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kubemedic-audit-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task Appends_json_lines_per_day_and_reads_them_back()
    {
        var log = new AuditLog(_dir);
        await log.AppendAsync(Entry("a1", AuditPhase.Applying, T0));
        await log.AppendAsync(Entry("a1", AuditPhase.Applied, T0.AddSeconds(1)));
        await log.AppendAsync(Entry("a1", AuditPhase.Verified, T0.AddSeconds(30)) with { Verification = new VerificationResult(true, "ok", ["3/3 ready"]) });

        var file = Path.Combine(_dir, "2026-11-23.jsonl");
        File.Exists(file).ShouldBeTrue();
        var lines = await File.ReadAllLinesAsync(file);
        lines.Length.ShouldBe(3);
        JsonNode.Parse(lines[2])!["phase"]!.GetValue<string>().ShouldBe("verified");
        JsonNode.Parse(lines[2])!["verification"]!["checks"]![0]!.GetValue<string>().ShouldBe("3/3 ready");
        log.Read().Select(e => e.Phase).ShouldBe([AuditPhase.Applying, AuditPhase.Applied, AuditPhase.Verified]);
    }

    [Fact]
    public async Task Never_writes_secret_values()
    {
        var deployment = AuditSamples.SecretBearingDeployment();
        var secret = JsonNode.Parse("""{"kind":"Secret","metadata":{"name":"db"},"data":{"password":"aHVudGVyMg=="}}""")!;
        var log = new AuditLog(_dir);
        await log.AppendAsync(Entry("s1", AuditPhase.Planned, T0) with { Before = deployment, After = secret });

        var text = await File.ReadAllTextAsync(Path.Combine(_dir, "2026-11-23.jsonl"));
        text.ShouldNotContain("hunter2");
        text.ShouldNotContain("aHVudGVyMg==");
        text.ShouldContain("secretKeyRef");   // the reference stays, it holds no value
        text.ShouldContain("debug");          // ordinary env values stay
    }

    [Fact]
    public async Task History_reports_interrupted_actions_as_in_progress_and_skips_torn_lines()
    {
        var log = new AuditLog(_dir);
        await log.AppendAsync(Entry("done", AuditPhase.Applying, T0.AddMinutes(-50)));
        await log.AppendAsync(Entry("done", AuditPhase.VerificationFailed, T0.AddMinutes(-49)));
        await log.AppendAsync(Entry("done", AuditPhase.Undone, T0.AddMinutes(-49)));
        await log.AppendAsync(Entry("crashed", AuditPhase.Applying, T0.AddMinutes(-5), "Deployment/production/web"));
        await log.AppendAsync(Entry("crashed", AuditPhase.Applied, T0.AddMinutes(-5), "Deployment/production/web"));
        await log.AppendAsync(Entry("dry", AuditPhase.Planned, T0.AddMinutes(-1)) with { DryRun = true });
        await File.AppendAllTextAsync(Path.Combine(_dir, "2026-11-23.jsonl"), "{\"actionId\":\"torn\",\"at\":\"2026-11-23T11:59");

        var history = log.History(T0, TimeSpan.FromHours(2));

        history.Actions.Count.ShouldBe(2);
        history.Actions.Single(a => a.WorkloadKey == "Deployment/production/order-service").Outcome.ShouldBe(ActionOutcome.VerificationFailed);
        history.Actions.Single(a => a.WorkloadKey == "Deployment/production/web").Outcome.ShouldBe(ActionOutcome.InProgress);
    }

    [Fact]
    public async Task A_restarted_process_sees_the_rate_limit()
    {
        var first = new AuditLog(_dir);
        await first.AppendAsync(Entry("x", AuditPhase.Applying, T0.AddMinutes(-10)));
        await first.AppendAsync(Entry("x", AuditPhase.Verified, T0.AddMinutes(-9)));

        var restarted = new AuditLog(_dir); // a new process: only the files remain
        var evaluator = new PolicyEvaluator(AutopilotPolicy.Default);
        var action = new PlannedAction
        {
            Remedy = "raise-memory-limit",
            Action = Core.Remedies.RemedyAction.Patch,
            Target = new ObjectRef("Deployment", "production", "order-service"),
            Workload = new ObjectRef("Deployment", "production", "order-service"),
            CurrentReplicas = 2,
            ReplicasAffected = 1,
            ResultingReplicas = 2,
        };
        evaluator.Evaluate(action, new ClusterFacts(), restarted.History(T0, TimeSpan.FromDays(1)), T0).Rule.ShouldBe(PolicyRules.WorkloadRate);
    }
}
