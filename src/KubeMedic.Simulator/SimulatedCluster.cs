using System.Text.Json.Nodes;
using KubeMedic.Simulator.Api;
using KubeMedic.Simulator.Scenarios;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator;

/// <summary>
/// A simulated Kubernetes cluster in this process: an API server on loopback that real kubectl and KubernetesClient
/// use unchanged, the controllers (deployment, replicaset, job, statefulset, daemonset, endpoints, GC, scheduler,
/// node lifecycle) and a kubelet model driven by the scenario's app behaviour, all on a <see cref="SimClock"/>.
/// </summary>
public sealed class SimulatedCluster : IAsyncDisposable
{
    private readonly SimContext _ctx;
    private readonly ApiServer _server;
    private readonly string? _tempDir;
    private int _stopped;

    private SimulatedCluster(SimContext ctx, ApiServer server, string kubeconfigPath, string? tempDir)
    {
        _ctx = ctx;
        _server = server;
        KubeconfigPath = kubeconfigPath;
        _tempDir = tempDir;
    }

    /// <summary>The shared state (store, clock, kubelet model); used by the lab's metrics and chaos code in this assembly.</summary>
    internal SimContext Context => _ctx;

    /// <summary>The API server URL (http://127.0.0.1:PORT).</summary>
    public Uri Url => _server.Url;

    /// <summary>A kubeconfig (context "kubemedic-sim", user with a token) that kubectl and KubernetesClient accept.</summary>
    public string KubeconfigPath { get; }

    /// <summary>The simulated clock; every timestamp the cluster writes comes from it.</summary>
    public SimClock Clock => _ctx.Clock;

    /// <summary>The distinct API requests served so far (verb, group, resource, subresource, namespace, name).</summary>
    public IReadOnlyCollection<Chaos.ApiRequestInfo> RequestsSeen => Metrics.SimMetricsSource.For(_ctx).ApiRequests.Seen;

    /// <summary>The loaded scenario's name ("empty" when none was given).</summary>
    public string ScenarioName => _ctx.Scenario.Name;

    /// <summary>The loaded scenario's one-line description.</summary>
    public string ScenarioDescription => _ctx.Scenario.Description;

    /// <summary>Completes when the cluster has stopped.</summary>
    public Task Completion => _server.Completion;

    /// <summary>Loads the scenario, starts the controllers and the API server, runs the scenario's warm-up and returns.</summary>
    /// <exception cref="ScenarioException">The scenario is unknown or malformed (message: file:line: reason).</exception>
    public static async Task<SimulatedCluster> StartAsync(SimulatorOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var scenario = options.Scenario is null ? Scenario.Empty() : ScenarioLoader.Load(options.Scenario);
        var warmup = options.Warmup ? scenario.Warmup : TimeSpan.Zero;
        var start = options.StartTime ?? TimeProvider.System.GetUtcNow() - warmup - (options.Speed > 1 ? TimeSpan.FromHours(1) : TimeSpan.Zero);
        var clock = new SimClock(start, options.Speed);
        var store = new ObjectStore(clock, options.WatchHistory);
        var ctx = new SimContext(clock, store, scenario);
        ctx.Manager.Start();
        ScenarioRunner.Seed(ctx);
        await ctx.Manager.SettleAsync(ct);
        if (warmup > TimeSpan.Zero) await ctx.Manager.AdvanceAsync(warmup, ct);

        var server = new ApiServer(ctx);
        await server.StartAsync(options.Listen, ct);
        string? tempDir = null;
        var path = options.KubeconfigOut;
        if (path is null)
        {
            tempDir = Path.Combine(Path.GetTempPath(), "kubemedic-sim-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(tempDir);
            path = Path.Combine(tempDir, "kubeconfig");
        }

        Kubeconfig.Write(path, server.Url);
        return new SimulatedCluster(ctx, server, Path.GetFullPath(path), tempDir);
    }

    /// <summary>Moves simulated time forward by <paramref name="by"/>, firing every timer in order (back-offs,
    /// probes, deadlines, faults) and letting the controllers settle after each.</summary>
    public Task AdvanceAsync(TimeSpan by, CancellationToken ct = default) => _ctx.Manager.AdvanceAsync(by, ct);

    /// <summary>Waits until the controllers have processed every pending change.</summary>
    public Task SettleAsync(CancellationToken ct = default) => _ctx.Manager.SettleAsync(ct);

    /// <summary>Waits (real time) until <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task WaitForAsync(Func<SimulatedCluster, bool> condition, TimeSpan timeout, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        while (true)
        {
            if (condition(this)) return;
            try
            {
                await Task.Delay(25, cts.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                if (condition(this)) return;
                throw new TimeoutException($"condition not met within {timeout.TotalSeconds:0.#}s");
            }
        }
    }

    /// <summary>Reads one object as raw API JSON (a copy), e.g. <c>Get("pods", "default", "web-1")</c> or <c>Get("deployments.apps", ...)</c>. Null if absent.</summary>
    public JsonObject? Get(string resource, string? ns, string name) => _ctx.Store.Get(ResourceOf(resource), ns, name) is { } o ? Copy(o) : null;

    /// <summary>Lists objects as raw API JSON (copies), optionally in one namespace and with a label selector.</summary>
    public IReadOnlyList<JsonObject> List(string resource, string? ns = null, string? labelSelector = null)
    {
        var selector = LabelSelector.Parse(labelSelector);
        return _ctx.Store.List(ResourceOf(resource), ns, o => selector.Matches(o)).Items.Select(Copy).ToList();
    }

    /// <summary>Runs a fault or scenario action now (the same actions a scenario's <c>faults:</c> list uses).</summary>
    public Task InjectAsync(SimFault fault, CancellationToken ct = default) => _ctx.Manager.InvokeAsync(() => FaultRunner.Apply(_ctx, fault), ct);

    /// <summary>Stops the API server and controllers. Open watches end.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        _ctx.Store.CloseAllWatches();
        await _server.StopAsync(ct);
        await _ctx.Manager.StopAsync();
        if (_tempDir is not null)
        {
            try
            {
                Directory.Delete(_tempDir, recursive: true);
            }
            catch (IOException)
            {
                // best effort
            }
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>A copy as parsed JSON, so numbers read back as any numeric type.</summary>
    private static JsonObject Copy(JsonObject o) => (JsonObject)JsonNode.Parse(o.ToJsonString())!;

    private static ResourceType ResourceOf(string resource)
    {
        var dot = resource.IndexOf('.');
        var plural = dot < 0 ? resource : resource[..dot];
        var group = dot < 0 ? null : resource[(dot + 1)..];
        return Resources.Served.FirstOrDefault(r => !r.Computed && (r.Plural == plural || r.ShortNames.Contains(plural) || r.Kind.Equals(plural, StringComparison.OrdinalIgnoreCase)) && (group is null || r.Group == group))
            ?? throw new ArgumentException($"unknown resource \"{resource}\"", nameof(resource));
    }
}
