using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;

namespace KubeMedic.Kubernetes.Repair;

/// <summary>
/// Runs work only while this process holds a <c>coordination.k8s.io</c> Lease (KubernetesClient's LeaderElector), so two autopilot
/// replicas never both act. The work is cancelled when leadership is lost; the gate then tries to acquire the Lease again.
/// </summary>
public sealed class LeaderGate(IKubernetes client, string @namespace, string name, string identity, TextWriter? log = null)
{
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    public string Identity { get; } = identity;

    public bool IsLeading { get; private set; }

    public async Task RunAsync(Func<CancellationToken, Task> work, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            using var elector = new LeaderElector(new LeaderElectionConfig(new LeaseLock(client, @namespace, name, Identity))
            {
                LeaseDuration = LeaseDuration,
                RenewDeadline = RenewDeadline,
                RetryPeriod = RetryPeriod,
            });
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Task? running = null;
            elector.OnStartedLeading += () =>
            {
                IsLeading = true;
                log?.WriteLine($"leader: {Identity} holds Lease {@namespace}/{name}");
                running = Task.Run(() => work(leading.Token), CancellationToken.None);
            };
            elector.OnStoppedLeading += () => IsLeading = false;
            elector.OnNewLeader += leader =>
            {
                if (leader != Identity)
                {
                    log?.WriteLine($"leader: standing by, {leader} holds Lease {@namespace}/{name}");
                }
            };
            try
            {
                await elector.RunUntilLeadershipLostAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }

            IsLeading = false;
            await leading.CancelAsync();
            if (running is not null)
            {
                try
                {
                    await running;
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }
}
