using KubeMedic.Core.Findings;
using KubeMedic.Core.Incidents;
using KubeMedic.Core.Model;
using KubeMedic.Observability.Evidence;
using KubeMedic.Observability.Prometheus;
using KubeMedic.Observability.Receiver;
using Microsoft.Extensions.Time.Testing;

namespace KubeMedic.Observability.Tests;

/// <summary>An alert on seed 000's order-service, diagnosed on the kubectl snapshot, with memory evidence from Prometheus.</summary>
public sealed class ClusterAlertDiagnoserTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 15, 0, 0, TimeSpan.Zero);

    private static Task<ClusterModel> Snapshot(ClusterScope scope, CancellationToken ct) =>
        Task.FromResult(ClusterModelBuilder.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "seed000-oom.json")));

    /// <summary>Answers the evidence queries with seed 000's story: a leak in the new version.</summary>
    private sealed class LeakingPrometheus : IPrometheusQuery
    {
        public List<string> Queries { get; } = [];

        public Task<IReadOnlyList<Series>> QueryAsync(string promql, DateTimeOffset? time = null, CancellationToken ct = default)
        {
            Queries.Add(promql);
            IReadOnlyList<Series> result = promql.Contains("resource_limits", StringComparison.Ordinal) && promql.Contains("memory", StringComparison.Ordinal)
                ? [new Series(new Dictionary<string, string> { ["container"] = "order-service" }, [new Sample(Now, Synthetic.Limit)])]
                : promql.Contains("restarts_total", StringComparison.Ordinal)
                    ? [new Series(new Dictionary<string, string>(), [new Sample(Now, 4)])]
                    : [];
            return Task.FromResult(result);
        }

        public Task<IReadOnlyList<Series>> QueryRangeAsync(string promql, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken ct = default)
        {
            Queries.Add(promql);
            IReadOnlyList<Series> result = promql.Contains("working_set", StringComparison.Ordinal)
                ? [new Series(new Dictionary<string, string> { ["container"] = "order-service" }, Synthetic.Leak(end))]
                : promql.Contains("restarts_total", StringComparison.Ordinal)
                    ? [new Series(new Dictionary<string, string>(), Synthetic.Series(end, TimeSpan.FromHours(1), m => Math.Floor(m / 15)).ToList())]
                    : [];
            return Task.FromResult(result);
        }
    }

    private static AlertSignal OomAlert()
    {
        var labels = new Dictionary<string, string>
        {
            ["alertname"] = "KubePodCrashLooping", ["namespace"] = "production", ["pod"] = "order-service-7c9d8e6f4-x7k2p", ["container"] = "order-service", ["severity"] = "warning",
        };
        return new AlertSignal("0123456789abcdef", "g", "KubePodCrashLooping", true, SevLevel.Sev3, labels, new Dictionary<string, string>(), Now.AddMinutes(-10), null,
            AlertmanagerWebhook.Objects(labels), KubeMedic.Core.Runbooks.RunbookCatalog.CodeForAlert("KubePodCrashLooping"), null);
    }

    [Fact]
    public async Task Finds_the_root_cause_on_the_alerted_pod_and_adds_the_leak_verdict()
    {
        var time = new FakeTimeProvider(Now);
        var prom = new LeakingPrometheus();
        var diagnoser = new ClusterAlertDiagnoser(Snapshot, new MetricEvidenceCollector(prom, time), time);
        var diagnosis = await diagnoser.DiagnoseAsync(OomAlert(), default);

        diagnosis.ShouldNotBeNull();
        diagnosis.Findings.ShouldNotBeNull().ShouldNotBeEmpty();
        diagnosis.Findings.ShouldContain(f => f.Code == FindingCodes.OomKilled);
        diagnosis.Findings.ShouldAllBe(f => f.Object.Namespace == "production");
        diagnosis.Memory!.Pattern.ShouldBe(MemoryPattern.Leak);
        diagnosis.Summary.ShouldContain("[leak]");
        diagnosis.Evidence.ShouldContain(e => e.StartsWith("metric: memory working set", StringComparison.Ordinal));
        prom.Queries.ShouldContain(q => q.Contains("pod=\"order-service-7c9d8e6f4-x7k2p\"", StringComparison.Ordinal));

        // and on the shared incident record: findings merged, leak hypothesis confirmed, memory series kept
        using var dir = new TempDir();
        var store = new IncidentStore(dir.File("incidents"), time);
        await new IncidentStoreSink(store).OpenOrUpdateAsync(OomAlert(), diagnosis, default);
        var record = store.List().ShouldHaveSingleItem();
        record.Findings.ShouldContain(f => f.Code == FindingCodes.OomKilled && f.Evidence.Any(e => e.Source == EvidenceSource.Metric));
        record.Hypotheses.Single().Verdict.ShouldBe(HypothesisVerdict.Confirmed);
        record.Metrics.ShouldContain(m => m.Unit == "bytes" && m.Threshold == Synthetic.Limit);
    }

    [Fact]
    public async Task Without_Prometheus_it_still_diagnoses_and_says_what_is_missing()
    {
        var time = new FakeTimeProvider(Now);
        var diagnosis = await new ClusterAlertDiagnoser(Snapshot, null, time).DiagnoseAsync(OomAlert(), default);
        diagnosis!.Findings.ShouldNotBeNull().ShouldContain(f => f.Code == FindingCodes.OomKilled);
        diagnosis.Missing.ShouldContain(m => m.Contains("no Prometheus configured", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_alert_on_a_healthy_object_says_so()
    {
        var labels = new Dictionary<string, string> { ["alertname"] = "X", ["namespace"] = "production", ["pod"] = "order-service-7c9d8e6f4-b3n8w" };
        var alert = new AlertSignal("aa", "g", "X", true, SevLevel.Sev4, labels, new Dictionary<string, string>(), Now, null, AlertmanagerWebhook.Objects(labels), null, null);
        var diagnosis = await new ClusterAlertDiagnoser(Snapshot, null, new FakeTimeProvider(Now)).DiagnoseAsync(alert, default);
        diagnosis!.Summary.ShouldContain("found no problem");
    }
}
