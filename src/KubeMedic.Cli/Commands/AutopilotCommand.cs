using System.CommandLine;
using System.Net;
using k8s;
using KubeMedic.Cli.Common;
using KubeMedic.Core;
using KubeMedic.Core.Policy;
using KubeMedic.Kubernetes.Informers;
using KubeMedic.Kubernetes.Repair;
using Prometheus;

namespace KubeMedic.Cli.Commands;

/// <summary>
/// <c>kubemedic autopilot [--policy FILE] [--dry-run] [--once]</c>: the watch-driven auto-recovery loop (seed 001) under the safety
/// policy, with /metrics, a status summary, escalations, leader election through a Lease, and a clean exit on SIGTERM.
/// </summary>
internal static class AutopilotCommand
{
    /// <summary>Creates the detector (the diagnosis engine over the informers' cache).</summary>
    internal static Func<IFindingDetector> DetectorFactory { get; set; } = () => new DiagnosisDetector();

    public static Command Create()
    {
        var policyFile = new Option<string?>("--policy") { Description = "Safety policy YAML (see docs/autopilot-policy.md). Default: the built-in policy, dry run." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only plan and record, whatever the policy says (dry run is also the policy default)." };
        var once = new Option<bool>("--once") { Description = "One pass: diagnose, repair (or plan), wait for verifications, print the status, exit." };
        var auditOptions = new AuditOptions("Audit log and rate-limit store");
        var metricsListen = new Option<string?>("--metrics-listen") { Description = "Serve /metrics, /healthz, /readyz on HOST:PORT (e.g. 127.0.0.1:9464)." };
        var leaseNamespace = new Option<string?>("--lease-namespace") { Description = "Enable leader election through a coordination.k8s.io Lease in this namespace." };
        var leaseName = new Option<string>("--lease-name") { Description = "Name of the Lease.", DefaultValueFactory = _ => "kubemedic-autopilot" };
        var statusEvery = new Option<string>("--status-interval") { Description = "Print the status summary this often.", DefaultValueFactory = _ => "60s" };
        var cluster = new ClusterOptions();
        var command = new Command("autopilot", "Watch the cluster and repair what the safety policy allows; escalate the rest. Dry run by default.");
        foreach (var o in new Option[] { policyFile, dryRun, once, metricsListen, leaseNamespace, leaseName, statusEvery })
        {
            command.Options.Add(o);
        }

        auditOptions.AddTo(command);
        cluster.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var auditSelection = auditOptions.Read(parse);
            var policy = parse.GetValue(policyFile) is { } file ? PolicyLoader.LoadFile(file) : AutopilotPolicy.Default;
            var effectiveDryRun = policy.DryRun || parse.GetValue(dryRun);
            var statusInterval = FixCommand.Duration(parse.GetValue(statusEvery)!, "--status-interval");
            using var client = KubeClient.Create(cluster.Read(parse));
            var time = TimeProvider.System;
            var metrics = new PrometheusAutopilotMetrics();
            using var server = parse.GetValue(metricsListen) is { } listen ? MetricsServer.Start(listen) : null;
            var log = Console.Out;
            var mode = effectiveDryRun ? "dry run" : "ACTING";
            var gcStats = Environment.GetEnvironmentVariable("KUBEMEDIC_GC_STATS") is "1" or "true";
            await log.WriteLineAsync($"[{time.GetUtcNow():yyyy-MM-dd HH:mm:ss}] autopilot starting ({mode})");

            async Task RunLoop(CancellationToken token)
            {
                var informers = new ClusterInformers(client, time);
                var audit = await auditSelection.OpenAsync(client, time, log, token);
                await log.WriteLineAsync($"[{time.GetUtcNow():yyyy-MM-dd HH:mm:ss}] audit: {audit.Location}");
                var autopilot = new Autopilot(new KubeObjectApi(client), informers, DetectorFactory(), audit,
                    [new ConsoleNotificationSink(Console.Error)], metrics, time, new AutopilotOptions
                    {
                        Policy = policy,
                        DryRun = effectiveDryRun,
                        Actor = AuditLog.CurrentActor("autopilot"),
                        Verify = new VerifyOptions { Window = policy.VerifyWindow, StableFor = TimeSpan.FromSeconds(Math.Min(10, policy.VerifyWindow.TotalSeconds / 4)) },
                        Log = log,
                        TrimMemoryEvery = TimeSpan.FromSeconds(1), // a long-running watcher: give each pass's peak back (bench/autopilot)
                    });
                if (server is not null)
                {
                    server.Ready = true;
                }

                using var statusCts = CancellationTokenSource.CreateLinkedTokenSource(token);
                var printer = parse.GetValue(once) ? Task.CompletedTask : Task.Run(async () =>
                {
                    using var timer = new PeriodicTimer(statusInterval, time);
                    while (await timer.WaitForNextTickAsync(statusCts.Token).ConfigureAwait(false))
                    {
                        if (autopilot.LastStatus is { } s)
                        {
                            await log.WriteLineAsync(s.Render(time.GetUtcNow(), mode));
                        }

                        if (gcStats)
                        {
                            await log.WriteLineAsync(GcStats());
                        }
                    }
                }, CancellationToken.None);
                await autopilot.RunAsync(parse.GetValue(once), token);
                await statusCts.CancelAsync();
                try
                {
                    await printer;
                }
                catch (OperationCanceledException)
                {
                }

                if (autopilot.LastStatus is { } last)
                {
                    await log.WriteLineAsync(last.Render(time.GetUtcNow(), mode));
                }
            }

            if (parse.GetValue(leaseNamespace) is { } ns)
            {
                await RunAsLeaderAsync(client, ns, parse.GetValue(leaseName)!, RunLoop, log, ct);
            }
            else
            {
                await RunLoop(ct);
            }

            await log.WriteLineAsync($"[{time.GetUtcNow():yyyy-MM-dd HH:mm:ss}] autopilot stopped");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Memory figures for the benchmark (KUBEMEDIC_GC_STATS=1): managed heap after the last GC, committed, and the process.</summary>
    internal static string GcStats()
    {
        const double MiB = 1024 * 1024;
        var info = GC.GetGCMemoryInfo();
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        var gens = string.Join(" ", info.GenerationInfo.ToArray().Select((g, i) => $"g{i}={g.SizeAfterBytes / MiB:0.0}"));
        return $"  gc: heap {info.HeapSizeBytes / MiB:0.0} MiB ({gens}), fragmented {info.FragmentedBytes / MiB:0.0}, committed {info.TotalCommittedBytes / MiB:0.0}, " +
            $"collections {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, allocated {GC.GetTotalAllocatedBytes() / MiB:0} MiB; " +
            $"process: working set {process.WorkingSet64 / MiB:0} MiB, private {process.PrivateMemorySize64 / MiB:0} MiB; " +
            $"jit {System.Runtime.JitInfo.GetCompiledMethodCount()} methods, {System.Runtime.JitInfo.GetCompiledILBytes() / 1024} KiB IL; " +
            $"gen0 budget {Gen0Budget() / MiB:0.0} MiB; gc config: {string.Join(", ", GC.GetConfigurationVariables().Where(kv => kv.Value is not (0 or 0L or false or "")).Select(kv => $"{kv.Key}={kv.Value}"))}";
    }

    private static long Gen0Budget() =>
        typeof(GC).GetMethod("GetGenerationBudget", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)?.Invoke(null, [0]) is long budget ? budget : -1;

    private static Task RunAsLeaderAsync(IKubernetes client, string ns, string name, Func<CancellationToken, Task> loop, TextWriter log, CancellationToken ct) =>
        new LeaderGate(client, ns, name, $"{Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName}-{Environment.ProcessId}", log).RunAsync(loop, ct);
}

/// <summary>The autopilot's own metrics (prometheus-net).</summary>
internal sealed class PrometheusAutopilotMetrics : IAutopilotMetrics
{
    private static readonly Counter Detections = Metrics.CreateCounter("kubemedic_autopilot_detections_total", "Findings newly detected.", "code");
    private static readonly Counter Remediations = Metrics.CreateCounter("kubemedic_autopilot_remediations_total", "Remediations by remedy and result.", "remedy", "result");
    private static readonly Counter Escalations = Metrics.CreateCounter("kubemedic_autopilot_escalations_total", "Escalations by finding code.", "code");
    private static readonly Histogram DetectToRepair = Metrics.CreateHistogram("kubemedic_autopilot_detection_to_repair_seconds", "Time from first detection to the patch being applied.",
        new HistogramConfiguration { Buckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300] });
    private static readonly Gauge CircuitOpen = Metrics.CreateGauge("kubemedic_autopilot_circuit_open", "1 when the circuit breaker is open.");
    private static readonly Gauge Pods = Metrics.CreateGauge("kubemedic_autopilot_pods", "Pods by state, as in the status summary.", "state");
    private static readonly Gauge OpenEscalations = Metrics.CreateGauge("kubemedic_autopilot_open_escalations", "Escalated findings still present.");

    public void Detected(string code) => Detections.WithLabels(code).Inc();
    public void Remediated(string remedy, string result) => Remediations.WithLabels(remedy, result).Inc();
    public void DetectionToRepair(TimeSpan elapsed) => DetectToRepair.Observe(elapsed.TotalSeconds);
    public void Escalated(string code) => Escalations.WithLabels(code).Inc();
    public void Circuit(CircuitState state) => CircuitOpen.Set(state == CircuitState.Open ? 1 : 0);

    public void Status(AutopilotStatus status)
    {
        Pods.WithLabels("total").Set(status.PodsTotal);
        Pods.WithLabels("running").Set(status.PodsRunning);
        Pods.WithLabels("error").Set(status.PodsError);
        Pods.WithLabels("pending").Set(status.PodsPending);
        OpenEscalations.Set(status.OpenEscalations);
    }
}

/// <summary>A tiny HTTP endpoint: /metrics (Prometheus text), /healthz, /readyz.</summary>
internal sealed class MetricsServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _cts = new();

    private MetricsServer()
    {
    }

    public bool Ready { get; set; }

    public static MetricsServer Start(string listen)
    {
        var colon = listen.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(listen[(colon + 1)..], out var port) || port is <= 0 or > 65535)
        {
            throw new UserInputException($"--metrics-listen: '{listen}' is not HOST:PORT");
        }

        var host = listen[..colon] is "0.0.0.0" or "*" or "" ? "+" : listen[..colon];
        var server = new MetricsServer();
        server._listener.Prefixes.Add($"http://{host}:{port}/");
        try
        {
            server._listener.Start();
        }
        catch (HttpListenerException ex)
        {
            throw new UserInputException($"--metrics-listen: cannot listen on {listen}: {ex.Message}", ex);
        }

        _ = Task.Run(server.ServeAsync);
        return server;
    }

    private async Task ServeAsync()
    {
        while (!_cts.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_cts.IsCancellationRequested || !_listener.IsListening)
            {
                return;
            }

            try
            {
                var path = context.Request.Url?.AbsolutePath ?? "/";
                if (path == "/metrics")
                {
                    context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                    await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(context.Response.OutputStream, _cts.Token);
                }
                else if (path is "/healthz" or "/readyz")
                {
                    var ok = path == "/healthz" || Ready;
                    context.Response.StatusCode = ok ? 200 : 503;
                    await context.Response.OutputStream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(ok ? "ok\n" : "not ready\n"), _cts.Token);
                }
                else
                {
                    context.Response.StatusCode = 404;
                }
            }
            catch (Exception)
            {
                // a client that went away
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _listener.Close();
        _cts.Dispose();
    }
}
