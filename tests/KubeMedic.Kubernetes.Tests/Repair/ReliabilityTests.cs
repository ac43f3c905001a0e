using KubeMedic.Core.Policy;
using KubeMedic.Kubernetes.Informers;
using KubeMedic.Kubernetes.Repair;

namespace KubeMedic.Kubernetes.Tests.Repair;

/// <summary>
/// API faults (5xx, 429, dropped watches, 410 Gone) through a fault-injecting proxy, and an autopilot stopped in the middle of a repair:
/// no missed incident, no duplicate action, rate limits hold across the restart.
/// </summary>
public sealed class ReliabilityTests : IDisposable
{
    private readonly string _audit = Path.Combine(Path.GetTempPath(), "kubemedic-rel-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_audit))
        {
            Directory.Delete(_audit, recursive: true);
        }
    }

    private static string Limit(FakeApiServer server, string name) =>
        server.Get("Deployment", "production", name)!["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!["memory"]!.GetValue<string>();

    private static async Task Until(Func<bool> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what()}");
            }

            await Task.Delay(100);
        }
    }

    // Was skipped as an "intermittent stall" (1 run in 3): the fake server's Compact() dropped events a live watch had not sent yet
    // and its next bookmark moved the client past them, so the OOM never reached the cache. A live watch that falls behind the
    // compaction now ends with 410 Gone, as on an API server. The failure message shows the cluster state at the timeout.
    [Fact]
    public async Task Faults_cause_no_missed_incident_and_no_duplicate_action()
    {
        await using var server = new FakeApiServer { Behavior = Cluster.OomBelowLimit };
        server.Add(Cluster.Node());
        server.Add(Cluster.Deployment("web", memory: "1Gi")); // healthy at start
        await using var proxy = new FaultProxy(server.Url) { DropWatchesAfter = TimeSpan.FromMilliseconds(700) };
        proxy.Fail(500, 2, (m, p) => m == "GET" && p.Contains("/pods", StringComparison.Ordinal) && !p.Contains("watch", StringComparison.Ordinal));
        proxy.Fail(429, 2, (m, p) => p.Contains("/deployments", StringComparison.Ordinal) && p.Contains("watch=true", StringComparison.Ordinal));
        var log = new StringWriter();
        var client = Cluster.Client(proxy.Url);
        var informers = new ClusterInformers(client);
        var policy = AutopilotTests.Acting;
        var autopilot = new Autopilot(new KubeObjectApi(client), informers, new DiagnosisDetector(), new AuditLog(_audit), [], NullAutopilotMetrics.Instance,
            TimeProvider.System, new AutopilotOptions
            {
                Policy = policy, DryRun = false, Actor = "test", Log = log, Resync = TimeSpan.FromSeconds(1),
                Verify = new VerifyOptions { Window = TimeSpan.FromSeconds(15), StableFor = TimeSpan.FromSeconds(1), PollInterval = TimeSpan.FromMilliseconds(100) },
            });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var run = Task.Run(() => autopilot.RunAsync(once: false, cts.Token)); // off xunit's 2-thread synchronization context, like the CLI
        try
        {
            await informers.WaitForSyncAsync(cts.Token).WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException("informers did not sync: " + string.Join(", ", new[] { informers.Pods.Stats, informers.Deployments.Stats, informers.ReplicaSets.Stats, informers.Nodes.Stats, informers.Events.Stats, informers.Pdbs.Stats }
                .Select(s => $"lists={s.Lists} watches={s.Watches} errors={s.Errors} gone={s.Gone}")) + "\n" + log);
        }

        // While watches are being dropped and errors injected: history is compacted (the next resume gets 410) and a new incident starts.
        server.Compact();
        proxy.Fail(500, 3, (m, p) => p.Contains("watch=true", StringComparison.Ordinal));
        proxy.Fail(503, 1, (m, p) => m == "GET" && p.Contains("/replicasets", StringComparison.Ordinal));
        server.Add(Cluster.Deployment("order-service", memory: "512Mi"));
        server.Compact();

        await Until(() => Limit(server, "order-service") == "768Mi" || run.IsCompleted, TimeSpan.FromSeconds(45), () => "the OOM repair (live watches expired by the fake: " + server.ExpiredWatches + ")\n" + log + "\nstatus: " + autopilot.LastStatus + "\nstats: " + string.Join(" | ", informers.AllStats.Select(s => $"l={s.Lists} w={s.Watches} e={s.Errors} g={s.Gone} ev={s.Events}")) + "\ndeployments: " + informers.Deployments.Count + " pods: " + informers.Pods.Count + "\nproxy in flight at " + DateTime.UtcNow.ToString("HH:mm:ss.fff") + ":\n" + string.Join("\n", proxy.InFlight.Values) + "\nproxy history:\n" + string.Join("\n", proxy.History.TakeLast(60)));
        if (run.IsFaulted) { throw new InvalidOperationException("autopilot failed: " + run.Exception); }
        await Until(() => new AuditLog(_audit).Read().Any(e => e.Phase == AuditPhase.Verified), TimeSpan.FromSeconds(30), () => "verification\n" + log);
        await Task.Delay(3000); // more drops and resyncs: nothing may happen twice
        await cts.CancelAsync();
        await run;

        server.Patches.ShouldBe(1, log.ToString());
        Limit(server, "web").ShouldBe("1Gi");
        new AuditLog(_audit).Read().Count(e => e.Phase == AuditPhase.Applying).ShouldBe(1);
        proxy.Injected.ShouldBeGreaterThan(5);
        informers.AllStats.Sum(s => s.Gone).ShouldBeGreaterThan(0);
        informers.AllStats.Sum(s => s.Errors).ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Stopped_mid_repair_the_restart_settles_it_without_acting_twice_and_rate_limits_hold()
    {
        await using var server = Cluster.OrderServiceOom();
        var policy = AutopilotTests.Acting;
        var client = Cluster.Client(server.Url);

        // First run: stop (SIGTERM) as soon as the patch is applied, before verification has finished.
        var first = new Autopilot(new KubeObjectApi(client), new ClusterInformers(client), new DiagnosisDetector(), new AuditLog(_audit), [], NullAutopilotMetrics.Instance,
            TimeProvider.System, new AutopilotOptions
            {
                Policy = policy, DryRun = false, Actor = "first", Resync = TimeSpan.FromSeconds(1),
                Verify = new VerifyOptions { Window = TimeSpan.FromSeconds(30), StableFor = TimeSpan.FromSeconds(20) },
            });
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            var run = first.RunAsync(once: false, cts.Token);
            await Until(() => new AuditLog(_audit).Read().Any(e => e.Phase == AuditPhase.Applied), TimeSpan.FromSeconds(30), () => "the patch");
            await cts.CancelAsync();
            await run;
        }

        new AuditLog(_audit).Read().Last().Phase.ShouldBe(AuditPhase.Applied); // interrupted mid-repair
        server.Patches.ShouldBe(1);

        // Second run (a new process: only the audit directory survives): settles the interrupted action, never re-applies it.
        var second = AutopilotTests.Create(server.Url, _audit, policy);
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await second.RunAsync(once: true, cts.Token);
        }

        server.Patches.ShouldBe(1);
        var phases = new AuditLog(_audit).Read().Select(e => e.Phase).ToList();
        phases.ShouldBe([AuditPhase.Applying, AuditPhase.Applied, AuditPhase.Verified]);

        // The workload breaks again within the rate-limit window: a third process may not act again; it escalates.
        server.Behavior = _ => PodBehavior.OomLoop;
        server.Resync();
        var escalations = new List<Escalation>();
        var third = AutopilotTests.Create(server.Url, _audit, policy, escalations: escalations);
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await third.RunAsync(once: true, cts.Token);
        }

        server.Patches.ShouldBe(1);
        escalations.ShouldHaveSingleItem().Reason.ShouldContain("action(s) on Deployment/production/order-service");
    }

    [Fact]
    public async Task Interrupted_before_the_patch_landed_is_not_reapplied()
    {
        await using var server = Cluster.OrderServiceOom();
        var log = new AuditLog(_audit);
        // A crash right after the "applying" record was fsynced, before the PATCH was sent.
        await log.AppendAsync(new AuditEntry
        {
            ActionId = "crashed", At = DateTimeOffset.UtcNow.AddSeconds(-5), Phase = AuditPhase.Applying, Actor = "dead (autopilot)",
            FindingId = "oom-killed:Deployment/production/order-service", FindingCode = "oom-killed",
            Target = new KubeMedic.Core.Findings.ObjectRef("Deployment", "production", "order-service"), WorkloadKey = "Deployment/production/order-service",
            Remedy = "raise-memory-limit", PatchType = "strategic",
            Patch = System.Text.Json.Nodes.JsonNode.Parse("""{"spec":{"template":{"spec":{"containers":[{"name":"order-service","resources":{"limits":{"memory":"768Mi"}}}]}}}}"""),
            After = System.Text.Json.Nodes.JsonNode.Parse("""{"spec":{"replicas":99}}"""),
        });

        var autopilot = AutopilotTests.Create(server.Url, _audit, AutopilotTests.Acting);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await autopilot.RunAsync(once: true, cts.Token);

        server.Patches.ShouldBe(0);
        Limit(server, "order-service").ShouldBe("512Mi");
        var entries = new AuditLog(_audit).Read();
        entries.ShouldContain(e => e.ActionId == "crashed" && e.Phase == AuditPhase.ApplyFailed);
        entries.ShouldContain(e => e.Phase == AuditPhase.Escalated && e.Why!.Contains("rate", StringComparison.OrdinalIgnoreCase) || e.Phase == AuditPhase.Escalated && e.Why!.Contains("action(s)", StringComparison.Ordinal));
    }
}
