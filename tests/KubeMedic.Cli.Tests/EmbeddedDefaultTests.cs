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

    [Theory]
    [InlineData("diagnose")]
    [InlineData("respond")]
    public async Task The_embedded_default_can_be_switched_off(string verb)
    {
        var (code, stdout, stderr) = await RunAsync(new() { ["KUBEMEDIC_EMBEDDED_CLUSTER"] = "off" }, verb);

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

    [Theory]
    [InlineData("diagnose")]
    [InlineData("respond")]
    public async Task A_KUBECONFIG_whose_files_are_all_missing_is_an_error_not_the_embedded_simulator(string verb)
    {
        var missing = string.Join(Path.PathSeparator, Path.Combine(_home.FullName, "gone-1"), Path.Combine(_home.FullName, "gone-2"));

        var (code, stdout, stderr) = await RunAsync(new() { ["KUBECONFIG"] = missing }, verb);

        code.ShouldBe(2, stderr);
        stdout.ShouldBeEmpty();
        stderr.Trim().ShouldBe($"error: KUBECONFIG={missing}: no such files (unset KUBECONFIG to use ~/.kube/config)");
        stderr.ShouldNotContain("embedded simulated cluster");
    }

    [Theory]
    [InlineData("diagnose")]
    [InlineData("respond")]
    [InlineData("fix")]
    public async Task A_missing_kubeconfig_flag_is_an_error_naming_the_file(string verb)
    {
        var missing = Path.Combine(_home.FullName, "nope.yaml");
        string[] args = verb == "fix" ? [verb, "oom-killed:Deployment/production/order-service", "--kubeconfig", missing] : [verb, "--kubeconfig", missing];

        var (code, _, stderr) = await RunAsync([], args);

        code.ShouldBe(2, stderr);
        stderr.Trim().ShouldBe($"error: kubeconfig '{missing}': no such file");
    }

    private Task<(int Code, string Stdout, string Stderr)> RunAsync(Dictionary<string, string> env, params string[] args)
    {
        // HOME without ~/.kube/config and an empty KUBECONFIG: "no cluster around" (a KUBECONFIG naming missing files is an error instead)
        var all = new Dictionary<string, string>
        {
            ["HOME"] = _home.FullName,
            ["KUBECONFIG"] = "",
            ["KUBEMEDIC_EMBEDDED_CLUSTER"] = "on",
        };
        foreach (var (k, v) in env)
        {
            all[k] = v;
        }

        return Task.Run(() => Lab.CliProcess.Run(Lab.CliProcess.Kubemedic, all, TimeSpan.FromMinutes(2), args));
    }

    public void Dispose() => _home.Delete(recursive: true);
}
