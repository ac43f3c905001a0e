using System.CommandLine;
using KubeMedic.Core;

namespace KubeMedic.Cli;

/// <summary>Runs the command tree and turns every failure into a one-line message and an exit code.</summary>
public static class CliRunner
{
    public static async Task<int> RunAsync(RootCommand root, string[] args, TextWriter? stderr = null)
    {
        stderr ??= Console.Error;
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; cts.Cancel(); });
        try
        {
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                await stderr.WriteLineAsync($"error: {parse.Errors[0].Message}");
                return ExitCodes.UsageError;
            }

            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cts.Token);
        }
        catch (UserInputException ex)
        {
            await stderr.WriteLineAsync($"error: {OneLine(ex.Message)}");
            return ExitCodes.UsageError;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return 130;
        }
        catch (Exception ex)
        {
            await stderr.WriteLineAsync($"error: {OneLine(ex.Message)} ({ex.GetType().Name})");
            return ExitCodes.Findings;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
