using System.Text;
using KubeMedic.Core.Analysis;
using KubeMedic.Core.Findings;
using Spectre.Console;

namespace KubeMedic.Cli.Rendering;

/// <summary>
/// Renders findings as a table grouped by namespace (worst first, readable at 100 columns; colour only on a terminal),
/// as Markdown, or as the JSON/YAML contract.
/// </summary>
internal static class FindingsRenderer
{
    public const int Width = 100;
    private const int Indent = 12;

    /// <summary>The JSON contract: <c>{"findings":[...]}</c> plus counts.</summary>
    public static object Document(DiagnosisResult result) => new
    {
        findings = result.Findings,
        counts = Enum.GetValues<Severity>().Reverse().ToDictionary(s => s.ToString().ToLowerInvariant(), s => result.Findings.Count(f => f.Severity == s)),
        analyzedAt = result.AnalyzedAt,
    };

    public static IEnumerable<IGrouping<string, Finding>> ByNamespace(IReadOnlyList<Finding> findings) =>
        findings.GroupBy(f => f.Object.Namespace ?? "(cluster)")
            .OrderByDescending(g => g.Max(f => f.Severity))
            .ThenByDescending(g => g.Count())
            .ThenBy(g => g.Key, StringComparer.Ordinal);

    public static string Label(Severity s) => s.ToString().ToLowerInvariant();

    public static string ObjectText(Finding f) => $"{f.Object.Kind}/{f.Object.Name}";

    public static void WritePlain(DiagnosisResult result, TextWriter w)
    {
        if (result.Findings.Count == 0)
        {
            w.WriteLine("No findings: nothing at or above the requested severity.");
            return;
        }

        foreach (var group in ByNamespace(result.Findings))
        {
            w.WriteLine($"== {group.Key} ({group.Count()} finding{(group.Count() == 1 ? "" : "s")}) " + new string('=', Math.Max(0, Width - group.Key.Length - 20)));
            foreach (var f in group)
            {
                var head = $"{Label(f.Severity).ToUpperInvariant(),-9} {f.Code}{(f.SubReason is null ? "" : $" ({f.SubReason})")}  {ObjectText(f)}";
                w.WriteLine(head.Length > Width ? head[..Width] : head);
                Wrap(w, "", f.Summary);
                Wrap(w, "cause: ", f.Cause);
                foreach (var e in f.Evidence.Take(4))
                {
                    Wrap(w, $"[{e.Source}] ", e.Text);
                }

                if (f.Fix is { } fix)
                {
                    Wrap(w, "fix: ", fix.Description);
                    foreach (var c in fix.Commands.Take(3))
                    {
                        // a multi-line command (a heredoc manifest) is printed line by line, never re-wrapped
                        var lines = c.Split('\n');
                        Wrap(w, "  $ ", lines[0]);
                        foreach (var line in lines.Skip(1))
                        {
                            w.WriteLine(new string(' ', 16) + line);
                        }
                    }
                }

                if (f.Related.Count > 0)
                {
                    Wrap(w, "related: ", string.Join("; ", f.Related.Select(r => $"{r.Relation ?? "see"} {r.Code} {r.Object.Kind}/{r.Object.Name}")));
                }

                w.WriteLine();
            }
        }

        w.WriteLine(Totals(result));
    }

    public static string Totals(DiagnosisResult result) =>
        $"{result.Findings.Count} finding(s): " + string.Join(", ", Enum.GetValues<Severity>().Reverse().Select(s => (s, n: result.Findings.Count(f => f.Severity == s))).Where(x => x.n > 0).Select(x => $"{x.n} {Label(x.s)}"));

    private static void Wrap(TextWriter w, string prefix, string text)
    {
        var pad = new string(' ', Indent);
        var first = pad + prefix;
        var rest = pad + new string(' ', prefix.Length);
        var line = new StringBuilder(first);
        var lineStart = true;
        foreach (var word in text.ReplaceLineEndings(" ").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!lineStart && line.Length + 1 + word.Length > Width)
            {
                w.WriteLine(line.ToString());
                line.Clear().Append(rest);
                lineStart = true;
            }

            if (!lineStart)
            {
                line.Append(' ');
            }

            line.Append(word.Length > Width - rest.Length ? word[..(Width - rest.Length - 1)] + "…" : word);
            lineStart = false;
        }

        w.WriteLine(line.ToString());
    }

    public static void WriteColor(DiagnosisResult result, TextWriter w)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(w), ColorSystem = ColorSystemSupport.Detect });
        if (result.Findings.Count == 0)
        {
            console.MarkupLine("[green]No findings:[/] nothing at or above the requested severity.");
            return;
        }

        foreach (var group in ByNamespace(result.Findings))
        {
            console.Write(new Rule($"[bold]{Markup.Escape(group.Key)}[/] ({group.Count()})") { Justification = Justify.Left });
            var table = new Table().Border(TableBorder.Simple).Expand();
            table.AddColumn(new TableColumn("SEVERITY").NoWrap());
            table.AddColumn(new TableColumn("CODE").NoWrap());
            table.AddColumn(new TableColumn("OBJECT"));
            table.AddColumn(new TableColumn("WHY / FIX"));
            foreach (var f in group)
            {
                var details = new StringBuilder();
                details.Append(Markup.Escape(f.Summary)).Append('\n');
                details.Append("[dim]").Append(Markup.Escape(f.Cause)).Append("[/]");
                if (f.Fix is { Commands.Count: > 0 } fix)
                {
                    details.Append("\n[green]$ ").Append(Markup.Escape(fix.Commands[0])).Append("[/]");
                }

                if (f.Related.Count > 0)
                {
                    details.Append("\n[blue]").Append(Markup.Escape(string.Join("; ", f.Related.Take(3).Select(r => $"{r.Relation ?? "see"} {r.Code} {r.Object.Kind}/{r.Object.Name}")))).Append("[/]");
                }

                table.AddRow(new Markup(SeverityMarkup(f.Severity)), new Markup(Markup.Escape(f.Code + (f.SubReason is null ? "" : $"\n({f.SubReason})"))),
                    new Markup(Markup.Escape(ObjectText(f))), new Markup(details.ToString()));
            }

            console.Write(table);
        }

        console.MarkupLine(Markup.Escape(Totals(result)));
    }

    public static string SeverityMarkup(Severity s) => s switch
    {
        Severity.Critical => "[bold white on red]critical[/]",
        Severity.High => "[red]high[/]",
        Severity.Medium => "[yellow]medium[/]",
        Severity.Low => "[blue]low[/]",
        _ => "[dim]info[/]",
    };

    public static void WriteMarkdown(DiagnosisResult result, TextWriter w)
    {
        w.WriteLine("# KubeMedic diagnosis");
        w.WriteLine();
        w.WriteLine($"As of {result.AnalyzedAt:yyyy-MM-dd HH:mm} UTC. {Totals(result)}");
        foreach (var group in ByNamespace(result.Findings))
        {
            w.WriteLine();
            w.WriteLine($"## {group.Key}");
            w.WriteLine();
            w.WriteLine("| severity | code | object | summary |");
            w.WriteLine("|---|---|---|---|");
            foreach (var f in group)
            {
                w.WriteLine($"| {Label(f.Severity)} | `{f.Code}`{(f.SubReason is null ? "" : $" ({f.SubReason})")} | {ObjectText(f)} | {Cell(f.Summary)} |");
            }

            foreach (var f in group)
            {
                w.WriteLine();
                w.WriteLine($"### {Label(f.Severity)}: `{f.Code}` on {ObjectText(f)}");
                w.WriteLine();
                w.WriteLine($"**Cause.** {f.Cause}");
                w.WriteLine();
                w.WriteLine("**Evidence.**");
                w.WriteLine();
                foreach (var e in f.Evidence)
                {
                    w.WriteLine($"- `{e.Source}` {e.Text}");
                }

                if (f.Fix is { } fix)
                {
                    w.WriteLine();
                    w.WriteLine($"**Fix.** {fix.Description}");
                    w.WriteLine();
                    w.WriteLine("```bash");
                    foreach (var c in fix.Commands)
                    {
                        w.WriteLine(c);
                    }

                    w.WriteLine("```");
                    if (fix.Patch is not null)
                    {
                        w.WriteLine();
                        w.WriteLine("Patch (strategic merge):");
                        w.WriteLine();
                        w.WriteLine("```json");
                        w.WriteLine(fix.Patch.ToJsonString());
                        w.WriteLine("```");
                    }
                }

                if (f.Related.Count > 0)
                {
                    w.WriteLine();
                    w.WriteLine("**Related.** " + string.Join("; ", f.Related.Select(r => $"{r.Relation ?? "see"} `{r.Code}` {r.Object}")));
                }

                if (f.Docs is not null)
                {
                    w.WriteLine();
                    w.WriteLine($"Docs: {f.Docs}");
                }
            }
        }
    }

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
