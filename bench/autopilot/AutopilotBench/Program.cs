using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeMedic.Core.Policy;
using KubeMedic.Kubernetes.Informers;
using KubeMedic.Kubernetes.Repair;
using KubeMedic.Simulator;

// OOMKilled -> patch applied, over N events on the simulator (in-process, speed 1: wall-clock latencies).
// t0 = the bench first sees the pod's container OOMKilled; t1 = the bench first sees the raised limit on the Deployment.
// Both are observed by the same 10 ms poll of the simulator's store, so the poll adds the same error to both.
KubeMedic.Kubernetes.Sources.KubernetesJsonMetadata.UseReflection(); // as the CLI does (src/KubeMedic.Cli/Program.cs)
var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
var wave = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var scenario = Path.Combine(AppContext.BaseDirectory, "leaky.yaml");
await using var sim = await SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = scenario });
var client = KubeMedic.Kubernetes.Sources.KubeClients.Create(KubernetesClientConfiguration.BuildConfigFromConfigFile(sim.KubeconfigPath));
var audit = Path.Combine(Path.GetTempPath(), "kubemedic-bench-" + Guid.NewGuid().ToString("N"));
var policy = AutopilotPolicy.Default with
{
    DryRun = false,
    Global = new RateLimit(100_000, TimeSpan.FromHours(1)),
    Storm = new StormGuard(100_000, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1)),
};
var autopilot = new Autopilot(new KubeObjectApi(client), new ClusterInformers(client), new DiagnosisDetector(), new AuditLog(audit), [],
    NullAutopilotMetrics.Instance, TimeProvider.System, new AutopilotOptions
    {
        Policy = policy,
        DryRun = false,
        Actor = "bench",
        Verify = new VerifyOptions { Window = TimeSpan.FromSeconds(60), StableFor = TimeSpan.FromSeconds(2) },
    });
using var cts = new CancellationTokenSource();
var run = autopilot.RunAsync(once: false, cts.Token);
await Task.Delay(2000);

var latencies = new List<double>();
var pause0 = GC.GetTotalPauseDuration();
var slowest = new List<string>();
var clock = Stopwatch.StartNew();
for (var start = 0; start < events; start += wave)
{
    var names = Enumerable.Range(start, Math.Min(wave, events - start)).Select(i => $"leaky-{i:D3}").ToList();
    foreach (var name in names)
    {
        await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment(name), "bench");
    }

    var oomAt = new Dictionary<string, double>();
    var patchedAt = new Dictionary<string, double>();
    var deadline = clock.Elapsed + TimeSpan.FromSeconds(120);
    while (patchedAt.Count < names.Count && clock.Elapsed < deadline)
    {
        foreach (var name in names)
        {
            if (!oomAt.ContainsKey(name) && sim.List("pods", "bench", $"app={name}").Any(Oom))
            {
                oomAt[name] = clock.Elapsed.TotalMilliseconds;
            }

            if (!patchedAt.ContainsKey(name) && sim.Get("deployments", "bench", name)?["spec"]?["template"]?["spec"]?["containers"]?[0]?["resources"]?["limits"]?["memory"]?.GetValue<string>() is { } limit && limit != "512Mi")
            {
                patchedAt[name] = clock.Elapsed.TotalMilliseconds;
            }
        }

        await Task.Delay(10);
    }

    var waveLatencies = names.Where(n => oomAt.ContainsKey(n) && patchedAt.ContainsKey(n)).Select(n => Math.Max(0, patchedAt[n] - oomAt[n])).ToList();
    latencies.AddRange(waveLatencies);
    slowest.Add(waveLatencies.Count == 0 ? "-" : waveLatencies.Max().ToString("0", CultureInfo.InvariantCulture));
    Console.WriteLine($"wave {start / wave + 1}: {names.Count} deployments, {oomAt.Count} OOMKilled seen, {patchedAt.Count} patched, slowest {(waveLatencies.Count == 0 ? double.NaN : waveLatencies.Max()):0} ms");
}

Console.WriteLine($"slowest event of each wave (ms): {string.Join(' ', slowest)}");
Console.WriteLine($"GC pauses during the waves: {(GC.GetTotalPauseDuration() - pause0).TotalMilliseconds:0} ms; collections {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
await cts.CancelAsync();
await run;
latencies.Sort();
double P(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
Console.WriteLine($"OOMKilled -> patch applied over {latencies.Count} events (of {events}), waves of {wave}: " +
    $"p50 {P(0.50):0} ms, p90 {P(0.90):0} ms, p99 {P(0.99):0} ms, max {latencies.LastOrDefault():0} ms (target p99 <= 1000 ms; seed 001: 30 s)");
var applied = new AuditLog(audit).Read().Count(e => e.Phase == AuditPhase.Applied);
Console.WriteLine($"audit: {applied} patches applied for {events} incidents (duplicates would show as more)");
Directory.Delete(audit, recursive: true);
return latencies.Count == events && applied == events ? 0 : 1;

static bool Oom(JsonObject pod) =>
    (pod["status"]?["containerStatuses"] as JsonArray)?.Any(c =>
        c?["lastState"]?["terminated"]?["reason"]?.GetValue<string>() == "OOMKilled" || c?["state"]?["terminated"]?["reason"]?.GetValue<string>() == "OOMKilled") == true;

static V1Deployment Deployment(string name) => new()
{
    Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "bench", Labels = new Dictionary<string, string> { ["app"] = name } },
    Spec = new V1DeploymentSpec
    {
        Replicas = 1,
        Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
        Template = new V1PodTemplateSpec
        {
            Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
            Spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container
                    {
                        Name = "app",
                        Image = "leaky:1",
                        Resources = new V1ResourceRequirements
                        {
                            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("256Mi") },
                            Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("512Mi") },
                        },
                    },
                ],
            },
        },
    },
};
