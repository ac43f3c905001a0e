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
/// its checkpoints; asks before applying any fix.
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
        var audit = new Option<string?>("--audit-dir") { Description = "Folder for the repair audit log (default ~/.kubemedic/audit).", Hidden = true };
        var command = new Command("respond", "Respond to an incident: triage, root cause with hypotheses checked by data, observability, fix (dry run, confirm, apply, verify), postmortem.");
        cluster.AddTo(command);
        command.Options.Add(yes);
        command.Options.Add(outDir);
        command.Options.Add(html);
        command.Options.Add(prometheus);
        command.Options.Add(store);
        command.Options.Add(audit);
        command.SetAction(async (parse, ct) =>
        {
            var selection = cluster.Read(parse);
            var scope = new ClusterScope(selection.Namespace, selection.LabelSelector);
            Uri? prometheusUrl = null;
            if (parse.GetValue(prometheus) is { } p && !Uri.TryCreate(p, UriKind.Absolute, out prometheusUrl))
            {
                throw new UserInputException($"--prometheus: '{p}' is not an absolute URL");
            }

            await using var backend = CreateBackend(selection, scope, prometheusUrl, parse.GetValue(audit));
            var ui = Terminal.IsInteractive ? (IResponseUi)new TerminalResponseUi(Terminal.Console) : new PlainResponseUi(Console.Out);
            var flow = new ResponseFlow(backend, ui, new IncidentStore(parse.GetValue(store) ?? IncidentStore.DefaultRoot(), TimeProvider.System), new ResponseOptions
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

    private static IResponseBackend CreateBackend(ClusterSelection selection, ClusterScope scope, Uri? prometheus, string? auditDir)
    {
        if (!string.IsNullOrEmpty(selection.SnapshotPath))
        {
            var source = new SnapshotSource(selection.SnapshotPath, selection.SnapshotPath == "-" ? Console.OpenStandardInput() : null);
            return new SnapshotBackend(source, scope, TimeProvider.System);
        }

        if (!KubeconfigLoader.IsAvailable(selection.Kubeconfig))
        {
            throw new UserInputException("no cluster found: pass --snapshot FILE, --kubeconfig FILE (or set KUBECONFIG); or run 'kubemedic demo' for the simulated cluster");
        }

        var config = KubeconfigLoader.Load(selection.Kubeconfig, selection.Context);
        var client = new k8s.Kubernetes(config);
        var live = new LiveSource(client, $"cluster {config.Host}" + (config.CurrentContext is { } ctx ? $" (context {ctx})" : ""));
        return new LiveBackend(client, live.Description, token => ModelAdapters.DiagnoseAsync(live, scope, TimeProvider.System, token), TimeProvider.System, new LiveBackendOptions
        {
            AuditDirectory = auditDir,
            PrometheusUrl = prometheus,
            PrometheusSkipped = prometheus is null ? "no --prometheus URL given (memory trend from a metrics-API sample only)" : null,
            Verify = new VerifyOptions(),
        });
    }
}
