using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace KubeMedic.Observability.Tests;

/// <summary>The alerts, slo, dashboard and serve verbs through the real kubemedic binary: output, exit codes, one-line errors.</summary>
public sealed class CliTests
{
    internal static (int Code, string Stdout, string Stderr) Kubemedic(string workDir, params string[] args) => Kubemedic(workDir, null, args);

    internal static (int Code, string Stdout, string Stderr) Kubemedic(string workDir, Dictionary<string, string>? env, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "kubemedic.dll");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        // no embedded simulated cluster unless a test asks for it: these tests are about flags, files and exit codes
        psi.Environment["KUBEMEDIC_EMBEDDED_CLUSTER"] = "off";
        foreach (var (k, v) in env ?? [])
        {
            psi.Environment[k] = v;
        }

        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(true);
            throw new TimeoutException("kubemedic " + string.Join(' ', args));
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Alerts_generate_from_a_nodes_file_writes_rules_and_a_suite_that_promtool_passes()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("nodes.json"), AlertRuleTests.NodesJson(("ip-10-0-1-34", "2", "4Gi"), ("big", "8", "32Gi")));
        var run = Kubemedic(dir.Path, "alerts", "generate", "--plain", "--nodes-file", "nodes.json", "-o", "rules.yaml", "--tests", "tests.yaml", "--runbook-base", "https://example.org/rb");
        run.Code.ShouldBe(0, run.Stderr);
        run.Stderr.ShouldContain("tuned for ip-10-0-1-34 (2 vCPU / 4 GiB): CPU 80/95 %, memory 85/94 %");
        File.ReadAllText(dir.File("rules.yaml")).ShouldContain("runbook_url: https://example.org/rb/oom-killed.md");
        Tools.Run(Tools.Promtool, dir.Path, "check", "rules", "rules.yaml").Code.ShouldBe(0);
        var test = Tools.Run(Tools.Promtool, dir.Path, "test", "rules", "tests.yaml");
        test.Code.ShouldBe(0, test.Output);
    }

    [Fact]
    public void Alerts_generate_tunes_to_the_cluster_model_of_a_snapshot()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("cluster.json"), AlertRuleTests.NodesJson(("ip-10-0-1-34", "2", "4Gi"), ("big", "16", "64Gi")));
        var run = Kubemedic(dir.Path, "alerts", "generate", "--snapshot", "cluster.json", "--plain");
        run.Code.ShouldBe(0, run.Stderr);
        run.Stderr.ShouldContain("tuned for ip-10-0-1-34 (2 vCPU / 4 GiB)");
        run.Stdout.ShouldContain("node_memory_MemTotal_bytes) > 85\n");

        // no kubeconfig anywhere: default thresholds, and a note saying so
        var none = Kubemedic(dir.Path, new Dictionary<string, string> { ["KUBECONFIG"] = "", ["HOME"] = dir.Path, ["KUBEMEDIC_EMBEDDED_CLUSTER"] = "off" }, "alerts", "generate", "--plain");
        none.Code.ShouldBe(0, none.Stderr);
        none.Stderr.ShouldContain("no node capacity known");
    }

    [Fact]
    public void Without_any_cluster_flag_the_embedded_simulated_cluster_is_the_default()
    {
        using var dir = new TempDir();
        var run = Kubemedic(dir.Path, new Dictionary<string, string> { ["KUBECONFIG"] = "", ["HOME"] = dir.Path, ["KUBEMEDIC_EMBEDDED_CLUSTER"] = "" }, "alerts", "generate", "--plain");
        run.Code.ShouldBe(0, run.Stderr);
        run.Stderr.ShouldContain("embedded simulated cluster");
        run.Stderr.ShouldContain("thresholds tuned for ");
    }

    [Fact]
    public void Alerts_generate_defaults_to_a_PrometheusRule_on_stdout_and_honours_overrides()
    {
        using var dir = new TempDir();
        var run = Kubemedic(dir.Path, "alerts", "generate", "--node-cpu", "1", "--node-memory", "2Gi", "--memory-warning", "75");
        run.Code.ShouldBe(0, run.Stderr);
        run.Stdout.ShouldStartWith("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule");
        run.Stdout.ShouldContain("> 90\n"); // CPU critical tuned for 1 vCPU
        run.Stdout.ShouldContain("node_memory_MemTotal_bytes) > 75\n");
    }

    [Theory]
    [InlineData("--nodes-file", "missing.json", "--nodes-file: cannot read 'missing.json'")]
    [InlineData("--node-memory", "lots", "--node-memory: 'lots' is not a Kubernetes quantity")]
    [InlineData("--cpu-warning", "99", "node CPU warning (99 %) must be below critical")]
    [InlineData("--runbook-base", "not a url", "--runbook-base: 'not a url' is not an absolute URL")]
    public void Alerts_bad_input_is_one_line_and_exit_2(string flag, string value, string message)
    {
        using var dir = new TempDir();
        var run = Kubemedic(dir.Path, "alerts", "generate", flag, value, "-o", "out.yaml");
        run.Code.ShouldBe(2);
        run.Stderr.Trim().ShouldStartWith("error: ");
        run.Stderr.ShouldContain(message);
        run.Stderr.Trim().Split('\n').Length.ShouldBe(1);
        File.Exists(dir.File("out.yaml")).ShouldBeFalse();
    }

    [Fact]
    public void Slo_generate_and_bad_spec()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("slo.yaml"), SloTests.Spec);
        var run = Kubemedic(dir.Path, "slo", "generate", "-f", "slo.yaml", "--plain", "-o", "slo-rules.yaml");
        run.Code.ShouldBe(0, run.Stderr);
        Tools.Run(Tools.Promtool, dir.Path, "check", "rules", "slo-rules.yaml").Code.ShouldBe(0);

        File.WriteAllText(dir.File("bad.yaml"), "service: x\nobjective: 99.9\nsli:\n  error_query: rate(e[5m])\n  total_query: rate(t[5m])\n");
        var bad = Kubemedic(dir.Path, "slo", "generate", "-f", "bad.yaml");
        bad.Code.ShouldBe(2);
        bad.Stderr.ShouldContain("{{.window}} placeholder");
    }

    [Fact]
    public void Slo_report_with_Prometheus_down_fails_cleanly()
    {
        using var dir = new TempDir();
        var run = Kubemedic(dir.Path, "slo", "report", "--prometheus", $"http://127.0.0.1:{Tools.FreePort()}");
        run.Code.ShouldBe(1);
        run.Stderr.ShouldContain("unreachable");
        Kubemedic(dir.Path, "slo", "report", "--prometheus", "ftp://x").Code.ShouldBe(2);
    }

    [Fact]
    public void Dashboard_generate_writes_valid_json()
    {
        using var dir = new TempDir();
        var run = Kubemedic(dir.Path, "dashboard", "generate", "-o", "dash.json");
        run.Code.ShouldBe(0, run.Stderr);
        var json = JsonNode.Parse(File.ReadAllText(dir.File("dash.json")))!;
        json["refresh"]!.GetValue<string>().ShouldBe("30s");
        Kubemedic(dir.Path, "dashboard", "generate", "--refresh", "soon").Code.ShouldBe(2);
    }

    [Fact]
    public void Serve_rejects_bad_flags_with_exit_2()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("short"), "abc");
        Kubemedic(dir.Path, "serve", "--token-file", "short").Stderr.ShouldContain("shorter than 16 characters");
        var offLoopback = Kubemedic(dir.Path, "serve", "--listen", "0.0.0.0:0", "--incidents-dir", dir.File("inc"));
        offLoopback.Code.ShouldBe(2);
        offLoopback.Stderr.ShouldContain("needs --token-file");
        var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        try
        {
            var port = ((IPEndPoint)busy.LocalEndpoint).Port;
            var inUse = Kubemedic(dir.Path, "serve", "--listen", $"127.0.0.1:{port}", "--incidents-dir", dir.File("inc"));
            inUse.Code.ShouldBe(2, inUse.Stderr);
            inUse.Stderr.ShouldContain("cannot listen");
        }
        finally
        {
            busy.Stop();
        }
    }
}
