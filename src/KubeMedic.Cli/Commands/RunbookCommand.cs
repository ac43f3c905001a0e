using System.CommandLine;
using KubeMedic.Core;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Runbooks;

namespace KubeMedic.Cli.Commands;

/// <summary><c>kubemedic runbook CODE|ALERT [--object KIND/NS/NAME]</c> and <c>kubemedic runbook export DIR</c>.</summary>
internal static class RunbookCommand
{
    public static Command Create()
    {
        var name = new Argument<string?>("CODE|ALERT") { Description = "A finding code (oom-killed) or an alert name (KubePodCrashLooping). Omit to list them.", Arity = ArgumentArity.ZeroOrOne };
        var target = new Option<string?>("--object") { Description = "Fill the commands in for this object: KIND/NAMESPACE/NAME (or KIND/NAME for nodes)." };
        var command = new Command("runbook", "Print a runbook (Meaning / Impact / Diagnosis / Mitigation) for a finding code or alert.");
        command.Arguments.Add(name);
        command.Options.Add(target);
        command.Subcommands.Add(Export());
        command.SetAction((parse, _) =>
        {
            var key = parse.GetValue(name);
            if (key is null)
            {
                Console.Out.WriteLine("Runbooks (finding code: title [alerts]):");
                foreach (var r in RunbookCatalog.All)
                {
                    Console.Out.WriteLine($"  {r.Code,-26} {r.Title}" + (r.Alerts.Count > 0 ? $"  [{string.Join(", ", r.Alerts)}]" : ""));
                }

                return Task.FromResult(ExitCodes.Ok);
            }

            var runbook = RunbookCatalog.Find(key)
                ?? throw new UserInputException($"no runbook for '{key}': not a finding code or a known alert name (run 'kubemedic runbook' for the list)");
            ObjectRef? obj = null;
            if (parse.GetValue(target) is { } text)
            {
                try
                {
                    obj = ObjectRef.Parse(text);
                }
                catch (FormatException ex)
                {
                    throw new UserInputException($"--object: {ex.Message}", ex);
                }
            }

            if (!string.Equals(runbook.Code, key, StringComparison.OrdinalIgnoreCase))
            {
                Console.Out.WriteLine($"<!-- alert {key} → finding code {runbook.Code} -->");
            }

            Console.Out.Write(runbook.Render(obj));
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command Export()
    {
        var dir = new Argument<string>("DIR") { Description = "Folder to write <code>.md files and README.md into (e.g. docs/runbooks)." };
        var command = new Command("export", "Write every runbook as markdown, one file per finding code, plus an index with the alert map.");
        command.Arguments.Add(dir);
        command.SetAction((parse, _) =>
        {
            var path = parse.GetValue(dir)!;
            if (File.Exists(path))
            {
                throw new UserInputException($"{path}: is a file, not a folder");
            }

            var files = RunbookCatalog.Export(path);
            Console.Out.WriteLine($"Wrote {files.Count - 1} runbooks and an index to {Path.GetFullPath(path)}.");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
