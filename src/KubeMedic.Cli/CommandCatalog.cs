using System.CommandLine;
using KubeMedic.Cli.Commands;

namespace KubeMedic.Cli;

/// <summary>Every verb of the CLI, one class per verb under <c>Commands/</c>. Add new verbs here.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return VersionCommand.Create();
        yield return IncidentCommand.Create();
        yield return RunbookCommand.Create();
        yield return PostmortemCommand.Create();
        yield return DemoCommand.Create();
        yield return RespondCommand.Create();
        yield return AlertsCommand.Create();
        yield return SloCommand.Create();
        yield return DashboardCommand.Create();
        yield return SimCommand.Create();
        yield return LabCommand.Create();
        yield return ChaosCommand.Create();
        yield return DiagnoseCommand.Create();
        yield return ServeCommand.Create();
        yield return FixCommand.Create();
        yield return AutopilotCommand.Create();
        yield return TriageCommand.Create();
        yield return SnapshotCommand.Create();
    }
}
