using KubeMedic.Kubernetes.Sources;
using k8s;
using KubeMedic.Kubernetes.Repair;
using KubeMedic.Simulator;

namespace KubeMedic.Kubernetes.Tests.Repair;

public sealed class LeaderGateTests
{
    [Fact]
    public async Task Only_one_replica_acts_and_the_other_takes_over_when_it_stops()
    {
        await using var sim = await SimulatedCluster.StartAsync(new SimulatorOptions());
        var client = KubeClients.Create(KubernetesClientConfiguration.BuildConfigFromConfigFile(sim.KubeconfigPath));
        var active = 0;
        var maxActive = 0;
        var ran = new List<string>();
        Func<CancellationToken, Task> Work(string who) => async ct =>
        {
            lock (ran)
            {
                ran.Add(who);
                active++;
                maxActive = Math.Max(maxActive, active);
            }

            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                lock (ran)
                {
                    active--;
                }
            }
        };

        LeaderGate Gate(string id) => new(client, "default", "kubemedic-autopilot", id)
        {
            LeaseDuration = TimeSpan.FromSeconds(2), RenewDeadline = TimeSpan.FromSeconds(1.5), RetryPeriod = TimeSpan.FromMilliseconds(300),
        };

        var a = Gate("a");
        var b = Gate("b");
        using var stopA = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stopB = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var runA = a.RunAsync(Work("a"), stopA.Token);
        await Task.Delay(500);
        var runB = b.RunAsync(Work("b"), stopB.Token);
        await Task.Delay(3000);

        (a.IsLeading ^ b.IsLeading).ShouldBeTrue($"a={a.IsLeading} b={b.IsLeading}");
        var leader = a.IsLeading ? "a" : "b";
        lock (ran)
        {
            ran.ShouldBe([leader]);
        }

        // The leader stops (SIGTERM); the stand-by takes over once the Lease expires.
        await (leader == "a" ? stopA : stopB).CancelAsync();
        await (leader == "a" ? runA : runB);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!(leader == "a" ? b : a).IsLeading && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        (leader == "a" ? b : a).IsLeading.ShouldBeTrue();
        maxActive.ShouldBe(1);
        await stopA.CancelAsync();
        await stopB.CancelAsync();
        await Task.WhenAll(runA, runB);
        sim.Get("leases", "default", "kubemedic-autopilot").ShouldNotBeNull();
    }
}
