using System.Diagnostics;
using KubeMedic.Simulator.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KubeMedic.Simulator.Tests.Metrics;

public class PrometheusHarnessTests
{
    [Fact]
    public void Rewritten_kube_prometheus_rules_are_valid_and_compressed()
    {
        var dir = Directory.CreateTempSubdirectory("kubemedic-rules-").FullName;
        try
        {
            foreach (var file in ToolPaths.KubePrometheusRules)
            {
                var text = PrometheusHarness.RewriteRules(File.ReadAllText(ToolPaths.SharedData(file)), 60, TimeSpan.FromSeconds(1));
                var path = Path.Combine(dir, file);
                File.WriteAllText(path, text);
                var (code, output) = ToolPaths.Run(ToolPaths.Find("promtool"), null, "check", "rules", path);
                code.ShouldBe(0, output);
            }

            var cp = File.ReadAllText(Path.Combine(dir, ToolPaths.KubePrometheusRules[0]));
            cp.ShouldContain("max_over_time(kube_pod_container_status_waiting_reason{reason=\\u0022CrashLoopBackOff\\u0022, job=\\u0022kube-state-metrics\\u0022}[5s]) \\u003E= 1");
            cp.ShouldContain("\"for\": \"15s\"");
            cp.ShouldNotContain("\"for\": \"15m\"");
            cp.ShouldContain("changes(kube_deployment_status_replicas_updated{job=\\u0022kube-state-metrics\\u0022}[10s])");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("15m", 900)]
    [InlineData("1h30m", 5400)]
    [InlineData("500ms", 0.5)]
    public void Durations_parse_like_prometheus(string text, double seconds) =>
        PrometheusHarness.ParseDuration(text).TotalSeconds.ShouldBe(seconds);

    [Fact]
    public void Range_selectors_are_clamped_to_four_scrape_intervals()
    {
        var rules = """
            groups:
            - name: g
              interval: 3m
              rules:
              - alert: A
                expr: rate(x[1m]) > 0 and max_over_time(y[30m:5m]) > 1
                for: 1h
            """;
        var text = PrometheusHarness.RewriteRules(rules, 60, TimeSpan.FromSeconds(1));
        text.ShouldContain("rate(x[4s])");
        text.ShouldContain("max_over_time(y[30s:5s])");
        text.ShouldContain("\"for\": \"60s\"");
        text.ShouldContain("\"interval\": \"3s\"");
    }

    /// <summary>
    /// Real Prometheus 2.42 scrapes the metric endpoints (served by the same route mapping the simulator uses, fed by a
    /// fixed cluster state whose clock runs 60× faster) with kube-prometheus' own rules, compressed 60×.
    /// </summary>
    [Fact]
    public async Task Real_prometheus_fires_kube_prometheus_alerts_on_the_fixture_cluster()
    {
        var started = Stopwatch.StartNew();
        var fixture = MetricsFixture.State();
        var metrics = new SimulatorMetrics(() => new ClusterState
        {
            Now = fixture.Now + TimeSpan.FromTicks(started.Elapsed.Ticks * 60),
            Nodes = fixture.Nodes, Pods = fixture.Pods, Deployments = fixture.Deployments, Jobs = fixture.Jobs, Services = fixture.Services,
            Endpoints = fixture.Endpoints, Usage = fixture.Usage, KubeletReachable = fixture.KubeletReachable, CounterTimeScale = 1.0 / 60,
        });
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.UseSimulatorMetrics(metrics);
        app.Run(http => { http.Response.StatusCode = 404; return Task.CompletedTask; });
        await app.StartAsync();
        var url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        await using var prom = await PrometheusHarness.StartAsync(new PrometheusHarnessOptions
        {
            Clusters = [new ScrapeCluster(url, ["node-1", "node-2"], "fixture")],
            RuleFiles = ToolPaths.KubePrometheusRules.Select(ToolPaths.SharedData).ToList(),
            TimeCompression = 60,
        });

        var want = new[] { "KubePodCrashLooping", "KubeJobFailed", "KubeNodeNotReady", "KubeDeploymentRolloutStuck" };
        IReadOnlyList<PrometheusAlert> alerts = [];
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            alerts = await prom.AlertsAsync();
            if (want.All(w => alerts.Any(a => a.Name == w && a.State == "firing"))) break;
            await Task.Delay(1000);
        }

        var firing = alerts.Where(a => a.State == "firing").ToList();
        var summary = string.Join(", ", firing.Select(a => a.Name + "{" + string.Join(",", a.Labels.Where(l => l.Key is "pod" or "node" or "job_name").Select(l => l.Key + "=" + l.Value)) + "}"));
        firing.ShouldContain(a => a.Name == "KubePodCrashLooping" && a.Labels["pod"] == "web-2" && a.Labels["cluster"] == "fixture", summary);
        firing.ShouldContain(a => a.Name == "KubeJobFailed" && a.Labels["job_name"] == "report", summary);
        firing.ShouldContain(a => a.Name == "KubeNodeNotReady" && a.Labels["node"] == "node-2", summary);
        firing.ShouldContain(a => a.Name == "KubeDeploymentRolloutStuck" && a.Labels["deployment"] == "web", summary);
        firing.ShouldNotContain(a => a.Name == "KubeletDown", summary);
        firing.ShouldNotContain(a => a.Name == "KubeAPIDown" || a.Name == "KubeSchedulerDown" || a.Name == "KubeControllerManagerDown", summary);
        firing.ShouldNotContain(a => a.Name == "KubePodCrashLooping" && a.Labels["pod"] == "web-1", summary);

        var targets = await prom.TargetsAsync();
        targets.ShouldContain(t => t.Job == "kubelet" && t.Instance == "node-2:10250" && t.Health == "down" && t.Error.Contains("503", StringComparison.Ordinal));
        // judged over a window: a 1 s scrape timeout on a loaded machine can miss a single scrape
        var everUp = await prom.QueryAsync("max_over_time(up[20s])");
        everUp.Where(r => r.Value == 0).Select(r => r.Labels["instance"]).ShouldAllBe(i => i.StartsWith("node-2", StringComparison.Ordinal));
        everUp.Count(r => r.Value == 1).ShouldBe(targets.Count - 3);
        await app.StopAsync();
    }
}
