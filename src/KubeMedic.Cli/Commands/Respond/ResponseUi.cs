using Spectre.Console;

namespace KubeMedic.Cli.Commands;

/// <summary>How the respond flow talks to the person running it: a terminal (colours, spinner, prompts) or plain text.</summary>
internal interface IResponseUi
{
    void Step(int number, int total, string title, string subtitle);

    void Line(string text);

    void Detail(string label, string text);

    void Code(IEnumerable<string> lines, string? language = null);

    void Checkpoints(IEnumerable<(string Question, bool? Answer, string Note)> checks);

    /// <summary>Asks yes/no; <paramref name="assumeYes"/> answers without asking.</summary>
    bool Confirm(string question, bool assumeYes);

    Task<T> Progress<T>(string label, Func<Task<T>> work);
}

/// <summary>Plain text for pipes and CI: no colours, no prompts (a fix without --yes is not applied).</summary>
internal sealed class PlainResponseUi(TextWriter output) : IResponseUi
{
    public void Step(int number, int total, string title, string subtitle)
    {
        output.WriteLine();
        output.WriteLine($"== Step {number}/{total}: {title} ({subtitle})");
    }

    public void Line(string text) => output.WriteLine("   " + text);

    public void Detail(string label, string text) => output.WriteLine($"   {label}: {text}");

    public void Code(IEnumerable<string> lines, string? language = null)
    {
        foreach (var line in lines)
        {
            output.WriteLine("     " + line);
        }
    }

    public void Checkpoints(IEnumerable<(string Question, bool? Answer, string Note)> checks)
    {
        output.WriteLine("   Checkpoints:");
        foreach (var (q, a, note) in checks)
        {
            output.WriteLine($"   [{(a is true ? "x" : a is false ? " " : "-")}] {q}" + (note.Length > 0 ? $" — {note}" : ""));
        }
    }

    public bool Confirm(string question, bool assumeYes)
    {
        output.WriteLine($"   {question} {(assumeYes ? "yes (--yes)" : "no (not a terminal; pass --yes to apply)")}");
        return assumeYes;
    }

    public async Task<T> Progress<T>(string label, Func<Task<T>> work)
    {
        output.WriteLine($"   ... {label}");
        return await work();
    }
}

/// <summary>A terminal: rules per step, coloured checkpoints, a spinner during long work, a Spectre confirmation prompt.</summary>
internal sealed class TerminalResponseUi(IAnsiConsole console) : IResponseUi
{
    public void Step(int number, int total, string title, string subtitle)
    {
        console.WriteLine();
        console.Write(new Rule($"[bold]Step {number}/{total}: {Markup.Escape(title)}[/] [grey]({Markup.Escape(subtitle)})[/]").LeftJustified());
    }

    public void Line(string text) => console.MarkupLine("  " + Markup.Escape(text));

    public void Detail(string label, string text) => console.MarkupLine($"  [bold]{Markup.Escape(label)}:[/] {Markup.Escape(text)}");

    public void Code(IEnumerable<string> lines, string? language = null)
    {
        foreach (var line in lines)
        {
            var colour = language == "diff" && line.StartsWith('+') ? "green" : language == "diff" && line.StartsWith('-') ? "red" : "grey";
            console.MarkupLine($"    [{colour}]{Markup.Escape(line)}[/]");
        }
    }

    public void Checkpoints(IEnumerable<(string Question, bool? Answer, string Note)> checks)
    {
        foreach (var (q, a, note) in checks)
        {
            var mark = a is true ? "[green]✓[/]" : a is false ? "[red]✗[/]" : "[grey]–[/]";
            console.MarkupLine($"  {mark} {Markup.Escape(q)}" + (note.Length > 0 ? $" [grey]{Markup.Escape(note)}[/]" : ""));
        }
    }

    public bool Confirm(string question, bool assumeYes)
    {
        if (assumeYes)
        {
            console.MarkupLine($"  {Markup.Escape(question)} [green]yes[/] [grey](--yes)[/]");
            return true;
        }

        return console.Prompt(new ConfirmationPrompt("  " + Markup.Escape(question)) { DefaultValue = false });
    }

    public async Task<T> Progress<T>(string label, Func<Task<T>> work) =>
        await console.Status().Spinner(Spinner.Known.Dots).StartAsync(Markup.Escape(label), _ => work());
}
