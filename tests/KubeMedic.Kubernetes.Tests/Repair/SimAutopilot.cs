using k8s;
using KubeMedic.Core.Policy;
using KubeMedic.Kubernetes.Informers;
using KubeMedic.Kubernetes.Repair;
using KubeMedic.Simulator;

namespace KubeMedic.Kubernetes.Tests.Repair;

/// <summary>An autopilot wired to a simulated cluster the way the end-to-end tests run it: real informers, the real detector.</summary>
internal static class SimAutopilot
{
    public static Autopilot Create(SimulatedCluster sim, IKubernetes client, IAuditStore audit, AutopilotPolicy policy, StringWriter log,
        List<Escalation>? escalations, TimeSpan window, TimeSpan stableFor) =>
        new(new KubeObjectApi(client), new ClusterInformers(client, sim.Clock), new DiagnosisDetector(), audit,
            escalations is null ? [] : [new ListSink(escalations)], NullAutopilotMetrics.Instance, sim.Clock, new AutopilotOptions
            {
                Policy = policy,
                DryRun = policy.DryRun,
                Actor = "e2e (autopilot)",
                Log = log,
                Verify = new VerifyOptions { Window = window, StableFor = stableFor, PollInterval = TimeSpan.FromMilliseconds(250) },
            });
}

/// <summary>Collects escalations (thread-safe).</summary>
internal sealed class ListSink(List<Escalation> list) : INotificationSink
{
    public Task NotifyAsync(Escalation escalation, CancellationToken cancellationToken)
    {
        lock (list)
        {
            list.Add(escalation);
        }

        return Task.CompletedTask;
    }
}
