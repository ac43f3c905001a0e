using System.CommandLine;
using KubeMedic.Cli.Common;
using KubeMedic.Cli.Rendering;
using KubeMedic.Core.Analysis;
using KubeMedic.Core.Triage;

namespace KubeMedic.Cli.Commands;

/// <summary><c>kubemedic triage</c>: SEV level, impact, timeline with correlation, leading hypothesis, status message.</summary>
internal static class TriageCommand
{
    public static Command Create()
    {
        var command = new Command("triage", "Classify the incident (SEV1-4), measure impact, build the timeline and a status message to paste.");
        var cluster = new ClusterOptions();
        var output = new OutputOptions();
        var rubric = new Option<string?>("--rubric") { Description = "Severity rubric YAML (default: the built-in rubric, see docs/severity-rubric.md)." };
        cluster.AddTo(command);
        output.AddTo(command);
        command.Options.Add(rubric);
        var prometheus = new PrometheusEvidenceOption();
        prometheus.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var format = output.Read(parse);
            var rubricPath = parse.GetValue(rubric);
            var loadedRubric = rubricPath is null ? SeverityRubric.Default : SeverityRubric.Load(rubricPath);
            var (model, _) = await ClusterLoading.LoadAsync(cluster.Read(parse), ct);
            var diagnosis = await prometheus.EnrichAsync(parse, DiagnosisEngine.Default.Diagnose(model), model, ct);
            var report = TriageEngine.Triage(model, diagnosis, loadedRubric);
            if (prometheus.MemoryChecks() is { Count: > 0 } memoryChecks)
            {
                report = report with { Checks = [.. report.Checks, .. memoryChecks] };
            }
            switch (format)
            {
                case OutputFormat.Json:
                    await Console.Out.WriteLineAsync(OutputWriter.ToJson(report));
                    break;
                case OutputFormat.Yaml:
                    await Console.Out.WriteAsync(OutputWriter.ToYaml(report));
                    break;
                default:
                    TriageRenderer.WriteText(report, Console.Out, format == OutputFormat.Markdown);
                    break;
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
