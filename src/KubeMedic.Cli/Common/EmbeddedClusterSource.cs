using KubeMedic.Core.Model;
using KubeMedic.Kubernetes.Sources;
using KubeMedic.Simulator;

namespace KubeMedic.Cli.Common;

/// <summary>
/// The embedded default: when there is no snapshot and no kubeconfig, start the simulated cluster in-process and read it
/// through the ordinary <see cref="LiveSource"/> (the real KubernetesClient over HTTP, nothing special-cased).
/// The scenario is <c>$KUBEMEDIC_SIM_SCENARIO</c>, by default <c>order-service-oom</c>.
/// </summary>
internal sealed class EmbeddedClusterSource : IClusterSource, IAsyncDisposable
{
    public const string ScenarioVariable = "KUBEMEDIC_SIM_SCENARIO";
    public const string DefaultScenario = "order-service-oom";

    /// <summary>Set to <c>off</c> (or <c>0</c>/<c>false</c>) to make "no cluster" an error instead, e.g. in scripts that must not fall back.</summary>
    public const string SwitchVariable = "KUBEMEDIC_EMBEDDED_CLUSTER";

    private readonly string _scenario;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SimulatedCluster? _cluster;
    private LiveSource? _live;

    public EmbeddedClusterSource(string? scenario = null)
    {
        _scenario = scenario ?? (Environment.GetEnvironmentVariable(ScenarioVariable) is { Length: > 0 } env ? env : DefaultScenario);
    }

    /// <summary>False when <see cref="SwitchVariable"/> turns the embedded default off.</summary>
    public static bool Enabled => Environment.GetEnvironmentVariable(SwitchVariable)?.ToLowerInvariant() is not ("off" or "0" or "false" or "no");

    /// <summary>Installs this source as <see cref="ClusterSourceFactory.DefaultSource"/>, announcing it on stderr.</summary>
    public static void Install()
    {
        if (!Enabled)
        {
            return;
        }

        ClusterSourceFactory.DefaultSource = _ => new EmbeddedClusterSource();
    }

    public string Description => $"embedded simulated cluster (scenario {_scenario})";

    public async Task<ClusterModel> LoadAsync(ClusterScope scope, CancellationToken cancellationToken) =>
        await (await LiveAsync(cancellationToken)).LoadAsync(scope, cancellationToken);

    public async Task<string?> GetLogsAsync(string ns, string pod, string container, bool previous, int tailLines, CancellationToken cancellationToken) =>
        await (await LiveAsync(cancellationToken)).GetLogsAsync(ns, pod, container, previous, tailLines, cancellationToken);

    private async Task<LiveSource> LiveAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_live is null)
            {
                await Console.Error.WriteLineAsync($"note: no kubeconfig found; using the embedded simulated cluster (scenario {_scenario}; set {ScenarioVariable} to change it, {SwitchVariable}=off to disable, or pass --kubeconfig/--snapshot)");
                _cluster = await SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = _scenario, Speed = 60 }, cancellationToken);
                var config = KubeconfigLoader.FromFile(_cluster.KubeconfigPath, context: null);
                _live = new LiveSource(config);
            }

            return _live;
        }
        catch (ScenarioException ex)
        {
            throw new KubeMedic.Core.UserInputException($"{ScenarioVariable}: {ex.Message}", ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _live?.Dispose();
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        _gate.Dispose();
    }
}
