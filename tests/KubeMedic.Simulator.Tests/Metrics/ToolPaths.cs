using System.Diagnostics;

namespace KubeMedic.Simulator.Tests.Metrics;

/// <summary>Finds the real tools (a missing binary fails loudly) and the repository's ../shared folder.</summary>
internal static class ToolPaths
{
    public static string Find(string name)
    {
        foreach (var dir in new[] { "/usr/bin", "/usr/local/bin" }.Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')))
        {
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        }

        throw new InvalidOperationException($"{name} is not installed (Debian package prometheus / kubectl); this test needs the real binary");
    }

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KubeMedic.slnx"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("KubeMedic.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    public static string SharedData(string file) => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "reference", "data", file));

    public static readonly string[] KubePrometheusRules =
    [
        "kube-prometheus-kubernetesControlPlane-prometheusRule.yaml",
        "kube-prometheus-kubeStateMetrics-prometheusRule.yaml",
        "kube-prometheus-nodeExporter-prometheusRule.yaml",
    ];

    public static (int Code, string Output) Run(string file, string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }

        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(true);
            throw new TimeoutException($"{file} did not finish in 60 s");
        }

        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
