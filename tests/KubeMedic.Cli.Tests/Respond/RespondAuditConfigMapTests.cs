using k8s;
using KubeMedic.Kubernetes.Repair;
using KubeMedic.Kubernetes.Sources;
using KubeMedic.Simulator;

namespace KubeMedic.Cli.Tests.Respond;

/// <summary><c>respond --audit-configmap NAMESPACE/NAME</c> writes its audit where <c>fix</c> and <c>autopilot</c> do: into that ConfigMap, not the folder.</summary>
public sealed class RespondAuditConfigMapTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("km-respond-cm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Respond_against_the_simulator_appends_its_audit_entries_to_the_configmap()
    {
        // frozen clock: nothing changes between the warm-up and the end of the test
        await using var sim = await SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = "order-service-oom", Speed = 1e-6 });
        await sim.SettleAsync();
        var fileAudit = Path.Combine(_dir, "file-audit");
        var env = new Dictionary<string, string> { ["HOME"] = _dir, ["KUBECONFIG"] = "", ["KUBEMEDIC_AUDIT_DIR"] = fileAudit };

        // no --yes and no terminal: the fix is planned (a dry run, audited) but not applied
        var (rc, stdout, stderr) = await KubemedicProcess.RunAsync(_dir, env, TimeSpan.FromMinutes(2),
            "respond", "--kubeconfig", sim.KubeconfigPath, "--audit-configmap", "production/kubemedic-audit");

        rc.ShouldBe(1, stdout + stderr); // the incident stays open
        stderr.ShouldNotContain("embedded simulated cluster");
        sim.Get("configmaps", "production", "kubemedic-audit").ShouldNotBeNull(stdout + stderr);
        using var client = KubeClients.Create(KubeconfigLoader.FromFile(sim.KubeconfigPath, context: null));
        var entries = (await ConfigMapAuditStore.OpenAsync(client, "production", "kubemedic-audit")).Read();
        entries.ShouldContain(e => e.Phase == AuditPhase.Planned && e.DryRun && e.Mode == "respond"
                                   && e.FindingCode == "oom-killed" && e.Target != null && e.Target.Name == "order-service", stdout);
        Directory.Exists(fileAudit).ShouldBeFalse(); // nothing went to the file store
    }

    [Fact]
    public async Task Respond_rejects_a_malformed_audit_configmap_and_both_audit_flags_before_touching_a_cluster()
    {
        var env = new Dictionary<string, string> { ["HOME"] = _dir, ["KUBECONFIG"] = "", ["KUBEMEDIC_EMBEDDED_CLUSTER"] = "off" };

        var (rc, _, stderr) = await KubemedicProcess.RunAsync(_dir, env, TimeSpan.FromMinutes(1), "respond", "--audit-configmap", "Bad_Name");
        var (rc2, _, stderr2) = await KubemedicProcess.RunAsync(_dir, env, TimeSpan.FromMinutes(1), "respond", "--audit-configmap", "ns/name", "--audit-dir", _dir);

        rc.ShouldBe(2, stderr);
        stderr.Trim().ShouldBe("error: --audit-configmap 'Bad_Name': expected NAMESPACE/NAME (lower-case letters, digits, '-' and '.')");
        rc2.ShouldBe(2, stderr2);
        stderr2.Trim().ShouldBe("error: --audit-dir and --audit-configmap cannot be combined");
    }
}
