using System.CommandLine;
using KubeMedic.Cli.Common;
using KubeMedic.Cli.Rendering;
using KubeMedic.Core.Analysis;

namespace KubeMedic.Cli.Commands;

/// <summary><c>kubemedic diagnose</c>: root causes with evidence and fixes. Exit 0 = nothing at/above --min-severity, 1 = findings, 2 = bad input.</summary>
internal static class DiagnoseCommand
{
    public static Command Create()
    {
        var command = new Command("diagnose", "Find the root causes of what is broken: quoted evidence, fix commands and patches.");
        var cluster = new ClusterOptions();
        var output = new OutputOptions();
        var minSeverity = new Option<string>("--min-severity") { Description = "Only report findings at or above: info, low, medium, high, critical.", DefaultValueFactory = _ => "info" };
        cluster.AddTo(command);
        output.AddTo(command);
        command.Options.Add(minSeverity);
        var prometheus = new PrometheusEvidenceOption();
        prometheus.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var format = output.Read(parse);
            var min = ClusterLoading.ParseSeverity(parse.GetValue(minSeverity));
            var (model, _) = await ClusterLoading.LoadAsync(cluster.Read(parse), ct);
            var result = DiagnosisEngine.Default.Diagnose(model, new DiagnoseOptions { MinSeverity = min });
            result = await prometheus.EnrichAsync(parse, result, model, ct);
            var stdout = Console.Out;
            switch (format)
            {
                case OutputFormat.Json:
                    await stdout.WriteLineAsync(OutputWriter.ToJson(FindingsRenderer.Document(result)));
                    break;
                case OutputFormat.Yaml:
                    await stdout.WriteAsync(OutputWriter.ToYaml(FindingsRenderer.Document(result)));
                    break;
                case OutputFormat.Markdown:
                    FindingsRenderer.WriteMarkdown(result, stdout);
                    break;
                default:
                    if (Console.IsOutputRedirected)
                    {
                        FindingsRenderer.WritePlain(result, stdout);
                    }
                    else
                    {
                        FindingsRenderer.WriteColor(result, stdout);
                    }

                    break;
            }

            return result.Findings.Count == 0 ? ExitCodes.Ok : ExitCodes.Findings;
        });
        return command;
    }
}
