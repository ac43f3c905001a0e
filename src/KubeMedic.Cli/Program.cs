using System.CommandLine;
using KubeMedic.Cli;
using KubeMedic.Cli.Commands;
using KubeMedic.Cli.Common;
using KubeMedic.Kubernetes.Sources;

KubernetesJsonMetadata.UseReflection(); // before any KubernetesClient JSON use
EmbeddedClusterSource.Install();

var root = new RootCommand("KubeMedic: Kubernetes incident response, from alert to postmortem.");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

return await CliRunner.RunAsync(root, args);
