using KubeMedic.Cli.Common;
using KubeMedic.Core;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;
using KubeMedic.Kubernetes.Sources;
using Spectre.Console;

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

        var started = System.Diagnostics.Stopwatch.StartNew();
        ClusterModel model;
        if (Console.IsErrorRedirected)
        {
            model = await source.LoadAsync(scope, ct);
        }
        else
        {
            // a spinner on stderr (stdout stays clean for -o json | jq); Spectre falls back to plain text on a dumb terminal
            var err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error), Interactive = InteractionSupport.Yes });
            model = await err.Status().Spinner(Spinner.Known.Dots)
                .StartAsync(Markup.Escape($"Loading {source.Description}..."), _ => source.LoadAsync(scope, ct));
        }

        if (!Console.IsErrorRedirected)
        {
            Console.Error.WriteLine($"Loaded {source.Description}: {model.ObjectCount:N0} objects in {started.Elapsed.TotalSeconds:0.0}s");
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
