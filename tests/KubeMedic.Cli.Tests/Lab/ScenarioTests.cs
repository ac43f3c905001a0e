using System.Text.Json.Nodes;
using KubeMedic.Simulator;

namespace KubeMedic.Cli.Tests.Lab;

/// <summary>
/// The lab's extra scenarios: each one's cause is found by `kubemedic diagnose` against the live simulator, `kubemedic lab
/// verify` fails on it with the matching check, and it has three levels of hints.
/// </summary>
public class ScenarioTests
{
    public static TheoryData<string, string, string, string, string> Cases => new()
    {
        // scenario, finding code, object kind, object name, what verify reports
        { "job-backoff-limit", "job-failed", "Job", "nightly-report", "batch/nightly-report: failed (BackoffLimitExceeded" },
        { "missing-secret", "config-missing", "Deployment", "payments", "payments/payments: 0/2 ready" },
        { "service-selector-mismatch", "service-no-endpoints", "Service", "checkout", "shop/checkout: no ready endpoints" },
        { "liveness-wrong-port", "liveness-restarts", "Deployment", "inventory", "[FAIL] Probes are configured and passing" },
        { "pvc-missing-storageclass", "pvc-pending", "PersistentVolumeClaim", "orders-db-data", "orders/orders-db-data: Pending" },
        { "networkpolicy-default-deny", "network-policy-blocks", "Service", "catalog", "shop/catalog: HTTP 504 through the service proxy" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Diagnose_finds_the_cause_and_verify_fails(string scenario, string code, string kind, string name, string verifyFailure)
    {
        await using var sim = await SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = scenario });
        var env = new Dictionary<string, string> { ["KUBEMEDIC_LAB_HOME"] = Path.Combine(Path.GetTempPath(), "kubemedic-lab-unused") };

        var (dcode, dout, derr) = CliProcess.Run(CliProcess.Kubemedic, env, TimeSpan.FromSeconds(60), "diagnose", "--kubeconfig", sim.KubeconfigPath, "-o", "json");
        dcode.ShouldBe(1, derr);
        var findings = JsonNode.Parse(dout)!["findings"]!.AsArray();
        var summary = string.Join(", ", findings.Select(f => $"{f!["code"]} {f["object"]?["kind"]}/{f["object"]?["name"]}"));
        findings.ShouldContain(f => f!["code"]!.GetValue<string>() == code && f["object"]!["kind"]!.GetValue<string>() == kind && f["object"]!["name"]!.GetValue<string>() == name, summary);

        var (vcode, vout, verr) = CliProcess.Run(CliProcess.Kubemedic, env, TimeSpan.FromSeconds(60), "lab", "verify", "--kubeconfig", sim.KubeconfigPath, "--no-rollout-test");
        vcode.ShouldBe(1, vout + verr);
        vout.ShouldContain(verifyFailure);

        var (hcode, hout, _) = CliProcess.Run(CliProcess.Kubemedic, env, TimeSpan.FromSeconds(30), "lab", "hint", "3", "--scenario", scenario);
        hcode.ShouldBe(0);
        hout.ShouldContain("1. Where to look:");
        hout.ShouldContain("2. What is wrong:");
        hout.ShouldContain("3. The fix:");
    }

    [Fact]
    public async Task Network_policy_default_deny_times_out_the_service_proxy_until_an_allow_rule_exists()
    {
        await using var sim = await SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = "networkpolicy-default-deny" });
        var env = new Dictionary<string, string>();
        var (code, stdout, stderr) = CliProcess.Run(CliProcess.Kubemedic, env, TimeSpan.FromSeconds(60), "lab", "verify", "--kubeconfig", sim.KubeconfigPath, "--no-rollout-test");
        code.ShouldBe(1, stdout + stderr);
        stdout.ShouldContain("shop/catalog: HTTP 504 through the service proxy");

        var allow = Path.Combine(Path.GetTempPath(), $"allow-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(allow, """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: catalog-from-frontend, namespace: shop}
            spec:
              podSelector: {matchLabels: {app: catalog}}
              policyTypes: [Ingress]
              ingress:
                - from:
                    - podSelector: {matchLabels: {app: frontend}}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: frontend-from-anywhere, namespace: shop}
            spec:
              podSelector: {matchLabels: {app: frontend}}
              policyTypes: [Ingress]
              ingress:
                - {}
            """);
        try
        {
            var cache = Directory.CreateTempSubdirectory("kubemedic-kubectl-cache-").FullName;
            var (kc, kout, kerr) = CliProcess.Run(CliProcess.Kubectl, env, TimeSpan.FromSeconds(60), "--kubeconfig", sim.KubeconfigPath, "--cache-dir", cache, "apply", "-f", allow);
            kc.ShouldBe(0, kout + kerr);
            var after = CliProcess.Run(CliProcess.Kubemedic, env, TimeSpan.FromSeconds(60), "lab", "verify", "--kubeconfig", sim.KubeconfigPath, "--no-rollout-test");
            after.Stdout.ShouldContain("[PASS] Every Service has endpoints and answers");
        }
        finally
        {
            File.Delete(allow);
        }
    }
}
