using KubeMedic.Core.Findings;
using KubeMedic.Observability.Dashboards;
using KubeMedic.Observability.Evidence;
using KubeMedic.Observability.Prometheus;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace KubeMedic.Observability.Tests;

/// <summary>The evidence layer against a real Prometheus 2.42 serving backfilled synthetic histories.</summary>
[Collection("prometheus")]
public sealed class EvidenceIntegrationTests(PrometheusFixture prom, ITestOutputHelper output)
{
    private MetricEvidenceCollector Collector(IPrometheusQuery? client = null) =>
        new(client ?? prom.Client, new FakeTimeProvider(prom.End), new MetricEvidenceOptions { Lookback = TimeSpan.FromHours(1) });

    private static Finding Oom(string pod) => new()
    {
        Code = FindingCodes.OomKilled, Severity = Severity.High, Object = new ObjectRef("Pod", "lab", pod),
        Summary = "OOMKilled", Cause = "memory",
    };

    [Theory]
    [InlineData("leaky-7d9f", MemoryPattern.Leak)]
    [InlineData("tight-5c8b", MemoryPattern.LimitTooLow)]
    [InlineData("spiky-9a1e", MemoryPattern.Spike)]
    public async Task Classifies_the_memory_trend_before_OOM_from_real_Prometheus(string pod, MemoryPattern expected)
    {
        var report = await Collector().ForFindingAsync(Oom(pod));
        report.Missing.ShouldBeEmpty(string.Join("; ", report.Missing) + prom.Log);
        report.Memory.ShouldNotBeNull();
        report.Evidence.ToList().ForEach(e => output.WriteLine(e.Text));
        report.Memory.Pattern.ShouldBe(expected, report.Memory.Summary);
        report.Memory.LimitBytes.ShouldBe(Synthetic.Limit);
        report.Evidence.ShouldContain(e => e.Source == EvidenceSource.Metric && e.Text.Contains("memory working set", StringComparison.Ordinal));
        report.Restarts.ShouldNotBeNull();
        if (expected == MemoryPattern.Leak)
        {
            report.Memory.SlopeMiBPerMinute!.Value.ShouldBe(8, 1);
            report.Memory.TimeToLimit.ShouldNotBeNull();
        }
    }

    [Fact]
    public async Task Restart_rate_and_cpu_throttling()
    {
        var report = await Collector().CollectAsync(new EvidenceTarget("lab", "tight-5c8b"), EvidenceKinds.Restarts | EvidenceKinds.Cpu);
        report.Missing.ShouldBeEmpty(string.Join("; ", report.Missing));
        report.Evidence.ToList().ForEach(e => output.WriteLine(e.Text));
        report.Restarts!.RestartsInWindow.ShouldBe(2, 0.6);
        report.Cpu!.ThrottledRatio!.Value.ShouldBe(0.6, 0.02);
        report.Cpu.Throttled.ShouldBeTrue();
        report.Cpu.UsageCores!.Value.ShouldBe(0.45, 0.02);
        report.Cpu.RequestCores.ShouldBe(0.25);
        report.Cpu.OverRequest.ShouldBeTrue();
        report.Cpu.Summary.ShouldContain("60 % of CFS periods throttled");
        report.Cpu.Summary.ShouldContain("180 % of its 0.25 request");
    }

    [Fact]
    public async Task Deploy_correlation_shows_5xx_and_p99_before_and_after()
    {
        var report = await Collector().CollectAsync(new EvidenceTarget("lab", Workload: "checkout", Service: "checkout", LastDeploy: prom.DeployAt), EvidenceKinds.Deploy);
        report.Missing.ShouldBeEmpty(string.Join("; ", report.Missing));
        var d = report.Deploy!;
        output.WriteLine(d.Summary);
        d.ErrorRatioBefore!.Value.ShouldBe(0.002, 0.001);
        d.ErrorRatioAfter!.Value.ShouldBe(0.08, 0.01);
        d.P99Before!.Value.ShouldBeLessThan(0.3);
        d.P99After!.Value.ShouldBeGreaterThan(0.5);
        d.Regressed.ShouldBeTrue();
        d.Summary.ShouldContain("roll back");
    }

    [Fact]
    public async Task Without_Prometheus_or_with_a_failing_one_it_says_what_is_missing()
    {
        var none = await new MetricEvidenceCollector(null, TimeProvider.System).ForFindingAsync(Oom("leaky-7d9f"));
        none.Evidence.ShouldBeEmpty();
        none.Missing.Single().ShouldContain("no Prometheus configured");

        using var dead = new PrometheusClient(new Uri($"http://127.0.0.1:{Tools.FreePort()}/"), timeout: TimeSpan.FromSeconds(3));
        var down = await Collector(dead).ForFindingAsync(Oom("leaky-7d9f"));
        down.Memory.ShouldBeNull();
        down.Missing.ShouldContain(m => m.StartsWith("memory trend:", StringComparison.Ordinal) && m.Contains("unreachable", StringComparison.Ordinal));

        var nodata = await Collector().ForFindingAsync(Oom("no-such-pod"));
        nodata.Missing.ShouldContain(m => m.Contains("no data", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_OOM_alert_gets_the_leak_verdict_and_the_memory_series_on_the_shared_incident_record()
    {
        using var dir = new TempDir();
        var time = new FakeTimeProvider(prom.End);
        var store = new KubeMedic.Core.Incidents.IncidentStore(dir.File("incidents"), time);
        var sink = new Receiver.IncidentStoreSink(store);
        var diagnoser = new Receiver.MetricAlertDiagnoser(Collector());
        var labels = new Dictionary<string, string> { ["alertname"] = "KubeMedicPodOOMKilled", ["namespace"] = "lab", ["pod"] = "leaky-7d9f", ["container"] = "app", ["severity"] = "critical", ["kubemedic_code"] = "oom-killed" };
        var alert = new Receiver.AlertSignal("fp1", "g1", "KubeMedicPodOOMKilled", true, Receiver.SevLevel.Sev2, labels, new Dictionary<string, string>(),
            prom.End.AddMinutes(-5), null, Receiver.AlertmanagerWebhook.Objects(labels), "oom-killed", null);
        var diagnosis = await diagnoser.DiagnoseAsync(alert, default);
        diagnosis.ShouldNotBeNull();
        diagnosis.Memory!.Pattern.ShouldBe(MemoryPattern.Leak);
        (await sink.OpenOrUpdateAsync(alert, diagnosis, default)).Kind.ShouldBe(Receiver.IncidentChangeKind.Opened);
        var record = store.List().ShouldHaveSingleItem();
        var hypothesis = record.Hypotheses.ShouldHaveSingleItem();
        hypothesis.Statement.ShouldStartWith("Memory leak");
        hypothesis.Verdict.ShouldBe(KubeMedic.Core.Incidents.HypothesisVerdict.Confirmed);
        hypothesis.Data.ShouldContain(d => d.Contains("MiB/min", StringComparison.Ordinal));
        var memory = record.Metrics.Single(m => m.Unit == "bytes");
        memory.Threshold.ShouldBe(Synthetic.Limit);
        memory.Points.Count.ShouldBeGreaterThan(100);
        (await sink.OpenOrUpdateAsync(alert, null, default)).Kind.ShouldBe(Receiver.IncidentChangeKind.Unchanged);
    }

    [Fact]
    public async Task Bad_PromQL_is_reported_with_the_error_type()
    {
        var ex = await Should.ThrowAsync<PrometheusQueryException>(() => prom.Client.QueryAsync("sum(rate(x[5m])"));
        ex.Message.ShouldContain("bad_data");
    }

    [Fact]
    public async Task Every_dashboard_expression_parses_and_returns_data()
    {
        var failures = new List<string>();
        foreach (var expr in DashboardGenerator.Expressions(DashboardGenerator.Generate()))
        {
            var q = expr.Replace("$__rate_interval", "5m", StringComparison.Ordinal).Replace("$namespace", ".*", StringComparison.Ordinal)
                .Replace("$workload", ".*", StringComparison.Ordinal).Replace("$node", ".*", StringComparison.Ordinal);
            try
            {
                // the deploy annotation only has data at the rollout; look at the whole range
                var result = await prom.Client.QueryRangeAsync(q, prom.End - TimeSpan.FromMinutes(60), prom.End, TimeSpan.FromMinutes(1));
                if (result.Count == 0)
                {
                    failures.Add($"no data: {q}");
                }
            }
            catch (PrometheusQueryException ex)
            {
                failures.Add(ex.Message);
            }
        }

        failures.ShouldBeEmpty(string.Join("\n", failures));
    }
}
