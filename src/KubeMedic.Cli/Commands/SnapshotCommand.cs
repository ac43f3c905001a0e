using System.CommandLine;
using KubeMedic.Cli.Common;
using KubeMedic.Core;
using KubeMedic.Core.Model;
using KubeMedic.Kubernetes.Sources;

namespace KubeMedic.Cli.Commands;

/// <summary><c>kubemedic snapshot save -o FILE</c>: a kubectl-shaped v1 List of a live cluster, Secret values removed.</summary>
internal static class SnapshotCommand
{
    public static Command Create()
    {
        var command = new Command("snapshot", "Save a cluster snapshot for offline diagnosis.");
        var save = new Command("save", "Write every object kubemedic reads as one kubectl-style JSON List (Secret values removed).");
        var cluster = new ClusterOptions();
        var file = new Option<string>("--output", "-o") { Description = "The file to write.", Required = true };
        save.Options.Add(cluster.Kubeconfig);
        save.Options.Add(cluster.Context);
        save.Options.Add(cluster.Namespace);
        save.Options.Add(cluster.AllNamespaces);
        save.Options.Add(cluster.Selector);
        save.Options.Add(file);
        save.SetAction(async (parse, ct) =>
        {
            var selection = cluster.Read(parse);
            var path = parse.GetValue(file)!;
            if (selection.LabelSelector is { } sel)
            {
                LabelSelectorParser.Parse(sel);
            }

            if (string.IsNullOrEmpty(selection.Kubeconfig) && !KubeconfigLoader.IsAvailable(null))
            {
                throw new UserInputException("snapshot save needs a live cluster: pass --kubeconfig FILE or set KUBECONFIG");
            }

            var live = new LiveSource(KubeconfigLoader.Load(selection.Kubeconfig, selection.Context));

            using (live)
            {
                var count = await SnapshotWriter.SaveAsync(live, new ClusterScope(selection.Namespace, selection.LabelSelector), path, ct);
                await Console.Error.WriteLineAsync($"wrote {count} objects from {live.Description} to {path} ({live.Requests} LIST requests; Secret values removed)"
                    + (live.SkippedKinds.Count > 0 ? $"; skipped {string.Join(", ", live.SkippedKinds)}" : ""));
            }

            return ExitCodes.Ok;
        });
        command.Subcommands.Add(save);
        return command;
    }
}
