using System.CommandLine;

namespace KubeMedic.Cli.Common;

/// <summary>
/// The kubectl-style flags every cluster-facing verb shares. Add them with <see cref="AddTo"/>, read them with <see cref="Read"/>.
/// </summary>
internal sealed class ClusterOptions
{
    public Option<string?> Kubeconfig { get; } = new("--kubeconfig") { Description = "Path to the kubeconfig file, read alone (default: the files of $KUBECONFIG, merged as kubectl does, then ~/.kube/config)." };
    public Option<string?> Context { get; } = new("--context") { Description = "The kubeconfig context to use." };
    public Option<string?> Namespace { get; } = new("--namespace", "-n") { Description = "Only this namespace." };
    public Option<bool> AllNamespaces { get; } = new("--all-namespaces", "-A") { Description = "All namespaces (the default when -n is not given)." };
    public Option<string?> Selector { get; } = new("--selector", "-l") { Description = "Label selector, e.g. app=web,tier!=cache." };
    public Option<string?> Snapshot { get; } = new("--snapshot") { Description = "Read a snapshot file or directory instead of a live cluster ('-' for stdin)." };

    public void AddTo(Command command)
    {
        command.Options.Add(Kubeconfig);
        command.Options.Add(Context);
        command.Options.Add(Namespace);
        command.Options.Add(AllNamespaces);
        command.Options.Add(Selector);
        command.Options.Add(Snapshot);
    }

    public ClusterSelection Read(ParseResult parse) => new(
        parse.GetValue(Kubeconfig),
        parse.GetValue(Context),
        parse.GetValue(AllNamespaces) ? null : parse.GetValue(Namespace),
        parse.GetValue(Selector),
        parse.GetValue(Snapshot));
}

/// <summary>What the user asked to look at: which cluster (or snapshot) and which part of it.</summary>
internal sealed record ClusterSelection(string? Kubeconfig, string? Context, string? Namespace, string? LabelSelector, string? SnapshotPath);
