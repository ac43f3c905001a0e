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

    [Fact]
    public async Task Leader_election_needs_only_what_deploy_rbac_grants()
    {
        await using var sim = await SimulatedCluster.StartAsync(new SimulatorOptions());
        using var client = KubeClients.Create(KubernetesClientConfiguration.BuildConfigFromConfigFile(sim.KubeconfigPath));
        await client.CoreV1.CreateNamespaceAsync(new k8s.Models.V1Namespace { Metadata = new k8s.Models.V1ObjectMeta { Name = "kubemedic" } });
        var setup = sim.RequestsSeen.ToHashSet();

        // deploy/deployment.yaml: --lease-namespace=kubemedic; one replica acquires and renews, the other waits
        LeaderGate Gate(string id) => new(client, "kubemedic", "kubemedic-autopilot", id)
        {
            LeaseDuration = TimeSpan.FromSeconds(2), RenewDeadline = TimeSpan.FromSeconds(1.5), RetryPeriod = TimeSpan.FromMilliseconds(300),
        };
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        static async Task Idle(CancellationToken ct) => await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
        await Task.WhenAll(Gate("a").RunAsync(Idle, stop.Token), Gate("b").RunAsync(Idle, stop.Token));

        var made = sim.RequestsSeen.Where(r => !setup.Contains(r)).ToList();
        var rbac = RbacRules.For("kubemedic", "kubemedic", Path.Combine(TestPaths.Repo, "deploy", "rbac.yaml"));
        made.Where(r => !rbac.Allows(r)).Select(r => $"{r.Verb} {r.Group}/{r.Resource} {r.Namespace}/{r.Name}").ShouldBeEmpty();
        made.ShouldContain(r => r.Verb == "create" && r.Resource == "leases" && r.Namespace == "kubemedic", string.Join("\n", made));
        made.ShouldContain(r => r.Verb == "update" && r.Resource == "leases" && r.Name == "kubemedic-autopilot", string.Join("\n", made));
    }
}
