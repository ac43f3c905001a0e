using System.CommandLine;
using KubeMedic.Core.Incidents;
using KubeMedic.Core.Postmortem;

namespace KubeMedic.Cli.Commands;

/// <summary><c>kubemedic postmortem INCIDENT [-o DIR|-] [--format markdown|json|html]</c>.</summary>
internal static class PostmortemCommand
{
    public const string DefaultDirectory = "docs/dev-logs";

    public static Command Create()
    {
        var store = IncidentCommand.StoreOption();
        var id = new Argument<string>("INCIDENT") { Description = "Incident id (a unique prefix, or 'latest')." };
        var output = new Option<string?>("--output", "-o") { Description = $"Folder to write the postmortem into (default {DefaultDirectory}/), '-' for stdout, or a format name (json, markdown, html) to print that format." };
        var format = new Option<string?>("--format") { Description = "markdown (default), json or html (html draws the timeline and the memory trend as SVG charts)." };
        var command = new Command("postmortem", "Write the postmortem of an incident from its record (Google SRE / Atlassian sections, action items, timeline).");
        command.Arguments.Add(id);
        command.Options.Add(output);
        command.Options.Add(format);
        command.Options.Add(store);
        command.SetAction((parse, _) =>
        {
            var s = IncidentCommand.OpenStore(parse, store);
            var target = parse.GetValue(output);
            var fmt = parse.GetValue(format) is { } f ? PostmortemWriter.ParseFormat(f) : PostmortemFormat.Markdown;
            if (target is "json" or "markdown" or "md" or "html")
            {
                fmt = PostmortemWriter.ParseFormat(target);
                target = "-";
            }

            if (target == "-")
            {
                var record = s.Get(parse.GetValue(id)!);
                Console.Out.Write(PostmortemWriter.Render(PostmortemBuilder.Build(record, s.Time), fmt));
                return Task.FromResult(ExitCodes.Ok);
            }

            var dir = target ?? DefaultDirectory;
            if (File.Exists(dir))
            {
                throw new KubeMedic.Core.UserInputException($"--output: {dir} is a file, not a folder");
            }

            var path = PostmortemWriter.Write(s, parse.GetValue(id)!, dir, fmt);
            Console.Out.WriteLine($"Postmortem written to {Path.GetRelativePath(Environment.CurrentDirectory, path)}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
