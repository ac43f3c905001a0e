using KubeMedic.Simulator;

namespace KubeMedic.Cli.Tests.Lab;

/// <summary>`kubemedic chaos` against a running simulator, observed with real kubectl.</summary>
public class ChaosCommandTests
{
    private static readonly Dictionary<string, string> NoEnv = new() { ["KUBEMEDIC_LAB_HOME"] = Path.Combine(Path.GetTempPath(), "kubemedic-lab-none") };

    [Fact]
    public async Task Api_faults_break_kubectl_until_cleared_and_kill_pod_is_replaced()
    {
        await using var sim = await SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = "healthy" });
        var cache = Directory.CreateTempSubdirectory("kubemedic-kubectl-cache-").FullName;
        (int, string, string) Kubectl(params string[] args) => CliProcess.Run(CliProcess.Kubectl, NoEnv, TimeSpan.FromSeconds(60), ["--kubeconfig", sim.KubeconfigPath, "--cache-dir", cache, .. args]);
        (int, string, string) Chaos(params string[] args) => CliProcess.Run(CliProcess.Kubemedic, NoEnv, TimeSpan.FromSeconds(60), ["chaos", .. args, "--kubeconfig", sim.KubeconfigPath]);

        var (c1, o1, e1) = Chaos("api", "error", "--status", "503", "--verbs", "list", "--resource", "pods");
        c1.ShouldBe(0, o1 + e1);
        o1.ShouldContain("error on list pods");
        var (k1, _, ke1) = Kubectl("get", "pods", "-n", "shop");
        k1.ShouldNotBe(0);
        ke1.ShouldContain("the server is currently unable to handle the request");
        Kubectl("get", "deployments", "-n", "shop").Item1.ShouldBe(0);

        Chaos("clear").Item1.ShouldBe(0);
        var (k2, ko2, _) = Kubectl("get", "pods", "-n", "shop", "-l", "app=web", "-o", "name");
        k2.ShouldBe(0);
        var victim = ko2.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0]["pod/".Length..];

        var (c3, o3, _) = Chaos("kill-pod", victim, "-n", "shop");
        c3.ShouldBe(0);
        o3.Trim().ShouldBe($"pod shop/{victim} killed");
        await sim.WaitForAsync(s => s.List("pods", "shop", "app=web").Count(p => p["metadata"]?["deletionTimestamp"] is null) == 3
            && s.Get("pods", "shop", victim) is null, TimeSpan.FromSeconds(20));

        var (c4, _, e4) = Chaos("api", "teleport");
        c4.ShouldBe(2);
        e4.Trim().ShouldStartWith("error: chaos api: unknown API fault \"teleport\"");
    }

    [Fact]
    public void Chaos_without_a_simulator_is_a_one_line_error()
    {
        var (code, _, stderr) = CliProcess.Run(CliProcess.Kubemedic, NoEnv, TimeSpan.FromSeconds(30), "chaos", "kill-pod", "x", "--kubeconfig", "/nonexistent/kubeconfig");
        code.ShouldBe(2);
        stderr.Trim().ShouldBe("error: kubeconfig '/nonexistent/kubeconfig': no such file");
    }
}
