using System.Diagnostics;
using System.Text.Json;

namespace KubeMedic.Cli.Tests;

/// <summary>With no snapshot and no kubeconfig, commands run against the embedded simulated cluster.</summary>
public sealed class EmbeddedDefaultTests : IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("kubemedic-home-");

    [Fact]
    public async Task Diagnose_without_any_cluster_reads_the_embedded_simulator()
    {
        var (code, stdout, stderr) = await RunAsync(new() { ["KUBEMEDIC_SIM_SCENARIO"] = "order-service-oom" }, "diagnose", "-o", "json");

        code.ShouldBe(1, stderr); // findings
        stderr.ShouldContain("embedded simulated cluster (scenario order-service-oom");
        using var json = JsonDocument.Parse(stdout);
        var findings = json.RootElement.GetProperty("findings").EnumerateArray().ToList();
        findings.ShouldContain(f => f.GetProperty("code").GetString() == "oom-killed"
            && f.GetProperty("object").GetProperty("name").GetString() == "order-service"
            && f.GetProperty("object").GetProperty("namespace").GetString() == "production");
    }

    [Fact]
    public async Task The_embedded_default_can_be_switched_off()
    {
        var (code, stdout, stderr) = await RunAsync(new() { ["KUBEMEDIC_EMBEDDED_CLUSTER"] = "off" }, "diagnose");

        code.ShouldBe(2);
        stdout.ShouldBeEmpty();
        stderr.Trim().Split('\n').Length.ShouldBe(1, stderr);
        stderr.ShouldStartWith("error: no cluster found");
    }

    [Fact]
    public async Task A_bad_embedded_scenario_name_is_one_line_and_exit_2()
    {
        var (code, _, stderr) = await RunAsync(new() { ["KUBEMEDIC_SIM_SCENARIO"] = "no-such-scenario" }, "diagnose");

        code.ShouldBe(2, stderr);
        stderr.ShouldContain("error: KUBEMEDIC_SIM_SCENARIO");
        stderr.ShouldNotContain("   at ");
    }

    private async Task<(int Code, string Stdout, string Stderr)> RunAsync(Dictionary<string, string> env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = _home.FullName,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kubemedic.dll"));
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["HOME"] = _home.FullName;
        psi.Environment.Remove("KUBECONFIG");
        psi.Environment.Remove("KUBERNETES_SERVICE_HOST");
        psi.Environment.Remove("KUBEMEDIC_EMBEDDED_CLUSTER");
        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubemedic {string.Join(' ', args)} did not finish in 2 minutes");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    public void Dispose() => _home.Delete(recursive: true);
}
