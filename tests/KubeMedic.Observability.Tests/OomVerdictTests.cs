using System.Text.Json.Nodes;
using KubeMedic.Simulator;
using KubeMedic.Simulator.Metrics;

namespace KubeMedic.Observability.Tests;

/// <summary>
/// Issue 7 done-when: `kubemedic diagnose --prometheus URL` on the OOM scenario tells a leak (order-service-oom: steady climb to the
/// limit) from a limit that is simply too low (order-service-oom-limit: a step to a plateau at ~97 % of the limit). Real simulator
/// (clock ×30) + real Prometheus 2.42 scraping it (sim's PrometheusHarness, 1 s scrapes) + the real CLI over the sim's kubeconfig.
/// Two classes so xunit runs both variants in parallel.
/// </summary>
public abstract class OomVerdictTestBase
{
    private const double Speed = 30;

    protected static async Task DiagnoseSays(string scenario, string expected)
    {
        using var dir = new TempDir();
        var file = Path.Combine(Tools.RepoRoot, "scenarios", scenario + ".yaml");
        await using var sim = await SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = file, Speed = Speed, KubeconfigOut = dir.File("kubeconfig") });
        await using var prom = await PrometheusHarness.StartAsync(new PrometheusHarnessOptions
        {
            Clusters = [new ScrapeCluster(sim.Url, sim.List("nodes").Select(n => n["metadata"]!["name"]!.GetValue<string>()).ToList())],
            TimeCompression = Speed,
        });

        // let samples accumulate: at ×30 one leak cycle (320Mi -> 512Mi at 48Mi/min) is 8 s of Prometheus time; judge over the last 60 s
        var deadline = DateTime.UtcNow.AddSeconds(55);
        await Task.Delay(TimeSpan.FromSeconds(20));
        string verdict = "", last = "";
        while (true)
        {
            var run = await Task.Run(() => CliTests.Kubemedic(dir.Path, "diagnose", "--kubeconfig", dir.File("kubeconfig"), "-n", "production",
                "--prometheus", prom.Url.ToString(), "--metrics-lookback", "60s", "-o", "json"));
            last = $"exit {run.Code}\n{run.Stderr}\n{run.Stdout}";
            run.Code.ShouldBe(1, last); // findings
            var oom = JsonNode.Parse(run.Stdout)!["findings"]!.AsArray()
                .FirstOrDefault(f => f!["code"]!.GetValue<string>() == "oom-killed" && f["object"]!["name"]!.GetValue<string>() == "order-service");
            oom.ShouldNotBeNull(last);
            verdict = oom["evidence"]!.AsArray().Select(e => e!["text"]!.GetValue<string>()).FirstOrDefault(t => t.StartsWith("memory: ", StringComparison.Ordinal)) ?? "";
            if (verdict.StartsWith(expected, StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(3));
        }

        verdict.ShouldStartWith(expected, Case.Sensitive, last + "\n" + prom.Log);
    }
}

public sealed class OomLeakVerdictTests : OomVerdictTestBase
{
    [Fact]
    public Task Diagnose_with_prometheus_calls_the_order_service_oom_a_leak() => DiagnoseSays("order-service-oom", "memory: leak, ");
}

public sealed class OomLimitVerdictTests : OomVerdictTestBase
{
    [Fact]
    public Task Diagnose_with_prometheus_calls_the_oom_limit_variant_limit_too_low() => DiagnoseSays("order-service-oom-limit", "memory: limit too low");
}
