using KubeMedic.Simulator;

namespace KubeMedic.Observability.Tests;

/// <summary>alerts generate against the embedded simulated cluster, through its kubeconfig and the real Kubernetes client.</summary>
public sealed class SimulatorTests
{
    [Fact]
    public async Task Alerts_are_tuned_to_the_nodes_of_a_live_cluster()
    {
        using var dir = new TempDir();
        await using var sim = await SimulatedCluster.StartAsync(new SimulatorOptions { KubeconfigOut = dir.File("kubeconfig") });
        var nodes = sim.List("nodes");
        nodes.ShouldNotBeEmpty();
        var name = nodes[0]["metadata"]!["name"]!.GetValue<string>();

        var run = CliTests.Kubemedic(dir.Path, "alerts", "generate", "--kubeconfig", dir.File("kubeconfig"), "--plain", "-o", "rules.yaml");
        run.Code.ShouldBe(0, run.Stderr);
        run.Stderr.ShouldContain($"thresholds tuned for {name} (");
        Tools.Run(Tools.Promtool, dir.Path, "check", "rules", "rules.yaml").Code.ShouldBe(0);
    }
}

/// <summary>
/// Real Prometheus 2.42 scraping the simulator (order-service-oom, clock ×60, sim's PrometheusHarness): KubeMedic's generated
/// rules fire on the OOM-killed service, and the dashboard's expressions return data.
/// </summary>
public sealed class SimulatorPrometheusTests
{
    [Fact]
    public async Task Generated_rules_fire_on_the_oom_scenario_and_dashboard_queries_return_data()
    {
        const double speed = 60;
        using var dir = new TempDir();
        await using var sim = await SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = "order-service-oom", Speed = speed });
        File.WriteAllText(dir.File("kubemedic-rules.yaml"), Rules.RuleFileWriter.ToPlain(Rules.AlertRuleGenerator.Generate(new Rules.AlertRuleOptions())));
        await using var prom = await KubeMedic.Simulator.Metrics.PrometheusHarness.StartAsync(new KubeMedic.Simulator.Metrics.PrometheusHarnessOptions
        {
            Clusters = [new KubeMedic.Simulator.Metrics.ScrapeCluster(sim.Url, sim.List("nodes").Select(n => n["metadata"]!["name"]!.GetValue<string>()).ToList())],
            RuleFiles = [dir.File("kubemedic-rules.yaml")],
            TimeCompression = speed,
        });

        IReadOnlyList<KubeMedic.Simulator.Metrics.PrometheusAlert> alerts = [];
        var deadline = DateTime.UtcNow.AddSeconds(75);
        while (DateTime.UtcNow < deadline)
        {
            alerts = await prom.AlertsAsync();
            if (alerts.Any(a => a.State == "firing" && a.Name is "KubeMedicPodCrashLooping" or "KubeMedicPodOOMKilled"))
            {
                break;
            }

            await Task.Delay(1000);
        }

        var summary = string.Join("; ", alerts.Select(a => $"{a.Name}/{a.State}{{{string.Join(",", a.Labels.Where(l => l.Key is "pod" or "namespace" or "deployment").Select(l => l.Key + "=" + l.Value))}}}"));
        alerts.Any(a => a.State == "firing" && a.Name is "KubeMedicPodCrashLooping" or "KubeMedicPodOOMKilled"
            && a.Labels.GetValueOrDefault("pod", "").StartsWith("order-service-", StringComparison.Ordinal)).ShouldBeTrue(summary + "\n" + prom.Log);

        // every dashboard expression parses; the cluster-level ones return data from the simulator's targets
        var empty = new List<string>();
        foreach (var expr in Dashboards.DashboardGenerator.Expressions(Dashboards.DashboardGenerator.Generate()))
        {
            var q = expr.Replace("$__rate_interval", "1m", StringComparison.Ordinal).Replace("$namespace", ".*", StringComparison.Ordinal)
                .Replace("$workload", ".*", StringComparison.Ordinal).Replace("$node", ".*", StringComparison.Ordinal);
            if ((await prom.QueryAsync(q)).Count == 0)
            {
                empty.Add(q);
            }
        }

        var mustHaveData = new[] { "node_cpu_seconds_total", "node_memory_MemAvailable_bytes", "kube_pod_status_phase", "kube_pod_container_status_restarts_total", "http_server_requests_seconds_bucket" };
        empty.Where(q => mustHaveData.Any(m => q.Contains(m, StringComparison.Ordinal))).ShouldBeEmpty(string.Join("\n", empty));
    }
}
