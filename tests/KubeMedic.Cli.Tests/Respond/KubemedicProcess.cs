using System.Diagnostics;

namespace KubeMedic.Cli.Tests.Respond;

/// <summary>Runs the built kubemedic CLI as a separate process (stdout redirected, so plain output) in a working directory.</summary>
internal static class KubemedicProcess
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "kubemedic.dll");

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string workingDirectory, TimeSpan timeout, params string[] args) =>
        RunAsync(workingDirectory, null, timeout, args);

    /// <summary>As <see cref="RunAsync(string, TimeSpan, string[])"/>, with extra environment variables.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string>? env, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(DllPath);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["KUBEMEDIC_USER"] = "tester";
        psi.Environment.Remove("KUBEMEDIC_INCIDENTS");
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubemedic {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s; output so far: {await stdout}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
