using System.CommandLine;
using KubeMedic.Cli.Common;
using KubeMedic.Core;
using KubeMedic.Core.Incidents;
using KubeMedic.Core.Model;
using KubeMedic.Kubernetes.Repair;
using KubeMedic.Kubernetes.Sources;

namespace KubeMedic.Cli.Commands;

/// <summary>
/// <c>kubemedic respond [--snapshot PATH | --kubeconfig K --context C] [--yes]</c>: the seed 000 incident flow, step by step, with
/// its checkpoints; asks before applying any fix. The audit goes where <c>fix</c> and <c>autopilot</c> put it (<see cref="AuditOptions"/>).
/// </summary>
internal static class RespondCommand
{
    public static Command Create()
    {
        var cluster = new ClusterOptions();
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask: apply the proposed fixes (for scripts). Without it, a fix is applied only after a yes at the terminal." };
        var outDir = new Option<string?>("--out") { Description = $"Folder for the postmortem (default {PostmortemCommand.DefaultDirectory}/)." };
        var html = new Option<bool>("--html") { Description = "Also write the HTML postmortem (timeline and memory charts)." };
        var prometheus = new Option<string?>("--prometheus") { Description = "Prometheus base URL for the memory trend (e.g. http://127.0.0.1:9090)." };
        var store = IncidentCommand.StoreOption();
        var audit = new AuditOptions();
        var command = new Command("respond", "Respond to an incident: triage, root cause with hypotheses checked by data, observability, fix (dry run, confirm, apply, verify), postmortem.");
        cluster.AddTo(command);
        command.Options.Add(yes);
        command.Options.Add(outDir);
        command.Options.Add(html);
        command.Options.Add(prometheus);
        command.Options.Add(store);
        audit.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var selection = cluster.Read(parse);
            var auditSelection = audit.Read(parse);
            var scope = new ClusterScope(selection.Namespace, selection.LabelSelector);
            Uri? prometheusUrl = null;
            if (parse.GetValue(prometheus) is { } p && !Uri.TryCreate(p, UriKind.Absolute, out prometheusUrl))
            {
                throw new UserInputException($"--prometheus: '{p}' is not an absolute URL");
            }

            var (created, time) = await CreateBackendAsync(selection, scope, prometheusUrl, auditSelection, ct);
            await using var backend = created;
            var ui = Terminal.IsInteractive ? (IResponseUi)new TerminalResponseUi(Terminal.Console) : new PlainResponseUi(Console.Out);
            var flow = new ResponseFlow(backend, ui, new IncidentStore(parse.GetValue(store) ?? IncidentStore.DefaultRoot(), time), new ResponseOptions
            {
                AssumeYes = parse.GetValue(yes),
                PostmortemDirectory = parse.GetValue(outDir) ?? PostmortemCommand.DefaultDirectory,
                AlsoHtml = parse.GetValue(html),
            });
            var result = await flow.RunAsync(ct);
            return result.ExitCode;
        });
        return command;
    }

    private static async Task<(IResponseBackend Backend, TimeProvider Time)> CreateBackendAsync(ClusterSelection selection, ClusterScope scope, Uri? prometheus, AuditSelection audit, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(selection.SnapshotPath))
        {
            var source = new SnapshotSource(selection.SnapshotPath, selection.SnapshotPath == "-" ? Console.OpenStandardInput() : null);
            return (new SnapshotBackend(source, scope, TimeProvider.System), TimeProvider.System);
        }

        if (!KubeconfigLoader.IsAvailable(selection.Kubeconfig))
        {
            if (!EmbeddedClusterSource.Enabled)
            {
                throw new UserInputException("no cluster found: pass --snapshot FILE (or - for stdin), --kubeconfig FILE, or set KUBECONFIG");
            }

            // The embedded default: no snapshot and no kubeconfig, so respond on the simulated cluster (its clock is the record's clock).
            var scenario = Environment.GetEnvironmentVariable(EmbeddedClusterSource.ScenarioVariable) is { Length: > 0 } env ? env : EmbeddedClusterSource.DefaultScenario;
            Console.Error.WriteLine($"note: no kubeconfig found; responding on the embedded simulated cluster (scenario {scenario}; set {EmbeddedClusterSource.ScenarioVariable} to change it, {EmbeddedClusterSource.SwitchVariable}=off to disable, or pass --kubeconfig/--snapshot)");
            KubeMedic.Simulator.SimulatedCluster cluster;
            try
            {
                cluster = await KubeMedic.Simulator.SimulatedCluster.StartAsync(new KubeMedic.Simulator.SimulatorOptions { Scenario = scenario, Speed = 60 }, ct);
            }
            catch (KubeMedic.Simulator.ScenarioException ex)
            {
                throw new UserInputException($"{EmbeddedClusterSource.ScenarioVariable}: {ex.Message}", ex);
            }

            var simClient = KubeClients.Create(KubeconfigLoader.FromFile(cluster.KubeconfigPath, context: null));
            IAuditStore simAudit;
            try
            {
                simAudit = await audit.OpenAsync(simClient, cluster.Clock, Console.Error, ct);
            }
            catch
            {
                simClient.Dispose();
                await cluster.DisposeAsync();
                throw;
            }

            var simSource = new LiveSource(simClient, $"embedded simulated cluster ({cluster.ScenarioName})");
            return (new LiveBackend(simClient, simSource.Description, token => ModelAdapters.DiagnoseAsync(simSource, scope, cluster.Clock, token), cluster.Clock, new LiveBackendOptions
            {
                Audit = simAudit,
                PrometheusSkipped = "the embedded simulator has no Prometheus here (kubemedic demo starts one); memory trend from a metrics-API sample only",
                Verify = new VerifyOptions { Window = TimeSpan.FromMinutes(15), StableFor = TimeSpan.FromMinutes(3), PollInterval = TimeSpan.FromMilliseconds(200) },
                OnDispose = async () =>
                {
                    simClient.Dispose();
                    await cluster.DisposeAsync();
                },
            }), cluster.Clock);
        }

        var config = KubeconfigLoader.Load(selection.Kubeconfig, selection.Context);
        var client = KubeClients.Create(config);
        IAuditStore store;
        try
        {
            store = await audit.OpenAsync(client, TimeProvider.System, Console.Error, ct);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        var live = new LiveSource(client, $"cluster {config.Host}" + (config.CurrentContext is { } ctx ? $" (context {ctx})" : ""));
        return (new LiveBackend(client, live.Description, token => ModelAdapters.DiagnoseAsync(live, scope, TimeProvider.System, token), TimeProvider.System, new LiveBackendOptions
        {
            Audit = store,
            PrometheusUrl = prometheus,
            PrometheusSkipped = prometheus is null ? "no --prometheus URL given (memory trend from a metrics-API sample only)" : null,
            Verify = new VerifyOptions(),
            OnDispose = () =>
            {
                client.Dispose();
                return ValueTask.CompletedTask;
            },
        }), TimeProvider.System);
    }
}
