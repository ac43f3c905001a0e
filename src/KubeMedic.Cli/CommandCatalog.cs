using System.CommandLine;
using KubeMedic.Cli.Commands;

namespace KubeMedic.Cli;

/// <summary>Every verb of the CLI, one class per verb under <c>Commands/</c>. Add new verbs here.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return VersionCommand.Create();
        yield return SimCommand.Create();
    }
}
