using Spectre.Console;

namespace KubeMedic.Cli.Commands;

/// <summary>Whether we talk to a person at a terminal (colours, prompts, progress) or to a pipe (plain text).</summary>
internal static class Terminal
{
    /// <summary>True when stdout and stdin are terminals and NO_COLOR / CI do not ask for plain output.</summary>
    public static bool IsInteractive =>
        !System.Console.IsOutputRedirected && !System.Console.IsInputRedirected
        && Environment.GetEnvironmentVariable("CI") is null
        && Environment.GetEnvironmentVariable("KUBEMEDIC_PLAIN") is null;

    private static IAnsiConsole? _console;

    /// <summary>A Spectre console that writes plain text (no ANSI, no width wrapping surprises) when not interactive.</summary>
    public static IAnsiConsole Console
    {
        get
        {
            if (_console is null)
            {
                _console = IsInteractive
                    ? AnsiConsole.Console
                    : AnsiConsole.Create(new AnsiConsoleSettings
                    {
                        Ansi = AnsiSupport.No,
                        ColorSystem = ColorSystemSupport.NoColors,
                        Interactive = InteractionSupport.No,
                        Out = new AnsiConsoleOutput(System.Console.Out),
                    });
                if (!IsInteractive)
                {
                    _console.Profile.Width = 160;
                }
            }

            return _console;
        }
    }
}
