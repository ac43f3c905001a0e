using KubeMedic.Cli.Commands;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Incidents;
using KubeMedic.Core.Postmortem;

namespace KubeMedic.Cli.Tests.Respond;

/// <summary>The respond flow's bookkeeping, against a scripted backend: what is recorded, in which order, and what the postmortem says.</summary>
public sealed class ResponseFlowTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 14, 14, 30, 0, TimeSpan.Zero);
    private static readonly ObjectRef Deploy = new("Deployment", "production", "order-service");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "km-respond-" + Guid.NewGuid().ToString("N"));
    private readonly StepTime _time = new(T0.AddMinutes(20));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_repairable_oom_goes_from_investigating_to_resolved_and_the_postmortem_matches_the_record()
    {
        var backend = new ScriptedBackend(canRepair: true, verificationPasses: true, _time);
        var (result, output) = await Run(backend, assumeYes: true);

        result.ExitCode.ShouldBe(0);
        result.Status.ShouldBe(IncidentStatus.Resolved);
        var store = new IncidentStore(Path.Combine(_dir, "incidents"), _time);
        var record = store.Get(result.IncidentId!);
        record.StatusChanges.Select(s => s.To).ShouldBe([IncidentStatus.Investigating, IncidentStatus.Identified, IncidentStatus.Monitoring, IncidentStatus.Resolved]);
        record.Actions.Count.ShouldBe(2);
        record.Actions[0].DryRun.ShouldBeTrue();
        record.Actions[0].Diff!.ShouldContain("+          memory: 768Mi");
        record.Actions[1].AuditId.ShouldBe("audit-1");
        backend.Applied.ShouldBe(1);
        record.Hypotheses.ShouldContain(h => h.Statement.StartsWith("A memory leak") && h.Verdict == HypothesisVerdict.Confirmed);
        record.Hypotheses.ShouldContain(h => h.Statement.StartsWith("The memory limit is too low") && h.Verdict == HypothesisVerdict.RuledOut);
        record.Hypotheses.ShouldContain(h => h.Statement.StartsWith("The problem started with the latest rollout") && h.Verdict == HypothesisVerdict.Confirmed);
        record.RootCause!.ShouldContain("memory leak");

        var postmortem = File.ReadAllText(result.PostmortemPath!);
        foreach (var e in backend.ClusterTimeline)
        {
            postmortem.ShouldContain($"{IncidentMarkdown.Time(e.At)} [cluster] {e.Text}");
        }

        postmortem.ShouldContain("| [x] | mitigate | Raise the memory limit of order-service from 512Mi to 768Mi.");
        postmortem.ShouldContain("Add an alert that pages for oom-killed");
        postmortem.ShouldContain("regression test");

        output.ShouldContain("== Step 1/5: Triage");
        output.ShouldContain("[x] Was the severity classified?");
        output.ShouldContain("[x] Was the hypothesis confirmed by data?");
        output.ShouldContain("[x] Did the fix remove the symptom?");
        output.ShouldContain("[x] Was the postmortem written?");
        output.IndexOf("Dry run (nothing changed yet)", StringComparison.Ordinal).ShouldBeLessThan(output.IndexOf("Apply this fix", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_yes_off_a_terminal_nothing_is_applied_and_the_incident_stays_open()
    {
        var backend = new ScriptedBackend(canRepair: true, verificationPasses: true, _time);
        var (result, output) = await Run(backend, assumeYes: false);
        backend.Applied.ShouldBe(0);
        result.ExitCode.ShouldBe(ExitCodes.Findings);
        result.Status.ShouldBe(IncidentStatus.Identified);
        output.ShouldContain("pass --yes to apply");
        output.ShouldContain("[ ] Did the fix remove the symptom?");
    }

    [Fact]
    public async Task A_failed_verification_keeps_the_incident_in_monitoring_and_says_so()
    {
        var backend = new ScriptedBackend(canRepair: true, verificationPasses: false, _time);
        var (result, _) = await Run(backend, assumeYes: true);
        result.Status.ShouldBe(IncidentStatus.Monitoring);
        var record = new IncidentStore(Path.Combine(_dir, "incidents"), _time).Get(result.IncidentId!);
        PostmortemBuilder.Build(record).WentWrong.ShouldContain(w => w.StartsWith("A change did not remove the symptom"));
    }

    [Fact]
    public async Task A_snapshot_still_gets_triage_diagnosis_a_status_update_and_a_dry_run()
    {
        var backend = new ScriptedBackend(canRepair: false, verificationPasses: true, _time);
        var (result, output) = await Run(backend, assumeYes: true);
        backend.Applied.ShouldBe(0);
        output.ShouldContain("Severity: SEV2");
        output.ShouldContain("Status update (Investigating)");
        output.ShouldContain("Status update (Identified)");
        output.ShouldContain("Not applied: snapshot.json is read-only");
        var record = new IncidentStore(Path.Combine(_dir, "incidents"), _time).Get(result.IncidentId!);
        record.Actions.ShouldHaveSingleItem().DryRun.ShouldBeTrue();
        File.Exists(result.PostmortemPath).ShouldBeTrue();
    }

    [Fact]
    public async Task A_healthy_cluster_opens_no_incident()
    {
        var backend = new ScriptedBackend(canRepair: true, verificationPasses: true, _time) { Healthy = true };
        var (result, output) = await Run(backend, assumeYes: true);
        result.IncidentId.ShouldBeNull();
        result.ExitCode.ShouldBe(0);
        output.ShouldContain("no incident to respond to");
        Directory.Exists(Path.Combine(_dir, "incidents")).ShouldBeFalse();
    }

    [Fact]
    public void The_primary_finding_is_the_cause_not_the_symptom()
    {
        var oom = ScriptedBackend.OomFinding;
        var replicas = new Finding { Code = FindingCodes.ReplicasUnavailable, Severity = Severity.Critical, Object = Deploy, Summary = "0/3 available", Cause = "pods crash" };
        ResponseFlow.Primary([replicas, oom]).ShouldBe(oom);
    }

    private async Task<(ResponseResult Result, string Output)> Run(ScriptedBackend backend, bool assumeYes)
    {
        var output = new StringWriter();
        var store = new IncidentStore(Path.Combine(_dir, "incidents"), _time);
        var flow = new ResponseFlow(backend, new PlainResponseUi(output), store, new ResponseOptions { AssumeYes = assumeYes, PostmortemDirectory = Path.Combine(_dir, "dev-logs") });
        var result = await flow.RunAsync(CancellationToken.None);
        return (result, output.ToString());
    }
}

/// <summary>Moves forward one second each time it is read, so every recorded step has its own time.</summary>
internal sealed class StepTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now = _now.AddSeconds(1);
}

internal sealed class ScriptedBackend(bool canRepair, bool verificationPasses, TimeProvider time) : IResponseBackend
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 14, 14, 30, 0, TimeSpan.Zero);
    private static readonly ObjectRef Deploy = new("Deployment", "production", "order-service");

    public static readonly Finding OomFinding = new()
    {
        Code = FindingCodes.OomKilled,
        Severity = Severity.Critical,
        Object = Deploy,
        Pods = ["order-service-7d9f-abcde"],
        Summary = "order-service containers OOMKilled 4 times",
        Cause = "container app exceeds its 512Mi memory limit",
        Evidence = [new Evidence(EvidenceSource.Status, "order-service-7d9f-abcde app: lastState.terminated reason=OOMKilled exitCode=137 restarts=4")],
    };

    public bool Healthy { get; init; }
    public int Applied { get; private set; }
    public string Description => canRepair ? "scripted cluster" : "snapshot.json";
    public bool CanRepair => canRepair;

    public List<TimelineEntry> ClusterTimeline { get; } =
    [
        new() { At = T0, Source = TimelineSource.Cluster, Reason = "ScalingReplicaSet", Object = Deploy, Text = "Scaled up replica set order-service-7d9f to 2 (revision 2, image order-service:2.3.1)" },
        new() { At = T0.AddMinutes(12), Source = TimelineSource.Cluster, Reason = "OOMKilled", Object = new ObjectRef("Pod", "production", "order-service-7d9f-abcde"), Text = "order-service-7d9f-abcde container app OOMKilled (exit 137)" },
        new() { At = T0.AddMinutes(13), Source = TimelineSource.Cluster, Reason = "BackOff", Object = new ObjectRef("Pod", "production", "order-service-7d9f-abcde"), Text = "Back-off restarting failed container app" },
    ];

    public Task<Observation> ObserveAsync(CancellationToken ct) => Task.FromResult(Healthy ? new Observation() : new Observation
    {
        Findings = [OomFinding],
        Triage = new IncidentTriage { Severity = "SEV2", Impact = "2 of 2 replicas restarting", AffectedServices = ["production/order-service"], UserFacing = true, CapacityLostPercent = 50 },
        ClusterTimeline = ClusterTimeline,
        Workloads = [new WorkloadFacts { Object = Deploy, Replicas = 2, HasReadinessProbe = true, HasMemoryLimit = true, MemoryLimit = "512Mi", Image = "order-service:2.3.1", Revision = 2 }],
        Trigger = "rollout of order-service revision 2 (order-service:2.3.1)",
        ObservedAt = T0.AddMinutes(20),
    });

    public Task<MetricsOutcome> MetricsAsync(Finding primary, Observation observation, CancellationToken ct)
    {
        var mib = 1024.0 * 1024;
        var points = Enumerable.Range(0, 12).Select(i => new MetricPoint(T0.AddMinutes(i), (100 + 34 * i) * mib)).ToList();
        return Task.FromResult(new MetricsOutcome(
            [new MetricEvidence { Query = "metrics.k8s.io pods/order-service-7d9f-abcde", Label = "Memory working set", Unit = "bytes", Points = points, Threshold = 512 * mib, ThresholdLabel = "limit" }],
            "metrics.k8s.io samples",
            "prometheus not installed"));
    }

    public Task<FixProposal?> ProposeAsync(Finding finding, Observation observation, CancellationToken ct) => Task.FromResult<FixProposal?>(new FixProposal
    {
        Finding = finding,
        Description = "Raise the memory limit of order-service from 512Mi to 768Mi",
        Commands = ["kubectl set resources deployment/order-service -n production -c app --limits=memory=768Mi"],
        Diff = "--- Deployment/production/order-service\n+++ Deployment/production/order-service\n-          memory: 512Mi\n+          memory: 768Mi\n",
        Why = "max(512Mi x 1.5, peak 480Mi x 1.25) = 768Mi",
        Risk = "low",
        Undo = "set the limit back to 512Mi",
    });

    public Task<IncidentAction> ApplyAsync(FixProposal proposal, CancellationToken ct)
    {
        Applied++;
        var now = time.GetUtcNow();
        return Task.FromResult(new IncidentAction
        {
            At = now,
            Description = proposal.Description,
            FindingId = proposal.Finding.Id,
            Object = Deploy,
            Commands = proposal.Commands,
            AuditId = "audit-1",
            Actor = "tester@host",
            Verification = new VerificationResult
            {
                Passed = verificationPasses,
                Summary = verificationPasses ? "rollout complete, 2/2 ready, no OOM for 2 min" : "new OOMKilled within the window",
                Checks = ["rollout complete", verificationPasses ? "no restarts" : "restarts: 1"],
                At = now.AddMinutes(2),
            },
        });
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
