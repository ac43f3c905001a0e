using System.Diagnostics;

namespace KubeMedic.Cli.Tests.Lab;

/// <summary>Runs the real kubemedic binary (built beside the tests) and the real kubectl.</summary>
internal static class CliProcess
{
    public static string Kubemedic
    {
        get
        {
            var apphost = Path.Combine(AppContext.BaseDirectory, "kubemedic");
            if (!File.Exists(apphost)) throw new InvalidOperationException($"{apphost} not found: the CLI apphost should be copied beside the tests");
            return apphost;
        }
    }

    public static string Kubectl => File.Exists("/usr/bin/kubectl") ? "/usr/bin/kubectl" : throw new InvalidOperationException("kubectl is not installed (/usr/bin/kubectl); this test needs the real binary");

    public static (int Code, string Stdout, string Stderr) Run(string file, IReadOnlyDictionary<string, string> env, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(true);
            throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', args)} did not finish in {timeout.TotalSeconds:0}s");
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
