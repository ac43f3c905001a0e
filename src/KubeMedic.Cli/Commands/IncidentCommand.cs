using System.CommandLine;
using System.Text.Json;
using KubeMedic.Cli.Common;
using KubeMedic.Core;
using KubeMedic.Core.Incidents;
using Spectre.Console;

namespace KubeMedic.Cli.Commands;

/// <summary><c>kubemedic incident list|show|note|resolve|status-update</c>: the durable incident records.</summary>
internal static class IncidentCommand
{
    public static Option<string?> StoreOption() => new("--store")
    {
        Description = "Folder holding the incident records (default: ./.kubemedic/incidents, or $KUBEMEDIC_INCIDENTS).",
    };

    public static IncidentStore OpenStore(ParseResult parse, Option<string?> store) =>
        new(parse.GetValue(store) ?? IncidentStore.DefaultRoot(), TimeProvider.System);

    public static Command Create()
    {
        var command = new Command("incident", "Incident records: list, show, add notes, post status updates, resolve.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Note());
        command.Subcommands.Add(Status("resolve", "Resolve the incident (status Resolved) and print the resolution update.", IncidentStatus.Resolved));
        command.Subcommands.Add(StatusUpdateCommand());
        command.Subcommands.Add(OpenCommand());
        return command;
    }

    private static Command List()
    {
        var store = StoreOption();
        var output = new OutputOptions();
        var all = new Option<bool>("--all") { Description = "Include resolved incidents." };
        var command = new Command("list", "List incidents, newest first (open ones only unless --all).");
        command.Options.Add(store);
        command.Options.Add(all);
        output.AddTo(command);
        command.SetAction((parse, _) =>
        {
            var s = OpenStore(parse, store);
            var format = output.Read(parse);
            var records = s.List().Where(r => parse.GetValue(all) || r.Status != IncidentStatus.Resolved).ToList();
            switch (format)
            {
                case OutputFormat.Json:
                    Console.Out.WriteLine(JsonSerializer.Serialize(records, IncidentStore.JsonOptions));
                    break;
                case OutputFormat.Yaml:
                    throw new UserInputException("--output: incident list supports table, json and markdown");
                case OutputFormat.Markdown:
                    Console.Out.WriteLine("| id | severity | status | opened (UTC) | title |");
                    Console.Out.WriteLine("|---|---|---|---|---|");
                    foreach (var r in records)
                    {
                        Console.Out.WriteLine($"| {r.Id} | {r.Triage?.Severity ?? "-"} | {r.Status} | {IncidentMarkdown.Time(r.CreatedAt)} | {IncidentMarkdown.Md(r.Title)} |");
                    }

                    break;
                default:
                    if (records.Count == 0)
                    {
                        Console.Out.WriteLine($"No {(parse.GetValue(all) ? "" : "open ")}incidents under {s.Root}.");
                        break;
                    }

                    var table = new Table().AddColumns("ID", "SEV", "STATUS", "OPENED (UTC)", "TITLE");
                    table.Border = Terminal.IsInteractive ? TableBorder.Rounded : TableBorder.None;
                    foreach (var r in records)
                    {
                        table.AddRow(Markup.Escape(r.Id), Markup.Escape(r.Triage?.Severity ?? "-"), StatusMarkup(r.Status), IncidentMarkdown.Time(r.CreatedAt), Markup.Escape(r.Title));
                    }

                    Terminal.Console.Write(table);
                    break;
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command Show()
    {
        var store = StoreOption();
        var output = new OutputOptions();
        var id = new Argument<string>("INCIDENT") { Description = "Incident id (a unique prefix, or 'latest')." };
        var command = new Command("show", "Show an incident record (markdown by default; -o json for the record).");
        command.Arguments.Add(id);
        command.Options.Add(store);
        output.AddTo(command);
        command.SetAction((parse, _) =>
        {
            var record = OpenStore(parse, store).Get(parse.GetValue(id)!);
            var format = output.Read(parse);
            Console.Out.Write(format == OutputFormat.Json ? IncidentStore.Serialize(record) + "\n" : IncidentMarkdown.Render(record));
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command Note()
    {
        var store = StoreOption();
        var first = new Argument<string>("INCIDENT-OR-TEXT") { Description = "Incident id, or the note text (then the newest open incident gets it)." };
        var second = new Argument<string?>("TEXT") { Description = "The note text.", Arity = ArgumentArity.ZeroOrOne };
        var author = new Option<string?>("--author") { Description = "Who wrote the note (default: $KUBEMEDIC_USER or the login name)." };
        var command = new Command("note", "Add a note to an incident's timeline: kubemedic incident note [INCIDENT] \"text\".");
        command.Arguments.Add(first);
        command.Arguments.Add(second);
        command.Options.Add(store);
        command.Options.Add(author);
        command.SetAction((parse, _) =>
        {
            var s = OpenStore(parse, store);
            string id;
            string text;
            if (parse.GetValue(second) is { } t)
            {
                id = parse.GetValue(first)!;
                text = t;
            }
            else
            {
                text = parse.GetValue(first)!;
                id = s.List().FirstOrDefault(r => r.Status != IncidentStatus.Resolved)?.Id
                    ?? throw new UserInputException("no open incident to add the note to (give the incident id first)");
            }

            var record = s.AddNote(id, text, parse.GetValue(author));
            Console.Out.WriteLine($"Noted on {record.Id} at {IncidentMarkdown.Time(record.UpdatedAt)} UTC.");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command Status(string name, string description, IncidentStatus status)
    {
        var store = StoreOption();
        var id = new Argument<string>("INCIDENT") { Description = "Incident id (a unique prefix, or 'latest')." };
        var message = new Option<string?>("--message", "-m") { Description = "The message to record with the change." };
        var command = new Command(name, description);
        command.Arguments.Add(id);
        command.Options.Add(store);
        command.Options.Add(message);
        command.SetAction((parse, _) =>
        {
            var record = OpenStore(parse, store).SetStatus(parse.GetValue(id)!, status, parse.GetValue(message));
            Console.Out.WriteLine(StatusUpdate.Compose(record).ToText());
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command StatusUpdateCommand()
    {
        var store = StoreOption();
        var id = new Argument<string>("INCIDENT") { Description = "Incident id (a unique prefix, or 'latest')." };
        var set = new Option<string?>("--set") { Description = "Move the incident to this status first: investigating, identified, monitoring or resolved." };
        var message = new Option<string?>("--message", "-m") { Description = "With --set: the message to record with the change." };
        var command = new Command("status-update", "Print the paste-ready stakeholder update for the incident's current state.");
        command.Arguments.Add(id);
        command.Options.Add(store);
        command.Options.Add(set);
        command.Options.Add(message);
        command.SetAction((parse, _) =>
        {
            var s = OpenStore(parse, store);
            var record = s.Get(parse.GetValue(id)!);
            if (parse.GetValue(set) is { } target)
            {
                if (!Enum.TryParse<IncidentStatus>(target, ignoreCase: true, out var to) || int.TryParse(target, System.Globalization.CultureInfo.InvariantCulture, out int _))
                {
                    throw new UserInputException($"--set: unknown status '{target}' (use investigating, identified, monitoring or resolved)");
                }

                record = s.SetStatus(record.Id, to, parse.GetValue(message));
            }

            Console.Out.WriteLine(StatusUpdate.Compose(record).ToText());
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command OpenCommand()
    {
        var store = StoreOption();
        var title = new Argument<string>("TITLE") { Description = "A short title, e.g. \"order-service pods OOMKilled\"." };
        var severity = new Option<string?>("--severity") { Description = "SEV1..SEV4, when already known." };
        var command = new Command("open", "Open an incident by hand (respond and serve open them automatically).");
        command.Arguments.Add(title);
        command.Options.Add(store);
        command.Options.Add(severity);
        command.SetAction((parse, _) =>
        {
            var sev = parse.GetValue(severity);
            if (sev is not null && sev.ToUpperInvariant() is not ("SEV1" or "SEV2" or "SEV3" or "SEV4"))
            {
                throw new UserInputException($"--severity: '{sev}' is not SEV1, SEV2, SEV3 or SEV4");
            }

            var record = OpenStore(parse, store).Open(parse.GetValue(title)!, "manual", init: r =>
            {
                if (sev is not null)
                {
                    r.Triage = new IncidentTriage { Severity = sev.ToUpperInvariant(), Impact = "not yet assessed", Rationale = "set by hand" };
                }
            });
            Console.Out.WriteLine(record.Id);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static string StatusMarkup(IncidentStatus status) => status switch
    {
        IncidentStatus.Investigating => "[red]Investigating[/]",
        IncidentStatus.Identified => "[darkorange]Identified[/]",
        IncidentStatus.Monitoring => "[yellow]Monitoring[/]",
        _ => "[green]Resolved[/]",
    };
}
