using KubeMedic.Kubernetes.Sources;
using k8s;
using k8s.Models;
using KubeMedic.Core.Policy;
using KubeMedic.Core.Remedies;
using KubeMedic.Kubernetes.Repair;
using KubeMedic.Simulator;

namespace KubeMedic.Kubernetes.Tests.Repair;

/// <summary>The autopilot with the in-cluster audit store: seed 000 on the simulator, audited in a ConfigMap.</summary>
public sealed class ConfigMapAuditEndToEndTests
{
    [Fact]
    public async Task Order_service_oom_repair_is_audited_in_the_configmap_and_a_restart_sees_the_rate_limit()
    {
        await using var sim = await SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = "order-service-oom", Speed = 5 });
        using var client = KubeClients.Create(KubernetesClientConfiguration.BuildConfigFromConfigFile(sim.KubeconfigPath));
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "kubemedic" } });
        var setup = sim.RequestsSeen.ToHashSet(); // the test's own requests; everything after is the autopilot's
        var audit = await AuditStores.OpenAsync(client, null, "kubemedic/kubemedic-audit", sim.Clock, null, CancellationToken.None);
        audit.Location.ShouldBe("configmap kubemedic/kubemedic-audit");
        var log = new StringWriter();
        var autopilot = SimAutopilot.Create(sim, client, audit, AutopilotPolicy.Default with { DryRun = false }, log, null,
            TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(5));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(150));

        await autopilot.RunAsync(once: true, cts.Token);

        sim.Get("deployments", "production", "order-service")!["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!["memory"]!
            .GetValue<string>().ShouldBe("768Mi", log.ToString());
        var cm = sim.Get("configmaps", "kubemedic", "kubemedic-audit");
        cm.ShouldNotBeNull(log.ToString());
        var restarted = await ConfigMapAuditStore.OpenAsync(client, "kubemedic", "kubemedic-audit");
        var actions = restarted.Read().Where(e => e.Phase != AuditPhase.Escalated).ToList();
        actions.Select(e => e.Phase).ShouldBe([AuditPhase.Applying, AuditPhase.Applied, AuditPhase.Verified], log.ToString());
        actions[0].Remedy.ShouldBe(RemedyIds.RaiseMemoryLimit);
        actions[0].Actor.ShouldBe("e2e (autopilot)");
        actions[0].Before!["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!["memory"]!.GetValue<string>().ShouldBe("512Mi");
        actions[0].UndoPatch.ShouldNotBeNull();
        actions[2].Verification!.Passed.ShouldBeTrue();

        // a restarted autopilot rebuilds its rate-limit history from the ConfigMap: the workload's one action per 30 min is used up
        var history = ((IAuditStore)restarted).History(sim.Clock.GetUtcNow(), TimeSpan.FromHours(1));
        history.Actions.ShouldHaveSingleItem().WorkloadKey.ShouldBe("Deployment/production/order-service");

        // deploy/'s least-privilege RBAC allows every request the autopilot made (watches, the patch, the audit ConfigMap, Events)
        var made = sim.RequestsSeen.Where(r => !setup.Contains(r)).ToList();
        var rbac = RbacRules.For("kubemedic", "kubemedic", Path.Combine(TestPaths.Repo, "deploy", "rbac.yaml"));
        made.Where(r => !rbac.Allows(r)).Select(r => $"{r.Verb} {r.Group}/{r.Resource}/{r.Subresource} {r.Namespace}/{r.Name}").ShouldBeEmpty();
        made.ShouldContain(r => r.Verb == "patch" && r.Resource == "deployments" && r.Name == "order-service");
        made.ShouldContain(r => r.Verb == "update" && r.Resource == "configmaps" && r.Namespace == "kubemedic" && r.Name == "kubemedic-audit");
        made.ShouldContain(r => r.Verb == "list" && r.Resource == "pods", string.Join("\n", made));
    }
}
