using System.CommandLine;
using KubeMedic.Core;

namespace KubeMedic.Cli.Common;

/// <summary>Output formats, as kubectl's <c>-o</c>.</summary>
internal enum OutputFormat
{
    Table,
    Json,
    Yaml,
    Markdown,
}

internal sealed class OutputOptions
{
    public Option<string> Output { get; } = new("--output", "-o")
    {
        Description = "Output format: table, json, yaml or markdown.",
        DefaultValueFactory = _ => "table",
    };

    public void AddTo(Command command) => command.Options.Add(Output);

    public OutputFormat Read(ParseResult parse) => Parse(parse.GetValue(Output) ?? "table");

    public static OutputFormat Parse(string value) => value.ToLowerInvariant() switch
    {
        "table" or "wide" => OutputFormat.Table,
        "json" => OutputFormat.Json,
        "yaml" or "yml" => OutputFormat.Yaml,
        "markdown" or "md" => OutputFormat.Markdown,
        _ => throw new UserInputException($"--output: unknown format '{value}' (use table, json, yaml or markdown)"),
    };
}
