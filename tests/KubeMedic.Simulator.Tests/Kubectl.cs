using System.Diagnostics;

namespace KubeMedic.Simulator.Tests;

/// <summary>Runs the real /usr/bin/kubectl against a simulator with a fresh discovery cache.</summary>
public sealed class Kubectl
{
    private readonly string _kubeconfig;
    private readonly string _cacheDir;

    public Kubectl(string kubeconfig)
    {
        _kubeconfig = kubeconfig;
        _cacheDir = Path.Combine(Path.GetTempPath(), "kubemedic-kcache-" + Guid.NewGuid().ToString("N")[..8]);
    }

    public static string Binary
    {
        get
        {
            foreach (var candidate in new[] { "/usr/bin/kubectl", "/usr/local/bin/kubectl" })
            {
                if (File.Exists(candidate)) return candidate;
            }

            throw new InvalidOperationException("kubectl is not installed (/usr/bin/kubectl); the simulator conformance tests need the real kubectl");
        }
    }

    public sealed record Result(int Code, string Out, string Err)
    {
        public string All => Out + Err;

        public Result ShouldSucceed()
        {
            Code.ShouldBe(0, $"kubectl failed: {Err}\n{Out}");
            return this;
        }
    }

    public Task<Result> RunAsync(params string[] args) => RunAsync(null, TimeSpan.FromSeconds(60), args);

    public async Task<Result> RunAsync(IDictionary<string, string>? env, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--kubeconfig");
        psi.ArgumentList.Add(_kubeconfig);
        psi.ArgumentList.Add("--cache-dir");
        psi.ArgumentList.Add(_cacheDir);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["KUBECONFIG"] = _kubeconfig;
        psi.Environment["HOME"] = Path.GetTempPath();
        if (env is not null)
        {
            foreach (var (k, v) in env) psi.Environment[k] = v;
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
            await process.WaitForExitAsync();
            return new Result(-1, await stdout, await stderr + "\n(timed out)");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running kubectl (get -w, logs -f) and kills it after <paramref name="duration"/>.</summary>
    public Task<Result> RunForAsync(TimeSpan duration, Func<Task>? whileRunning, params string[] args) =>
        RunForAsync(TimeSpan.FromSeconds(1.5), duration, whileRunning, args);

    public async Task<Result> RunForAsync(TimeSpan startup, TimeSpan duration, Func<Task>? whileRunning, params string[] args)
    {
        var psi = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("--kubeconfig");
        psi.ArgumentList.Add(_kubeconfig);
        psi.ArgumentList.Add("--cache-dir");
        psi.ArgumentList.Add(_cacheDir);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["HOME"] = Path.GetTempPath();
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await Task.Delay(startup);
        if (whileRunning is not null) await whileRunning();
        await Task.Delay(duration);
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        return new Result(process.HasExited ? process.ExitCode : -1, await stdout, await stderr);
    }
}

/// <summary>A running simulator for a test class.</summary>
public abstract class SimFixture : IAsyncLifetime
{
    protected abstract string? Scenario { get; }

    protected virtual double Speed => 1;

    public SimulatedCluster Cluster { get; private set; } = null!;

    public Kubectl Kubectl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await SimulatedCluster.StartAsync(new SimulatorOptions
        {
            Scenario = Scenario,
            Speed = Speed,
            StartTime = DateTimeOffset.UtcNow.AddHours(-3),
        });
        Kubectl = new Kubectl(Cluster.KubeconfigPath);
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

public sealed class HealthyFixture : SimFixture
{
    protected override string? Scenario => "healthy";
}

public sealed class DisasterFixture : SimFixture
{
    protected override string? Scenario => "deploy-disaster";
}

public sealed class OomFixture : SimFixture
{
    protected override string? Scenario => "order-service-oom";
}

public sealed class EmptyFixture : SimFixture
{
    protected override string? Scenario => null;
}
