using System.CommandLine;
using KubeMedic.Cli;
using KubeMedic.Cli.Commands;
using KubeMedic.Cli.Common;

// KubernetesClient resolves JSON metadata through its source-generated context first: JIT-compiling that context's GetTypeInfo (a chain
// of `typeof` tests over every model type) loads all ~1,500 model types - ~10 MB of resident memory for a process that reads a handful
// of kinds. The reflection resolver builds metadata only for the types actually (de)serialized. Before any KubernetesJson use.
k8s.KubernetesJson.AddJsonOptions(o => o.TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver());
EmbeddedClusterSource.Install();

var root = new RootCommand("KubeMedic: Kubernetes incident response, from alert to postmortem.");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

return await CliRunner.RunAsync(root, args);
