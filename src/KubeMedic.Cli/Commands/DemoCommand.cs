using System.CommandLine;
using System.Diagnostics;
using k8s;
using KubeMedic.Core;
using KubeMedic.Core.Incidents;
using KubeMedic.Core.Model;
using KubeMedic.Kubernetes.Repair;
using KubeMedic.Kubernetes.Sources;
using KubeMedic.Simulator;

namespace KubeMedic.Cli.Commands;

/// <summary>
/// <c>kubemedic demo</c>: the whole seed 000 incident on the embedded simulated cluster, with no arguments and no cluster:
/// start the simulator, wait for the OOM loop, run respond --yes, write the postmortem.
/// </summary>
internal static class DemoCommand
{
    public static readonly string[] Scenarios = ["order-service-oom", "deploy-disaster"];

    /// <summary>Prometheus' scrape interval (and query step) in the demo, in wall-clock time.</summary>
    internal static readonly TimeSpan PrometheusScrapeInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Working-set samples Prometheus must hold for the looping workload before the demo goes on (about one climb to the limit).</summary>
    internal const int PrometheusSamplesWanted = 24;

    public static Command Create()
    {
        var scenario = new Option<string>("--scenario") { Description = "order-service-oom (seed 000, default) or deploy-disaster (seed 002).", DefaultValueFactory = _ => "order-service-oom" };
        var outDir = new Option<string?>("--out") { Description = $"Folder for the postmortem (default {PostmortemCommand.DefaultDirectory}/)." };
        var speed = new Option<double>("--speed") { Description = "Simulated seconds per real second (default 60).", DefaultValueFactory = _ => 60 };
        var store = IncidentCommand.StoreOption();
        var audit = new Option<string?>("--audit-dir") { Description = "Folder for the repair audit log (default ~/.kubemedic/audit).", Hidden = true };
        var timeout = new Option<int>("--timeout") { Description = "Give up after this many real seconds (default 90).", DefaultValueFactory = _ => 90, Hidden = true };
        var command = new Command("demo", "Run a whole incident on the embedded simulated cluster: triage, diagnosis, fix, verification, postmortem. No cluster needed.");
        command.Options.Add(scenario);
        command.Options.Add(outDir);
        command.Options.Add(speed);
        command.Options.Add(store);
        command.Options.Add(audit);
        command.Options.Add(timeout);
        command.SetAction(async (parse, ct) =>
        {
            var name = parse.GetValue(scenario)!;
            if (!Scenarios.Contains(name))
            {
                throw new UserInputException($"--scenario: unknown scenario '{name}' (use {string.Join(" or ", Scenarios)})");
            }

            var s = parse.GetValue(speed);
            if (s is <= 0 or > 1000)
            {
                throw new UserInputException("--speed: must be between 1 and 1000");
            }

            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromSeconds(parse.GetValue(timeout)));
            var result = await RunAsync(new DemoOptions
            {
                Scenario = name,
                Speed = s,
                OutDirectory = parse.GetValue(outDir) ?? PostmortemCommand.DefaultDirectory,
                StoreRoot = parse.GetValue(store),
                AuditDirectory = parse.GetValue(audit),
            }, cts.Token);
            return result.ExitCode;
        });
        return command;
    }

    internal sealed record DemoOptions
    {
        public string Scenario { get; init; } = "order-service-oom";
        public double Speed { get; init; } = 60;
        public string OutDirectory { get; init; } = PostmortemCommand.DefaultDirectory;
        public string? StoreRoot { get; init; }
        public string? AuditDirectory { get; init; }
        public TextWriter? Output { get; init; }

        /// <summary>Called once the cluster is up (tests watch it while the demo runs).</summary>
        public Func<SimulatedCluster, Task>? OnStarted { get; init; }

        /// <summary>Called with the running cluster before it is stopped (tests compare the record with it).</summary>
        public Func<SimulatedCluster, Task>? BeforeStop { get; init; }
    }

    internal static async Task<ResponseResult> RunAsync(DemoOptions options, CancellationToken ct)
    {
        var output = options.Output ?? Console.Out;
        var ui = options.Output is null && Terminal.IsInteractive ? (IResponseUi)new TerminalResponseUi(Terminal.Console) : new PlainResponseUi(output);
        var watch = Stopwatch.StartNew();
        ui.Line($"KubeMedic demo: {(options.Scenario == "order-service-oom" ? "seed 000, order-service pods OOMKilled in a loop" : "seed 002, four broken deployments")} on the embedded simulated cluster (x{options.Speed:0} speed).");

        await using var cluster = await ui.Progress("Starting the simulated cluster", () => SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = options.Scenario, Speed = options.Speed }, ct));
        ui.Line($"Simulated cluster: {cluster.Url} (kubeconfig {cluster.KubeconfigPath}); scenario {cluster.ScenarioName}: {cluster.ScenarioDescription}");
        ui.Line($"Try it yourself meanwhile: kubectl --kubeconfig {cluster.KubeconfigPath} get pods -A");
        if (options.OnStarted is not null)
        {
            await options.OnStarted(cluster);
        }

        var config = KubeconfigLoader.FromFile(cluster.KubeconfigPath, context: null);
        using var client = KubeMedic.Kubernetes.Sources.KubeClients.Create(config);
        var time = cluster.Clock;
        var source = new LiveSource(client, $"simulated cluster ({cluster.ScenarioName})");
        // A real Prometheus scraping the simulator (kube-state-metrics, cAdvisor, node-exporter targets), when it is installed.
        KubeMedic.Simulator.Metrics.PrometheusHarness? prometheus = null;
        string? prometheusSkipped = null;
        try
        {
            var nodes = (await client.CoreV1.ListNodeAsync(cancellationToken: ct)).Items.Select(n => n.Metadata.Name).ToList();
            prometheus = await ui.Progress("Starting Prometheus against the simulated cluster", () => KubeMedic.Simulator.Metrics.PrometheusHarness.StartAsync(new KubeMedic.Simulator.Metrics.PrometheusHarnessOptions
            {
                Clusters = [new KubeMedic.Simulator.Metrics.ScrapeCluster(cluster.Url, nodes, "sim")],
                TimeCompression = options.Speed,
                // At x60 one OOM-killed container lives ~4 simulated minutes (~4 s of wall time): scrape 4 times a second so one
                // climb to the limit is ~16 samples, not 4.
                ScrapeInterval = PrometheusScrapeInterval,
            }, ct));
            ui.Line($"Prometheus: {prometheus.Url} (scraping the simulator every {PrometheusScrapeInterval.TotalMilliseconds:0} ms)");
        }
        catch (FileNotFoundException)
        {
            prometheusSkipped = "/usr/bin/prometheus is not installed (memory trend from the metrics API instead)";
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or HttpRequestException)
        {
            prometheusSkipped = $"Prometheus did not start: {ex.Message.ReplaceLineEndings(" ")} (memory trend from the metrics API instead)";
        }

        await using var prometheusLifetime = prometheus;
        var backend = new LiveBackend(client, $"simulated cluster ({cluster.ScenarioName})",
            token => ModelAdapters.DiagnoseAsync(source, ClusterScope.All, time, token), time,
            new LiveBackendOptions
            {
                AuditDirectory = options.AuditDirectory,
                PrometheusSkipped = prometheusSkipped,
                PrometheusUrl = prometheus?.Url,
                PrometheusTime = TimeProvider.System,
                PrometheusWindow = TimeSpan.FromMinutes(2),
                PrometheusStep = PrometheusScrapeInterval,
                ToClusterTime = wall => time.GetUtcNow() - (TimeProvider.System.GetUtcNow() - wall) * options.Speed,
                Verify = new VerifyOptions { Window = TimeSpan.FromMinutes(15), StableFor = TimeSpan.FromMinutes(3), PollInterval = TimeSpan.FromMilliseconds(200) },
            });

        try
        {
            await ui.Progress("Waiting for the incident to show (simulated time runs fast)", () => WaitForIncidentAsync(client, backend, options.Scenario, ui, ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw new TimeoutException($"demo: the {options.Scenario} failure did not show on the simulated cluster in time");
        }

        var store = new IncidentStore(options.StoreRoot ?? IncidentStore.DefaultRoot(), time);
        var flow = new ResponseFlow(backend, ui, store, new ResponseOptions
        {
            AssumeYes = true,
            PostmortemDirectory = options.OutDirectory,
            AlsoHtml = true,
            OpenedBy = "kubemedic demo",
        });
        var result = await flow.RunAsync(ct);
        if (options.BeforeStop is not null)
        {
            await options.BeforeStop(cluster);
        }

        ui.Line($"Demo finished in {watch.Elapsed.TotalSeconds:0} s (real time). Postmortem: {result.PostmortemPath}");
        return result;
    }

    /// <summary>Polls until the scenario's failure is visible: for the OOM scenario, a container OOMKilled at least twice.</summary>
    private static async Task<bool> WaitForIncidentAsync(IKubernetes client, LiveBackend backend, string scenario, IResponseUi ui, CancellationToken ct)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var samples = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var pods = (await client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct)).Items;
            foreach (var ns in pods.Select(p => p.Metadata.NamespaceProperty).Distinct().Where(n => n is not "kube-system"))
            {
                await backend.SampleAsync(ns, ct);
            }

            samples++;

            var oomRestarts = 0;
            string? oomNamespace = null, oomWorkload = null;
            var broken = pods.Count(p => p.Status?.Phase == "Pending" || p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status != "True") == true);
            foreach (var p in pods)
            {
                foreach (var cs in p.Status?.ContainerStatuses ?? [])
                {
                    var reason = cs.State?.Waiting?.Reason ?? cs.LastState?.Terminated?.Reason;
                    if (cs.LastState?.Terminated?.Reason == "OOMKilled")
                    {
                        oomRestarts = Math.Max(oomRestarts, cs.RestartCount);
                        oomNamespace = p.Metadata.NamespaceProperty;
                        // pods of a Deployment are named <deployment>-<template hash>-<suffix>
                        oomWorkload = p.Metadata.OwnerReferences?.FirstOrDefault(o => o.Kind == "ReplicaSet")?.Name is { } rs && rs.LastIndexOf('-') is > 0 and var dash ? rs[..dash] : p.Metadata.Name;
                    }

                    var key = $"{p.Metadata.Name}/{cs.Name}/{reason}/{cs.RestartCount}";
                    if (reason is not null && reason != "ContainerCreating" && seen.Add(key))
                    {
                        ui.Line($"{p.Metadata.NamespaceProperty}/{p.Metadata.Name}: {reason}, restarts {cs.RestartCount}");
                    }
                }
            }

            // The metrics API has no history: keep sampling until the trend covers at least one climb to the limit.
            var enoughTrend = samples >= 40;
            // Prometheus, when it runs, must also hold the trend: it begins scraping ~5 s after it is ready (target discovery is
            // throttled) and each container lives only a few seconds at x60. Bounded: after ~30 s the demo goes on without it.
            if (enoughTrend && oomNamespace is not null && oomWorkload is not null && samples < 120 && backend.HasPrometheus)
            {
                enoughTrend = await backend.PrometheusSampleCountAsync(oomNamespace, oomWorkload, ct) >= PrometheusSamplesWanted;
            }
            if (scenario == "order-service-oom" ? oomRestarts >= 2 && enoughTrend : broken >= 3 && samples >= 8)
            {
                return true;
            }

            await Task.Delay(250, ct);
        }
    }
}
