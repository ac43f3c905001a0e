using KubeMedic.Core.Findings;
using KubeMedic.Core.Incidents;

namespace KubeMedic.Core.Tests.Incidents;

public sealed class IncidentStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "km-incidents-" + Guid.NewGuid().ToString("N"));
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 3, 14, 14, 30, 0, TimeSpan.Zero));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void Open_writes_json_and_markdown_in_one_folder_per_incident()
    {
        var store = new IncidentStore(_root, _time);
        var record = store.Open("order-service pods OOMKilled", "respond");
        record.Id.ShouldBe("inc-20260314-001");
        File.Exists(Path.Combine(_root, record.Id, "incident.json")).ShouldBeTrue();
        File.ReadAllText(Path.Combine(_root, record.Id, "incident.md")).ShouldContain("# inc-20260314-001: order-service pods OOMKilled");
        store.Open("second", "manual").Id.ShouldBe("inc-20260314-002");
        Directory.GetFiles(Path.Combine(_root, record.Id)).Select(Path.GetFileName).Order().ShouldBe(["incident.json", "incident.md"]);
    }

    [Fact]
    public void The_record_round_trips_with_findings_hypotheses_actions_and_metrics()
    {
        var store = new IncidentStore(_root, _time);
        var id = store.Open("oom", "respond").Id;
        var finding = new Finding
        {
            Code = FindingCodes.OomKilled,
            Severity = Severity.Critical,
            Object = new ObjectRef("Deployment", "production", "order-service"),
            Summary = "OOMKilled 5 times",
            Cause = "memory grows until the 512Mi limit",
            Evidence = [new Evidence(EvidenceSource.Status, "lastState.terminated.reason=OOMKilled exitCode=137")],
            Fix = new Fix("raise the limit", ["kubectl set resources deployment/order-service --limits=memory=768Mi"], System.Text.Json.Nodes.JsonNode.Parse("""{"spec":{}}""")),
        };
        store.Update(id, r =>
        {
            r.Triage = new IncidentTriage { Severity = "SEV2", Impact = "orders fail", AffectedServices = ["production/order-service"] };
            IncidentStore.MergeFindings(r, [finding]);
            r.Hypotheses.Add(new Hypothesis { Statement = "limit too low", Verdict = HypothesisVerdict.RuledOut, Data = ["usage climbs 20Mi/min"] });
            r.Actions.Add(new IncidentAction { At = _time.GetUtcNow(), Description = "raised limit", Verification = new VerificationResult { Passed = true, Summary = "3/3 ready" } });
            r.Metrics.Add(new MetricEvidence { Query = "container_memory_working_set_bytes", Label = "memory", Points = [new MetricPoint(_time.GetUtcNow(), 1e6)], Threshold = 5e8 });
        });

        var back = store.Get(id);
        back.Triage!.Severity.ShouldBe("SEV2");
        back.Findings.Single().Id.ShouldBe("oom-killed:Deployment/production/order-service");
        back.Findings.Single().Severity.ShouldBe(Severity.Critical);
        back.Findings.Single().Fix!.Patch.ShouldNotBeNull();
        back.Hypotheses.Single().Verdict.ShouldBe(HypothesisVerdict.RuledOut);
        back.Actions.Single().Verification!.Passed.ShouldBeTrue();
        back.Metrics.Single().Points.Single().Value.ShouldBe(1e6);
        File.ReadAllText(Path.Combine(_root, id, "incident.json")).ShouldContain("\"severity\": \"critical\"");

        store.Update(id, r => IncidentStore.MergeFindings(r, [finding with { Summary = "OOMKilled 6 times" }]));
        store.Get(id).Findings.Single().Summary.ShouldBe("OOMKilled 6 times");
    }

    [Fact]
    public void Status_changes_follow_the_status_page_states_and_resolved_is_final()
    {
        var store = new IncidentStore(_root, _time);
        var id = store.Open("oom", "respond").Id;
        _time.Advance(TimeSpan.FromMinutes(30));
        store.SetStatus(id, IncidentStatus.Identified, "goroutine leak in v2.3.1");
        _time.Advance(TimeSpan.FromMinutes(15));
        store.SetStatus(id, IncidentStatus.Monitoring);
        _time.Advance(TimeSpan.FromMinutes(15));
        var resolved = store.Resolve(id);

        resolved.StatusChanges.Select(s => s.To).ShouldBe([IncidentStatus.Investigating, IncidentStatus.Identified, IncidentStatus.Monitoring, IncidentStatus.Resolved]);
        resolved.RootCause.ShouldBe("goroutine leak in v2.3.1");
        resolved.ResolvedAt.ShouldBe(_time.GetUtcNow());
        Should.Throw<UserInputException>(() => store.SetStatus(id, IncidentStatus.Investigating)).Message.ShouldContain("already resolved");
        StatusUpdate.Compose(resolved).Body.ShouldContain("Duration: 1 h 0 min");
    }

    [Fact]
    public void Notes_are_timestamped_by_the_time_provider()
    {
        var store = new IncidentStore(_root, _time);
        var id = store.Open("oom", "respond").Id;
        _time.Advance(TimeSpan.FromMinutes(7));
        var record = store.AddNote(id, "memory limit is 512Mi", "alice");
        var note = record.Timeline.Single(e => e.Source == TimelineSource.Note);
        note.At.ShouldBe(new DateTimeOffset(2026, 3, 14, 14, 37, 0, TimeSpan.Zero));
        note.Author.ShouldBe("alice");
        Should.Throw<UserInputException>(() => store.AddNote(id, "  "));
    }

    [Fact]
    public void Dedup_key_returns_the_open_incident_and_a_resolved_one_is_not_reused()
    {
        var store = new IncidentStore(_root, _time);
        var first = store.Open("KubePodCrashLooping production/order-service", "alert:KubePodCrashLooping", dedupKey: "k1");
        store.Open("again", "alert:KubePodCrashLooping", dedupKey: "k1").Id.ShouldBe(first.Id);
        store.Resolve(first.Id);
        store.Open("again", "alert:KubePodCrashLooping", dedupKey: "k1").Id.ShouldNotBe(first.Id);
    }

    [Fact]
    public void Lookup_accepts_prefixes_and_latest_and_names_a_missing_id()
    {
        var store = new IncidentStore(_root, _time);
        store.Open("a", "manual");
        var b = store.Open("b", "manual");
        store.Get("latest").Id.ShouldBe(b.Id);
        store.Get("INC-20260314-002").Id.ShouldBe(b.Id);
        Should.Throw<UserInputException>(() => store.Get("inc-2026")).Message.ShouldContain("ambiguous");
        Should.Throw<UserInputException>(() => store.Get("inc-1999")).Message.ShouldContain("no incident 'inc-1999'");
    }

    [Fact]
    public void A_corrupt_record_is_a_user_error_naming_the_file_and_is_not_overwritten_by_reads()
    {
        var store = new IncidentStore(_root, _time);
        var id = store.Open("a", "manual").Id;
        var path = Path.Combine(_root, id, "incident.json");
        File.WriteAllText(path, "{ not json");
        Should.Throw<UserInputException>(() => store.Get(id)).Message.ShouldContain(path);
        store.List().ShouldBeEmpty();
        File.ReadAllText(path).ShouldBe("{ not json");
    }

    [Fact]
    public async Task Concurrent_updates_from_many_writers_are_all_kept()
    {
        var store = new IncidentStore(_root, _time);
        var id = store.Open("a", "manual").Id;
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => new IncidentStore(_root, _time).AddNote(id, $"note {i}", "t"))));
        store.Get(id).Timeline.Count(e => e.Source == TimelineSource.Note).ShouldBe(20);
        Directory.GetFiles(Path.Combine(_root, id), "*.tmp").ShouldBeEmpty();
    }

    [Fact]
    public void Status_update_text_uses_only_facts_from_the_record()
    {
        var store = new IncidentStore(_root, _time);
        var id = store.Open("order-service OOMKilled", "respond", init: r => r.Triage = new IncidentTriage
        {
            Severity = "SEV2",
            Impact = "order creation failing for about 30% of requests",
            AffectedServices = ["production/order-service"],
            CapacityLostPercent = 66,
        }).Id;
        var msg = StatusUpdate.Compose(store.Get(id));
        msg.Title.ShouldBe("[SEV2] Investigating: order-service OOMKilled");
        msg.ComponentStatus.ShouldBe("Partial Outage");
        msg.Body.ShouldContain("production/order-service");
        msg.Body.ShouldContain("Impact: order creation failing for about 30% of requests.");
    }
}

/// <summary>A TimeProvider whose clock only moves when told to.</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
