namespace KubeMedic.Cli.Tests.Lab;

/// <summary>
/// Issue 6 done-when: `kubemedic lab start deploy-disaster`, fixed with real kubectl only, and `kubemedic lab verify`
/// goes from failing to passing.
/// </summary>
public sealed class LabDeployDisasterTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("kubemedic-lab-").FullName;
    private readonly string _cache = Directory.CreateTempSubdirectory("kubemedic-kubectl-cache-").FullName;
    private readonly Dictionary<string, string> _env;

    public LabDeployDisasterTests()
    {
        _env = new Dictionary<string, string> { ["KUBEMEDIC_LAB_HOME"] = _home };
    }

    private (int Code, string Out, string Err) Lab(params string[] args) => CliProcess.Run(CliProcess.Kubemedic, _env, TimeSpan.FromSeconds(150), ["lab", .. args]);

    private string Kubectl(string kubeconfig, params string[] args)
    {
        var (code, stdout, stderr) = CliProcess.Run(CliProcess.Kubectl, new Dictionary<string, string>(), TimeSpan.FromSeconds(60), ["--kubeconfig", kubeconfig, "--cache-dir", _cache, .. args]);
        code.ShouldBe(0, $"kubectl {string.Join(' ', args)}: {stdout}{stderr}");
        return stdout;
    }

    [Fact]
    public void Deploy_disaster_fixed_with_kubectl_only_turns_verify_from_failing_to_passing()
    {
        var (code, stdout, stderr) = Lab("start", "deploy-disaster");
        code.ShouldBe(0, stdout + stderr);
        var kubeconfig = stdout.Split('\n').Single(l => l.StartsWith("export KUBECONFIG=", StringComparison.Ordinal))["export KUBECONFIG=".Length..].Trim();
        File.Exists(kubeconfig).ShouldBeTrue();
        kubeconfig.ShouldStartWith(_home);

        // a second start says so and does nothing
        var again = Lab("start", "deploy-disaster");
        again.Code.ShouldBe(0);
        again.Out.ShouldContain("already running");

        var status = Lab("status");
        status.Code.ShouldBe(0, status.Out + status.Err);
        status.Out.ShouldContain("scenario: deploy-disaster");
        status.Out.ShouldContain("elapsed:");
        status.Out.ShouldContain("goal:");

        var hint1 = Lab("hint");
        hint1.Out.ShouldContain("level 1: Where to look");
        hint1.Out.ShouldNotContain("The fix:");
        var hint2 = Lab("hint");
        hint2.Out.ShouldContain("level 2: What is wrong");
        hint2.Out.ShouldContain("nginx:1.25.l");
        Lab("hint", "3", "--problem", "database").Out.ShouldContain("kubectl scale deployment database --replicas=2");

        var before = Lab("verify");
        before.Code.ShouldBe(1, before.Out + before.Err);
        before.Out.ShouldContain("[FAIL] Every Deployment is Ready");
        before.Out.ShouldContain("default/analytics");
        before.Out.ShouldContain("score: ");

        // the seed's fixes, with real kubectl only
        Kubectl(kubeconfig, "set", "image", "deployment/frontend", "nginx=nginx:1.27");
        Kubectl(kubeconfig, "set", "resources", "deployment/analytics", "--requests=cpu=300m,memory=768Mi", "--limits=cpu=1,memory=1Gi");
        Kubectl(kubeconfig, "rollout", "undo", "deployment/api-server");
        Kubectl(kubeconfig, "patch", "deployment", "api-server", "-p", """{"spec":{"strategy":{"rollingUpdate":{"maxUnavailable":"25%"}}}}""");
        Kubectl(kubeconfig, "patch", "deployment", "database", "--type=json", "-p", """[{"op":"remove","path":"/spec/template/spec/nodeSelector"}]""");
        Kubectl(kubeconfig, "scale", "deployment", "database", "--replicas=2");
        Kubectl(kubeconfig, "delete", "pod", "-l", "app=database", "--force", "--grace-period=0");
        Kubectl(kubeconfig, "rollout", "status", "deployment/frontend", "--timeout=60s");
        Kubectl(kubeconfig, "rollout", "status", "deployment/api-server", "--timeout=60s");

        (int Code, string Out, string Err) after = (-1, "", "");
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            after = Lab("verify");
            if (after.Code == 0) break;
            Thread.Sleep(2000);
        }

        after.Code.ShouldBe(0, after.Out + after.Err);
        after.Out.ShouldContain("[PASS] Rolling update and rollback complete");
        after.Out.ShouldContain("score: 9/9 checks passed (100%)");
        after.Out.ShouldNotContain("[FAIL]");
    }

    [Fact]
    public void Unknown_scenario_is_a_one_line_usage_error()
    {
        var (code, stdout, stderr) = Lab("start", "no-such-scenario");
        code.ShouldBe(2, stdout + stderr);
        stderr.Trim().ShouldBe("error: unknown scenario \"no-such-scenario\" (see `kubemedic lab list`)");
    }

    [Fact]
    public void List_shows_the_bundled_and_lab_scenarios()
    {
        var (code, stdout, _) = Lab("list");
        code.ShouldBe(0);
        stdout.ShouldContain("deploy-disaster");
        stdout.ShouldContain("healthy");
    }

    public void Dispose()
    {
        try
        {
            Lab("stop");
        }
        finally
        {
            Directory.Delete(_home, true);
            Directory.Delete(_cache, true);
        }
    }
}
