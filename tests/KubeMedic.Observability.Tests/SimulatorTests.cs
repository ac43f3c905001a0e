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
