using System.Text.Json.Nodes;
using KubeMedic.Simulator;
using KubeMedic.Simulator.Metrics;
using Xunit.Abstractions;

namespace KubeMedic.Observability.Tests;

/// <summary>
/// Issue 7 done-when: `kubemedic diagnose --prometheus URL` on the OOM scenario tells a leak (order-service-oom: steady climb to the
/// limit) from a limit that is simply too low (order-service-oom-limit: a step to a plateau at ~97 % of the limit). Real simulator
/// (clock ×30) + real Prometheus 2.42 scraping it (sim's PrometheusHarness, 1 s scrapes) + the real CLI over the sim's kubeconfig.
/// Two classes so xunit runs both variants in parallel.
/// </summary>
public abstract class OomVerdictTestBase(ITestOutputHelper output)
{
    private const double Speed = 30;

    protected async Task<string> DiagnoseSays(string scenario, string expected, string confirmedCheck)
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

        output.WriteLine(verdict);
        verdict.ShouldStartWith(expected, Case.Sensitive, last + "\n" + prom.Log);

        // triage settles the same hypothesis
        var triage = await Task.Run(() => CliTests.Kubemedic(dir.Path, "triage", "--kubeconfig", dir.File("kubeconfig"), "-n", "production",
            "--prometheus", prom.Url.ToString(), "--metrics-lookback", "60s", "-o", "json"));
        triage.Code.ShouldBe(0, triage.Stderr);
        var checks = JsonNode.Parse(triage.Stdout)!["checks"]!.AsArray();
        checks.ShouldContain(c => c!["hypothesis"]!.GetValue<string>() == confirmedCheck && c["verdict"]!.GetValue<string>() == "confirmed", triage.Stdout);
        return verdict;
    }
}

public sealed class OomLeakVerdictTests(ITestOutputHelper output) : OomVerdictTestBase(output)
{
    [Fact]
    public async Task Diagnose_with_prometheus_calls_the_order_service_oom_a_leak()
    {
        var verdict = await DiagnoseSays("order-service-oom", "memory: leak, ", "memory leak in Deployment/order-service (Prometheus)");
        // 48Mi per simulated minute (pace 0.9-1.1) on a clock running x30: Prometheus sees ~1440 MiB per real minute
        var slope = double.Parse(verdict["memory: leak, ".Length..verdict.IndexOf(" MiB/min", StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
        slope.ShouldBeInRange(35 * 30, 65 * 30, verdict);
    }
}

/// <summary>Without a reachable Prometheus the diagnosis is unchanged and says which evidence is missing.</summary>
public sealed class PrometheusUnreachableTests
{
    [Fact]
    public void Diagnose_still_works_and_names_the_missing_evidence()
    {
        using var dir = new TempDir();
        var snapshot = Path.Combine(AppContext.BaseDirectory, "Fixtures", "seed000-oom.json");
        var plain = CliTests.Kubemedic(dir.Path, "diagnose", "--snapshot", snapshot, "-o", "json");
        var url = $"http://127.0.0.1:{Tools.FreePort()}/";
        var run = CliTests.Kubemedic(dir.Path, "diagnose", "--snapshot", snapshot, "--prometheus", url, "-o", "json");
        run.Code.ShouldBe(plain.Code, run.Stderr);
        run.Stderr.ShouldContain("warning: Prometheus evidence missing");
        var before = JsonNode.Parse(plain.Stdout)!["findings"]!.AsArray();
        var after = JsonNode.Parse(run.Stdout)!["findings"]!.AsArray();
        after.Select(f => f!["code"]!.GetValue<string>()).ShouldBe(before.Select(f => f!["code"]!.GetValue<string>()));
        var oom = after.First(f => f!["code"]!.GetValue<string>() == "oom-killed")!;
        oom["evidence"]!.AsArray().Select(e => e!["text"]!.GetValue<string>()).ShouldContain(t => t.StartsWith("not checked: memory trend", StringComparison.Ordinal), run.Stdout);

        CliTests.Kubemedic(dir.Path, "diagnose", "--snapshot", snapshot, "--prometheus", "ftp://x").Code.ShouldBe(2);
    }
}

public sealed class OomLimitVerdictTests(ITestOutputHelper output) : OomVerdictTestBase(output)
{
    [Fact]
    public async Task Diagnose_with_prometheus_calls_the_oom_limit_variant_limit_too_low() =>
        (await DiagnoseSays("order-service-oom-limit", "memory: limit too low", "memory limit too low for Deployment/order-service (Prometheus)")).ShouldContain("plateau at 9");
}
