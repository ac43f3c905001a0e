using System.Diagnostics;
using KubeMedic.Simulator.Chaos;
using KubeMedic.Simulator.Metrics;

namespace KubeMedic.Simulator.Tests.Metrics;

/// <summary>
/// Issue 6 done-when: real Prometheus 2.42 scrapes five simulated clusters at once (clock ×60, kube-prometheus' own rules
/// compressed ×60, see <see cref="PrometheusHarness"/>) and fires exactly the right alerts, asserted through /api/v1/alerts.
/// </summary>
public sealed class PrometheusScenarioTests : IAsyncLifetime
{
    private const double Speed = 60;
    private readonly Dictionary<string, SimulatedCluster> _clusters = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        var names = new[] { ("order-service-oom", "order-service-oom"), ("deploy-disaster", "deploy-disaster"), ("healthy", "healthy"), ("node-lost", "healthy"), ("job-backoff-limit", "job-backoff-limit") };
        var started = await Task.WhenAll(names.Select(async n => (n.Item1, await SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = n.Item2, Speed = Speed }))));
        foreach (var (name, sim) in started) _clusters[name] = sim;
    }

    public async Task DisposeAsync()
    {
        foreach (var c in _clusters.Values) await c.DisposeAsync();
    }

    [Fact]
    public async Task Kube_prometheus_alerts_fire_on_exactly_the_right_scenarios()
    {
        await using var prom = await PrometheusHarness.StartAsync(new PrometheusHarnessOptions
        {
            Clusters = _clusters.Select(kv => new ScrapeCluster(kv.Value.Url, kv.Value.List("nodes").Select(n => n["metadata"]!["name"]!.GetValue<string>()).ToList(), kv.Key)).ToList(),
            RuleFiles = ToolPaths.KubePrometheusRules.Select(ToolPaths.SharedData).ToList(),
            TimeCompression = Speed,
        });

        // a node is lost: its kubelet stops heartbeating
        await ChaosActions.RunAsync(_clusters["node-lost"].Context, new ChaosRequest { Action = "stop-heartbeat", Node = "node-2" });

        var want = new (string Cluster, string Alert)[]
        {
            ("order-service-oom", "KubePodCrashLooping"),
            ("deploy-disaster", "KubeDeploymentRolloutStuck"),
            ("deploy-disaster", "KubePodNotReady"),
            ("node-lost", "KubeNodeNotReady"),
            ("job-backoff-limit", "KubeJobFailed"),
        };
        IReadOnlyList<PrometheusAlert> alerts = [];
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            alerts = await prom.AlertsAsync();
            if (want.All(w => alerts.Any(a => a.State == "firing" && a.Name == w.Alert && a.Labels.GetValueOrDefault("cluster") == w.Cluster))) break;
            await Task.Delay(1000);
        }

        // keep watching healthy for a few more evaluation rounds before judging it
        await Task.Delay(3000);
        alerts = await prom.AlertsAsync();
        var firing = alerts.Where(a => a.State == "firing").ToList();
        var summary = string.Join("; ", firing.Select(a => $"{a.Labels.GetValueOrDefault("cluster")}:{a.Name}{{{string.Join(",", a.Labels.Where(l => l.Key is "pod" or "node" or "deployment" or "job_name").Select(l => l.Key + "=" + l.Value))}}}"));
        foreach (var (cluster, alert) in want)
        {
            firing.ShouldContain(a => a.Name == alert && a.Labels.GetValueOrDefault("cluster") == cluster, $"{alert} on {cluster}; firing: {summary}");
        }

        firing.ShouldContain(a => a.Name == "KubePodCrashLooping" && a.Labels["cluster"] == "order-service-oom" && a.Labels["pod"].StartsWith("order-service-", StringComparison.Ordinal), summary);
        firing.ShouldContain(a => a.Name == "KubeDeploymentRolloutStuck" && a.Labels["cluster"] == "deploy-disaster" && a.Labels["deployment"] == "api-server", summary);
        firing.ShouldContain(a => a.Name == "KubeNodeNotReady" && a.Labels["cluster"] == "node-lost" && a.Labels["node"] == "node-2", summary);
        firing.ShouldContain(a => a.Name == "KubeJobFailed" && a.Labels["cluster"] == "job-backoff-limit" && a.Labels["job_name"] == "nightly-report", summary);
        firing.Where(a => a.Labels.GetValueOrDefault("cluster") == "healthy").ShouldBeEmpty(summary);
        firing.ShouldNotContain(a => a.Name == "KubeletDown", summary);

        // RED metrics follow the app model: no ready frontend backend in deploy-disaster -> every request 5xx; healthy web -> none
        var errorRatio = await prom.QueryAsync("sum by (cluster, service) (rate(http_server_requests_seconds_count{status=~\"5..\"}[10s])) / sum by (cluster, service) (rate(http_server_requests_seconds_count[10s]))");
        var ratios = string.Join(", ", errorRatio.Select(r => $"{r.Labels["cluster"]}/{r.Labels["service"]}={r.Value:0.##}"));
        errorRatio.Single(r => r.Labels["cluster"] == "deploy-disaster" && r.Labels["service"] == "frontend").Value.ShouldBe(1, ratios);
        errorRatio.Single(r => r.Labels["cluster"] == "healthy" && r.Labels["service"] == "web").Value.ShouldBe(0, ratios);
        var rps = await prom.QueryAsync("sum(rate(http_server_requests_seconds_count{cluster=\"healthy\",service=\"web\"}[10s]))");
        rps.Single().Value.ShouldBe(AppTraffic.DefaultRps, 2, "wall-clock request rate equals the modelled 10 rps at clock x60");

        // every target answered, except the lost nodes' kubelet and node-exporter (node-1 in deploy-disaster, node-2 in node-lost);
        // judged over a window because a 1 s scrape timeout on a loaded 2-core machine can miss a single scrape
        var everUp = await prom.QueryAsync("max_over_time(up[20s])");
        var neverUp = everUp.Where(r => r.Value == 0).Select(r => $"{r.Labels["cluster"]}/{r.Labels["job"]}/{r.Labels["instance"]}").Order(StringComparer.Ordinal).ToList();
        neverUp.ShouldBe(
        [
            "deploy-disaster/kubelet/node-1:10250", "deploy-disaster/kubelet/node-1:10250", "deploy-disaster/node-exporter/node-1",
            "node-lost/kubelet/node-2:10250", "node-lost/kubelet/node-2:10250", "node-lost/node-exporter/node-2",
        ], string.Join(", ", neverUp));
    }
}
