using KubeMedic.Cli.Common;
using KubeMedic.Core;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;
using KubeMedic.Kubernetes.Sources;

namespace KubeMedic.Cli.Rendering;

/// <summary>Turns the shared cluster flags into a loaded, scoped model, with a progress line on an interactive terminal.</summary>
internal static class ClusterLoading
{
    public static async Task<(ClusterModel Model, IClusterSource Source)> LoadAsync(ClusterSelection selection, CancellationToken ct)
    {
        var source = ClusterSourceFactory.Create(new ClusterSourceRequest(selection.SnapshotPath, selection.Kubeconfig, selection.Context,
            selection.SnapshotPath == "-" ? Console.OpenStandardInput() : null));
        var scope = new ClusterScope(selection.Namespace, selection.LabelSelector);
        if (scope.LabelSelector is { } sel)
        {
            LabelSelectorParser.Parse(sel);
        }

        if (!Console.IsErrorRedirected)
        {
            Console.Error.Write($"Loading {source.Description}...");
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        var model = await source.LoadAsync(scope, ct);
        if (!Console.IsErrorRedirected)
        {
            Console.Error.WriteLine($"\rLoaded {source.Description}: {model.ObjectCount:N0} objects in {started.Elapsed.TotalSeconds:0.0}s");
        }

        return (model, source);
    }

    public static Severity ParseSeverity(string? text) => (text ?? "info").ToLowerInvariant() switch
    {
        "info" => Severity.Info,
        "low" => Severity.Low,
        "medium" => Severity.Medium,
        "high" => Severity.High,
        "critical" => Severity.Critical,
        _ => throw new UserInputException($"--min-severity: unknown level '{text}' (use info, low, medium, high or critical)"),
    };
}
