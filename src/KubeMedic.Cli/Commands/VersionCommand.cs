using System.CommandLine;
using System.Reflection;

namespace KubeMedic.Cli.Commands;

internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the KubeMedic version.");
        command.SetAction(_ =>
        {
            var version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
            Console.Out.WriteLine($"kubemedic {version}");
            return 0;
        });
        return command;
    }
}
