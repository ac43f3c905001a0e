using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using KubeMedic.Cli.Common;
using KubeMedic.Core;
using KubeMedic.Observability;
using KubeMedic.Observability.Prometheus;
using KubeMedic.Observability.Rules;
using KubeMedic.Observability.Slo;
using Spectre.Console;

namespace KubeMedic.Cli.Commands;

/// <summary><c>kubemedic slo generate|report</c>: multi-window multi-burn-rate SLO rules and the remaining error budget.</summary>
internal static class SloCommand
{
    public static Command Create()
    {
        var command = new Command("slo", "SLO burn-rate rules and error-budget reports.");
        command.Subcommands.Add(Generate());
        command.Subcommands.Add(Report());
        return command;
    }

    private static Command Generate()
    {
        var file = new Option<string>("--file", "-f") { Description = "The SLO spec (YAML: service, window, slos[name, objective, sli.error_query/total_query]).", Required = true };
        var plain = new Option<bool>("--plain") { Description = "Write a plain promtool rule file instead of a PrometheusRule." };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of stdout (atomic)." };
        var runbookBase = new Option<string>("--runbook-base") { Description = "Base URL of the runbooks.", DefaultValueFactory = _ => RunbookCodes.DefaultBase };
        var ns = new Option<string>("--namespace", "-n") { Description = "PrometheusRule namespace.", DefaultValueFactory = _ => "monitoring" };
        var command = new Command("generate", "Write SLI recording rules and page/ticket burn-rate alerts (14.4/6/3/1 over 1h/5m, 6h/30m, 1d/2h, 3d/6h).");
        foreach (var o in new Option[] { file, plain, output, runbookBase, ns })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, ct) =>
        {
            var spec = SloSpecReader.ReadFile(parse.GetValue(file)!);
            var rules = SloRuleGenerator.Generate(spec, parse.GetValue(runbookBase)!);
            var text = parse.GetValue(plain)
                ? RuleFileWriter.ToPlain(rules)
                : RuleFileWriter.ToPrometheusRule(rules, new PrometheusRuleMetadata($"kubemedic-slo-{spec.Service}", parse.GetValue(ns)!));
            OutputFile.Write(parse.GetValue(output), text, Console.Out);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command Report()
    {
        var prometheus = new Option<string>("--prometheus") { Description = "Prometheus base URL, e.g. http://127.0.0.1:9090.", Required = true };
        var file = new Option<string?>("--file", "-f") { Description = "Compute from this SLO spec's SLI queries; without it, read the recorded slo:* series." };
        var outputOptions = new OutputOptions();
        var command = new Command("report", "Print each SLO's error ratio, remaining error budget and current burn rate.");
        command.Options.Add(prometheus);
        command.Options.Add(file);
        outputOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var format = outputOptions.Read(parse);
            var url = parse.GetValue(prometheus)!;
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            {
                throw new UserInputException($"--prometheus: '{url}' is not an http(s) URL");
            }

            using var client = new PrometheusClient(uri);
            IReadOnlyList<SloStatus> statuses;
            try
            {
                statuses = parse.GetValue(file) is { } path
                    ? await SloReporter.FromSpecAsync(client, SloSpecReader.ReadFile(path), null, ct)
                    : await SloReporter.FromRecordingsAsync(client, null, ct);
            }
            catch (PrometheusQueryException ex)
            {
                await Console.Error.WriteLineAsync($"error: {ex.Message}");
                return ExitCodes.Findings;
            }

            Print(statuses, format);
            return statuses.Any(s => s.Problem is not null || s.BudgetRemaining is < 0) ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }

    private static string Pct(double? v, int digits = 2) => v is { } x ? (x * 100).ToString("F" + digits, CultureInfo.InvariantCulture) + " %" : "-";

    private static string Duration(TimeSpan? t) => t is not { } d ? "-" : d.TotalDays >= 1 ? $"{d.TotalDays:0.#}d" : d.TotalHours >= 1 ? $"{d.TotalHours:0.#}h" : $"{d.TotalMinutes:0}m";

    private static void Print(IReadOnlyList<SloStatus> statuses, OutputFormat format)
    {
        if (format is OutputFormat.Json or OutputFormat.Yaml)
        {
            var json = JsonSerializer.Serialize(statuses.Select(s => new
            {
                service = s.Service, slo = s.Slo, objective = s.Objective, window = s.Window, errorRatio = s.ErrorRatio,
                budgetRemaining = s.BudgetRemaining, burnRate1h = s.BurnRate1h, exhaustedInHours = s.ExhaustedIn?.TotalHours, problem = s.Problem,
            }), new JsonSerializerOptions { WriteIndented = true });
            Console.Out.WriteLine(json);
            return;
        }

        if (statuses.Count == 0)
        {
            Console.Out.WriteLine("No SLOs found (no slo:objective:ratio series; deploy 'kubemedic slo generate' rules or pass -f SPEC).");
            return;
        }

        string[] headers = ["SERVICE", "SLO", "OBJECTIVE", "WINDOW", "ERROR RATIO", "BUDGET LEFT", "BURN 1H", "EXHAUSTED IN", "NOTE"];
        var rows = statuses.Select(s => new[]
        {
            s.Service, s.Slo, s.Objective.ToString("0.###", CultureInfo.InvariantCulture) + " %", s.Window, Pct(s.ErrorRatio, 3), Pct(s.BudgetRemaining, 1),
            s.BurnRate1h is { } b ? b.ToString("0.##", CultureInfo.InvariantCulture) + "x" : "-", Duration(s.ExhaustedIn), s.Problem ?? (s.BudgetRemaining < 0 ? "budget overspent" : ""),
        }).ToList();
        if (format == OutputFormat.Markdown)
        {
            Console.Out.WriteLine("| " + string.Join(" | ", headers) + " |");
            Console.Out.WriteLine("|" + string.Concat(headers.Select(_ => "---|")));
            rows.ForEach(r => Console.Out.WriteLine("| " + string.Join(" | ", r) + " |"));
            return;
        }

        if (Console.IsOutputRedirected)
        {
            var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
            Console.Out.WriteLine(string.Join("  ", headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
            rows.ForEach(r => Console.Out.WriteLine(string.Join("  ", r.Select((c, i) => c.PadRight(widths[i]))).TrimEnd()));
            return;
        }

        var table = new Table().Border(TableBorder.Rounded);
        foreach (var h in headers)
        {
            table.AddColumn(h);
        }

        foreach (var (r, s) in rows.Zip(statuses))
        {
            var colour = s.BudgetRemaining switch { null => "grey", < 0 => "red", < 0.25 => "yellow", _ => "green" };
            table.AddRow(r.Select((c, i) => i == 5 ? new Markup($"[{colour}]{Markup.Escape(c)}[/]") : new Markup(Markup.Escape(c))).ToArray());
        }

        AnsiConsole.Write(table);
    }
}
