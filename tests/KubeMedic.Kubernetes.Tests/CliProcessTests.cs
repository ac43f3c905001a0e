using System.Diagnostics;
using System.Text;

namespace KubeMedic.Kubernetes.Tests;

/// <summary>The real <c>kubemedic</c> process: exit codes, one-line errors, and no Secret value in any output.</summary>
public sealed class CliProcessTests : IAsyncLifetime
{
    private static readonly string[] SecretValues =
    [
        "U3VwM3JTM2NyM3QtREItUGFzc3dvcmQ=", // healthy.json Secret data (base64)
        "Sup3rS3cr3t-DB-Password",          // ... decoded
        "plain-literal-token-hunter2",      // a literal env value in a pod spec
        LiveSourceTests.SecretValue,
    ];

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("km-cli-");
    private FakeApiServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeApiServer.StartAsync(LiveSourceTests.ItemsWithSecret());

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Delete(recursive: true);
    }

    internal static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add(TestPaths.Cli);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["KUBECONFIG"] = ""; // empty: no kubeconfig given (a KUBECONFIG naming missing files is an error)
        psi.Environment["HOME"] = Path.GetTempPath();
        psi.Environment["KUBEMEDIC_EMBEDDED_CLUSTER"] = "off"; // "no cluster" must be an error here, not the embedded simulator
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Theory]
    [InlineData("seed000-oom.json", "oom-killed", 1)]
    [InlineData("seed002-disasters.json", "image-pull", 1)]
    [InlineData("healthy.json", null, 0)]
    public async Task Diagnose_json_contract_and_exit_codes(string fixture, string? code, int exit)
    {
        var (rc, stdout, _) = await RunAsync("diagnose", "--snapshot", TestPaths.Fixture(fixture), "-o", "json", "--min-severity", "medium");

        rc.ShouldBe(exit);
        var doc = System.Text.Json.JsonDocument.Parse(stdout).RootElement;
        var findings = doc.GetProperty("findings").EnumerateArray().ToList();
        if (code is null)
        {
            findings.ShouldBeEmpty();
            return;
        }

        var f = findings.First(x => x.GetProperty("code").GetString() == code);
        f.GetProperty("severity").GetString().ShouldBeOneOf("critical", "high", "medium", "low", "info");
        f.GetProperty("object").GetProperty("kind").GetString().ShouldBe("Deployment");
        foreach (var field in new[] { "owner", "pods", "subReason", "summary", "cause", "evidence", "fix", "related", "docs" })
        {
            f.TryGetProperty(field, out _).ShouldBeTrue(field);
        }

        f.GetProperty("fix").GetProperty("commands")[0].GetString()!.ShouldStartWith("kubectl ");
        f.GetProperty("evidence")[0].GetProperty("source").GetString().ShouldBeOneOf("status", "event", "log", "spec", "metric", "history");
    }

    [Fact]
    public async Task Table_output_groups_by_namespace_and_fits_100_columns()
    {
        var (rc, stdout, _) = await RunAsync("diagnose", "--snapshot", TestPaths.Fixture("seed002-disasters.json"));

        rc.ShouldBe(1);
        stdout.ShouldContain("== default");
        stdout.ShouldContain("== (cluster)");
        stdout.Split('\n').ShouldAllBe(line => line.Length <= 100);
        stdout.ShouldNotContain("\u001b[");
        stdout.IndexOf("CRITICAL", StringComparison.Ordinal).ShouldBeLessThan(stdout.IndexOf("MEDIUM", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Triage_prints_severity_correlation_and_status_message()
    {
        var (rc, stdout, _) = await RunAsync("triage", "--snapshot", TestPaths.Fixture("seed000-oom.json"));

        rc.ShouldBe(0);
        stdout.ShouldContain("Severity: SEV2");
        stdout.ShouldContain("first OOMKilled 15 min after revision 2 of deployment order-service");
        stdout.ShouldContain("[SEV2] Identified: order-service degraded (production)");

        var (_, json, _) = await RunAsync("triage", "--snapshot", TestPaths.Fixture("seed000-oom.json"), "-o", "json");
        System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("severity").GetString().ShouldBe("SEV2");
    }

    public static TheoryData<string, string[]> BadInputs() => new()
    {
        { "truncated", ["diagnose", "--snapshot", "{truncated}"] },
        { "empty", ["diagnose", "--snapshot", "{empty}"] },
        { "wrong kind", ["diagnose", "--snapshot", "{wrong}"] },
        { "no dump files", ["diagnose", "--snapshot", "{emptydir}"] },
        { "missing file", ["triage", "--snapshot", "{missing}"] },
        { "bad kubeconfig", ["diagnose", "--kubeconfig", "{badkube}"] },
        { "bad format", ["diagnose", "--snapshot", "{empty}", "-o", "xml"] },
        { "bad severity", ["diagnose", "--snapshot", "{empty}", "--min-severity", "urgent"] },
        { "bad selector", ["diagnose", "--snapshot", "{truncated}", "-l", "app in x"] },
        { "bad rubric", ["triage", "--snapshot", "{truncated}", "--rubric", "{missing}"] },
        { "snapshot save without a live cluster", ["snapshot", "save", "-o", "{missing}"] },
        { "unknown flag", ["diagnose", "--frobnicate"] },
        { "bad audit configmap", ["fix", "--code", "oom-killed", "--object", "Deployment/production/order-service", "--audit-configmap", "no-namespace"] },
        { "two audit stores", ["autopilot", "--once", "--audit-configmap", "kubemedic/kubemedic-audit", "--audit-dir", "{emptydir}"] },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_exits_2_with_one_line(string what, string[] args)
    {
        var files = new Dictionary<string, string>
        {
            ["{truncated}"] = Write("trunc.json", "{\"apiVersion\":\"v1\",\"items\":[{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\""),
            ["{empty}"] = Write("empty.json", ""),
            ["{wrong}"] = Write("wrong.json", "{\"kind\":\"PrometheusRule\",\"apiVersion\":\"monitoring.coreos.com/v1\",\"metadata\":{\"name\":\"x\"}}"),
            ["{emptydir}"] = Directory.CreateDirectory(Path.Combine(_dir.FullName, "emptydir")).FullName,
            ["{missing}"] = Path.Combine(_dir.FullName, "missing.json"),
            ["{badkube}"] = Write("badkube", "apiVersion: v1\nclusters: [[[\n"),
        };

        var (rc, stdout, stderr) = await RunAsync(args.Select(a => files.GetValueOrDefault(a, a)).ToArray());

        rc.ShouldBe(2, what);
        stdout.ShouldBeEmpty(what);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(1, $"{what}: {stderr}");
        lines[0].ShouldStartWith("error: ");
        stderr.ShouldNotContain("   at ");
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task No_secret_value_or_secret_key_ref_value_appears_in_any_output()
    {
        var outputs = new StringBuilder();
        foreach (var fixture in new[] { "healthy.json", "seed000-oom.json" })
        {
            foreach (var format in new[] { "table", "json", "yaml", "markdown" })
            {
                outputs.Append((await RunAsync("diagnose", "--snapshot", TestPaths.Fixture(fixture), "-o", format)).Stdout);
                outputs.Append((await RunAsync("triage", "--snapshot", TestPaths.Fixture(fixture), "-o", format)).Stdout);
            }
        }

        var kubeconfig = _server.WriteKubeconfig(_dir.FullName);
        var snapshot = Path.Combine(_dir.FullName, "live.json");
        var save = await RunAsync("snapshot", "save", "--kubeconfig", kubeconfig, "-o", snapshot);
        save.Exit.ShouldBe(0, save.Stderr);
        outputs.Append(await File.ReadAllTextAsync(snapshot));
        foreach (var format in new[] { "table", "json", "yaml", "markdown" })
        {
            var live = await RunAsync("diagnose", "--kubeconfig", kubeconfig, "-o", format);
            live.Exit.ShouldBe(1, live.Stderr);
            outputs.Append(live.Stdout).Append(live.Stderr);
        }

        var all = outputs.ToString();
        all.ShouldContain("oom-killed");
        foreach (var secret in SecretValues)
        {
            all.ShouldNotContain(secret);
        }
    }

    [Fact]
    public async Task Live_cluster_diagnosis_through_a_kubeconfig_and_a_saved_snapshot_agree()
    {
        var kubeconfig = _server.WriteKubeconfig(_dir.FullName);
        var snapshot = Path.Combine(_dir.FullName, "saved.json");

        var live = await RunAsync("diagnose", "--kubeconfig", kubeconfig, "-n", "production", "-o", "json");
        var save = await RunAsync("snapshot", "save", "--kubeconfig", kubeconfig, "-o", snapshot);
        var offline = await RunAsync("diagnose", "--snapshot", snapshot, "-n", "production", "-o", "json");

        save.Exit.ShouldBe(0, save.Stderr);
        save.Stderr.ShouldContain("Secret values removed");
        live.Exit.ShouldBe(1, live.Stderr);
        offline.Exit.ShouldBe(1, offline.Stderr);
        static IEnumerable<string> Codes(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => f.GetProperty("id").GetString()!);
        Codes(offline.Stdout).ShouldBe(Codes(live.Stdout), ignoreOrder: true);
    }
}
