using System.Text.Json;
using KubeMedic.Cli.Tests.Lab;
using KubeMedic.Simulator;

namespace KubeMedic.Cli.Tests;

/// <summary>
/// Issue 3: <c>kubemedic diagnose</c> against the live simulator reports the same findings as against a
/// <c>kubectl get -o json</c> snapshot of it. Both reads go through real processes: the kubemedic binary (live source:
/// KubernetesClient + watch cache; snapshot source: the file parser) and the real kubectl for the dump.
/// </summary>
/// <remarks>
/// The simulator runs at 1e-6 simulated seconds per real second, so no timer (back-off, probe, node heartbeat)
/// fires between the live read and the kubectl dump: both see the same objects. The comparison is on
/// (code, object kind/namespace/name, subReason, severity) — the finding's identity and verdict. Today both
/// sources yield identical sets for these scenarios, including the seed-000 OOM loop, whose evidence comes from
/// pod status (lastState OOMKilled, restartCount) and events, which the snapshot holds; container logs are not in
/// a <c>kubectl get</c> snapshot, so no finding here may depend on logs alone.
/// </remarks>
public sealed class LiveVsSnapshotTests : IDisposable
{
    private const string Resources = "pods,deploy,rs,sts,ds,jobs,cronjobs,svc,endpoints,events,pvc,hpa,pdb,networkpolicies,nodes,namespaces,configmaps";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("kubemedic-live-vs-snap-");

    [Theory]
    [InlineData("deploy-disaster")]
    [InlineData("order-service-oom")]
    public async Task Diagnose_reports_the_same_findings_live_and_from_a_kubectl_snapshot(string scenario)
    {
        await using var sim = await SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = scenario, Speed = 1e-6 });
        await sim.SettleAsync();
        var env = Env();

        var (liveCode, liveOut, liveErr) = CliProcess.Run(CliProcess.Kubemedic, env, Timeout, "diagnose", "-o", "json", "--kubeconfig", sim.KubeconfigPath);

        var cache = Path.Combine(_dir.FullName, "kube-cache-" + scenario);
        var (kCode, dump, kErr) = CliProcess.Run(CliProcess.Kubectl, env, Timeout,
            "get", Resources, "-A", "-o", "json", "--kubeconfig", sim.KubeconfigPath, "--cache-dir", cache);
        kCode.ShouldBe(0, kErr);
        var snapshot = Path.Combine(_dir.FullName, scenario + ".json");
        await File.WriteAllTextAsync(snapshot, dump);

        var (snapCode, snapOut, snapErr) = CliProcess.Run(CliProcess.Kubemedic, env, Timeout, "diagnose", "-o", "json", "--snapshot", snapshot);

        liveCode.ShouldBe(1, liveErr); // 1: findings
        snapCode.ShouldBe(liveCode, snapErr);
        var live = Findings(liveOut);
        var fromSnapshot = Findings(snapOut);
        live.ShouldNotBeEmpty();
        fromSnapshot.ShouldBe(live, ignoreOrder: false,
            customMessage: $"only live: {string.Join("; ", live.Except(fromSnapshot))} | only snapshot: {string.Join("; ", fromSnapshot.Except(live))}");

        if (scenario == "deploy-disaster")
        {
            // The four seed-002 problems: wrong image tag, excessive requests, readiness probe on the wrong port,
            // node affinity to a node that does not exist.
            live.ShouldContain(f => f.StartsWith("image-pull Deployment default/frontend not-found "));
            live.ShouldContain(f => f.StartsWith("unschedulable Deployment default/analytics insufficient-"));
            live.ShouldContain(f => f.StartsWith("readiness-failing Deployment default/api-server "));
            live.ShouldContain(f => f.StartsWith("unschedulable Deployment default/database node-affinity "));
        }
        else
        {
            // the loop is labelled oom-loop while Ready between kills, crash-loop while in back-off: both are the OOM loop
            live.ShouldContain(f => f.StartsWith("oom-killed Deployment production/order-service ") && (f.Contains(" oom-loop ") || f.Contains(" crash-loop ")));
        }
    }

    private Dictionary<string, string> Env() => new()
    {
        ["HOME"] = _dir.FullName,
        ["KUBECONFIG"] = "",
        ["KUBEMEDIC_EMBEDDED_CLUSTER"] = "off",
        ["NO_COLOR"] = "1",
    };

    /// <summary>"code Kind ns/name subReason severity", sorted.</summary>
    private static List<string> Findings(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("findings").EnumerateArray()
            .Select(f =>
            {
                var o = f.GetProperty("object");
                return string.Join(' ',
                    f.GetProperty("code").GetString(),
                    o.GetProperty("kind").GetString(),
                    $"{Str(o, "namespace")}/{o.GetProperty("name").GetString()}",
                    Str(f, "subReason"),
                    Str(f, "severity"));
            })
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "-";

    public void Dispose() => _dir.Delete(recursive: true);
}
