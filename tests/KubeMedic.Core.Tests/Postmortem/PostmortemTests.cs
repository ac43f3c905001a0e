using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Incidents;
using KubeMedic.Core.Postmortem;
using KubeMedic.Core.Tests.Incidents;

namespace KubeMedic.Core.Tests.Postmortem;

public sealed class PostmortemTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 14, 14, 30, 0, TimeSpan.Zero);
    private static readonly ObjectRef Deploy = new("Deployment", "production", "order-service");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "km-pm-" + Guid.NewGuid().ToString("N"));
    private readonly ManualTime _time = new(T0.AddMinutes(30));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private IncidentRecord SeedRecord(bool withMetrics = true, string openedBy = "respond")
    {
        var store = new IncidentStore(Path.Combine(_root, "incidents"), _time);
        var id = store.Open("order-service pods OOMKilled", openedBy).Id;
        store.Update(id, r =>
        {
            r.Triage = new IncidentTriage { Severity = "SEV2", Impact = "order creation failing", AffectedServices = ["production/order-service"], CapacityLostPercent = 50 };
            r.Timeline.Add(new TimelineEntry { At = T0, Source = TimelineSource.Cluster, Reason = "ScalingReplicaSet", Text = "Deployment order-service revision 2 (order-service:2.3.1)", Object = Deploy });
            r.Timeline.Add(new TimelineEntry { At = T0.AddMinutes(15), Source = TimelineSource.Cluster, Reason = "OOMKilled", Text = "order-service-abc container app OOMKilled (exit 137)", Object = new ObjectRef("Pod", "production", "order-service-abc") });
            r.Timeline.Add(new TimelineEntry { At = T0.AddMinutes(31), Source = TimelineSource.KubeMedic, Text = "Triage: SEV2" });
            r.Findings.Add(new Finding
            {
                Code = FindingCodes.OomKilled,
                Severity = Severity.Critical,
                Object = Deploy,
                Summary = "order-service containers OOMKilled 4 times",
                Cause = "memory grows about 20 MiB/min until the 512Mi limit (a leak)",
                Evidence = [new Evidence(EvidenceSource.Status, "lastState.terminated.reason=OOMKilled exitCode=137")],
                Fix = new Fix("raise the memory limit to 768Mi", ["kubectl set resources deployment/order-service -n production --limits=memory=768Mi"], JsonNode.Parse("{}")),
            });
            r.Workloads.Add(new WorkloadFacts { Object = Deploy, Replicas = 1, HasReadinessProbe = false, HasMemoryLimit = true, Image = "order-service:2.3.1" });
            r.Hypotheses.Add(new Hypothesis { Statement = "A memory leak in revision 2", Verdict = HypothesisVerdict.Confirmed, Data = ["working set rises 20 MiB/min after each restart"], FindingCode = FindingCodes.OomKilled });
            r.Hypotheses.Add(new Hypothesis { Statement = "The limit is simply too low for steady load", Verdict = HypothesisVerdict.RuledOut, Data = ["usage starts at 120Mi, far below 512Mi"] });
            r.RootCause = "a memory leak in order-service 2.3.1";
            r.Trigger = "deploy of order-service:2.3.1 (revision 2)";
            r.Actions.Add(new IncidentAction { At = T0.AddMinutes(33), Description = "Raise memory limit of order-service to 768Mi", DryRun = true, FindingId = "oom-killed:Deployment/production/order-service", Diff = "-  memory: 512Mi\n+  memory: 768Mi" });
            r.Actions.Add(new IncidentAction { At = T0.AddMinutes(34), Description = "Raise memory limit of order-service to 768Mi", FindingId = "oom-killed:Deployment/production/order-service", AuditId = "a-1", Verification = new VerificationResult { Passed = true, Summary = "1/1 replicas ready, no OOM for 5 min" } });
            if (withMetrics)
            {
                r.Metrics.Add(new MetricEvidence
                {
                    Query = "container_memory_working_set_bytes{pod=~\"order-service.*\"}",
                    Label = "Memory working set",
                    Unit = "bytes",
                    Threshold = 512 * 1024 * 1024,
                    ThresholdLabel = "limit",
                    Points = [.. Enumerable.Range(0, 10).Select(i => new MetricPoint(T0.AddMinutes(i), (100 + 40 * i) * 1024.0 * 1024))],
                });
            }
        });
        _time.Advance(TimeSpan.FromMinutes(5));
        store.SetStatus(id, IncidentStatus.Identified);
        _time.Advance(TimeSpan.FromMinutes(5));
        store.SetStatus(id, IncidentStatus.Monitoring);
        _time.Advance(TimeSpan.FromMinutes(5));
        return store.Resolve(id);
    }

    [Fact]
    public void The_timeline_and_actions_are_exactly_the_records()
    {
        var record = SeedRecord();
        var doc = PostmortemBuilder.Build(record, _time);
        doc.Timeline.ShouldBe(record.OrderedTimeline());
        doc.ActionsTaken.ShouldBe(record.Actions);
        var md = PostmortemRenderer.Markdown(doc);
        foreach (var e in record.Timeline)
        {
            md.ShouldContain($"{IncidentMarkdown.Time(e.At)} [{e.Source}] {IncidentMarkdown.Md(e.Text)}");
        }

        md.ShouldContain("+  memory: 768Mi");
    }

    [Fact]
    public void Action_items_come_from_the_findings_and_facts_with_their_type()
    {
        var items = PostmortemBuilder.ActionItems(SeedRecord());
        var done = items.Where(i => i.Done).ToList();
        done.ShouldHaveSingleItem().Type.ShouldBe(ActionItemType.Mitigate);
        done[0].Basis.ShouldBe("audit a-1");
        items.ShouldContain(i => i.Type == ActionItemType.Prevent && i.Text.StartsWith("Add an alert that pages for oom-killed", StringComparison.Ordinal));
        items.ShouldContain(i => i.Type == ActionItemType.Prevent && i.Text.Contains("regression test") && i.Text.Contains("order-service:2.3.1"));
        items.ShouldContain(i => i.Type == ActionItemType.Prevent && i.Text.Contains("at least 2 replicas"));
        items.ShouldContain(i => i.Type == ActionItemType.Prevent && i.Text.Contains("readiness probe"));
        items.ShouldNotContain(i => i.Text.Contains("Set memory requests and limits"));
        // The proposed fix was applied, so it is not listed again as an open mitigation.
        items.Count(i => i.Type == ActionItemType.Mitigate).ShouldBe(1);
    }

    [Fact]
    public void An_incident_opened_by_an_alert_gets_no_missing_alert_item()
    {
        var items = PostmortemBuilder.ActionItems(SeedRecord(openedBy: "alert:KubePodCrashLooping"));
        items.ShouldNotContain(i => i.Text.StartsWith("Add an alert", StringComparison.Ordinal));
    }

    [Fact]
    public void Sections_follow_the_google_sre_template()
    {
        var md = PostmortemRenderer.Markdown(PostmortemBuilder.Build(SeedRecord(), _time));
        string[] sections = ["## Summary", "## Impact", "## Root cause", "## Trigger", "## Detection", "## Resolution", "## Action items", "### What went well", "### What went wrong", "### Where we got lucky", "## Timeline (UTC)"];
        var positions = sections.Select(s => md.IndexOf(s, StringComparison.Ordinal)).ToList();
        positions.ShouldAllBe(p => p >= 0);
        positions.ShouldBeInOrder();
        md.ShouldContain("Root cause\n\na memory leak in order-service 2.3.1");
        md.ShouldContain("| Time to resolve | 15 min 0 s |");
        md.ShouldContain("No alert fired; the incident was opened by respond.");
    }

    [Fact]
    public void Html_has_a_timeline_chart_and_a_memory_graph_only_with_metrics()
    {
        var record = SeedRecord();
        var html = PostmortemRenderer.Html(PostmortemBuilder.Build(record, _time));
        html.ShouldContain("aria-label=\"incident timeline\"");
        CountOf(html, "<circle").ShouldBe(record.Timeline.Count);
        html.ShouldContain("<polyline");
        html.ShouldContain("limit 512 MiB");

        Dispose();
        var plain = PostmortemRenderer.Html(PostmortemBuilder.Build(SeedRecord(withMetrics: false), _time));
        plain.ShouldNotContain("<polyline");
        plain.ShouldContain("aria-label=\"incident timeline\"");
    }

    [Fact]
    public void Json_round_trips_the_action_item_types()
    {
        var json = PostmortemRenderer.Json(PostmortemBuilder.Build(SeedRecord(), _time));
        var node = JsonNode.Parse(json)!;
        node["actionItems"]!.AsArray().Select(a => (string)a!["type"]!).Distinct().Order().ShouldBe(["mitigate", "prevent"]);
        node["timeline"]!.AsArray().Count.ShouldBeGreaterThan(5);
    }

    [Fact]
    public void Writing_records_the_postmortem_in_the_incident()
    {
        var record = SeedRecord();
        var store = new IncidentStore(Path.Combine(_root, "incidents"), _time);
        var path = PostmortemWriter.Write(store, record.Id, Path.Combine(_root, "docs", "dev-logs"), PostmortemFormat.Markdown);
        Path.GetFileName(path).ShouldBe($"2026-03-14-{record.Id}-postmortem-order-service-pods-oomkilled.md");
        File.ReadAllText(path).ShouldStartWith("# Postmortem: order-service pods OOMKilled");
        store.Get(record.Id).Postmortems.ShouldBe([path]);
    }

    private static int CountOf(string text, string what)
    {
        var n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}
