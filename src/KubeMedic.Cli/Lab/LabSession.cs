using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using KubeMedic.Core;

namespace KubeMedic.Cli.Lab;

/// <summary>The running lab, as recorded in <c>state.json</c> under the lab home.</summary>
internal sealed record LabState
{
    public required string Scenario { get; init; }
    public required int Pid { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required string Kubeconfig { get; init; }
    public required string Log { get; init; }
    public string? Url { get; init; }
    public double Speed { get; init; } = 1;
    public int HintLevel { get; init; }
}

/// <summary>
/// The lab's home (<c>~/.kubemedic/lab/</c>, or <c>$KUBEMEDIC_LAB_HOME</c>): pid, log, kubeconfig and state of the
/// background <c>kubemedic sim</c>. Starting, stopping and checking that process.
/// </summary>
internal sealed partial class LabSession
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public LabSession(string? home = null)
    {
        var env = Environment.GetEnvironmentVariable("KUBEMEDIC_LAB_HOME");
        Home = home ?? (string.IsNullOrEmpty(env) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kubemedic", "lab") : env);
    }

    public string Home { get; }
    public string StatePath => Path.Combine(Home, "state.json");
    public string PidPath => Path.Combine(Home, "sim.pid");
    public string LogPath => Path.Combine(Home, "sim.log");
    public string KubeconfigPath => Path.Combine(Home, "kubeconfig");

    public LabState? Read()
    {
        if (!File.Exists(StatePath)) return null;
        try
        {
            return JsonSerializer.Deserialize<LabState>(File.ReadAllText(StatePath), Json);
        }
        catch (JsonException ex)
        {
            throw new UserInputException($"{StatePath}: unreadable lab state ({ex.Message}); run `kubemedic lab stop`");
        }
    }

    public void Write(LabState state)
    {
        Directory.CreateDirectory(Home);
        var tmp = StatePath + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(state, Json));
        File.Move(tmp, StatePath, overwrite: true);
    }

    /// <summary>The running lab, or null (a stale state whose process is gone counts as not running).</summary>
    public LabState? Running()
    {
        var s = Read();
        return s is not null && IsAlive(s.Pid) ? s : null;
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>How to run this CLI again: $KUBEMEDIC_EXE, else the apphost beside this assembly, else <c>dotnet kubemedic.dll</c>.</summary>
    public static (string File, List<string> Prefix) SelfCommand()
    {
        if (Environment.GetEnvironmentVariable("KUBEMEDIC_EXE") is { Length: > 0 } exe) return (exe, []);
        var dir = AppContext.BaseDirectory;
        var apphost = Path.Combine(dir, OperatingSystem.IsWindows() ? "kubemedic.exe" : "kubemedic");
        if (File.Exists(apphost)) return (apphost, []);
        return ("dotnet", [Path.Combine(dir, "kubemedic.dll")]);
    }

    /// <summary>Starts <c>kubemedic sim</c> in the background and waits until it serves; returns the state written.</summary>
    public async Task<LabState> StartAsync(string scenario, double speed, TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        Directory.CreateDirectory(Home);
        foreach (var f in new[] { KubeconfigPath, LogPath, PidPath }) File.Delete(f);
        var (file, prefix) = SelfCommand();
        var args = prefix.Concat(["sim", "--scenario", scenario, "--listen", "127.0.0.1:0", "--kubeconfig-out", KubeconfigPath, "--speed", speed.ToString(CultureInfo.InvariantCulture)]).ToList();
        // sh execs the CLI (same pid), detached from the terminal's stdin and hang-ups, output into the log.
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = false, RedirectStandardOutput = false, RedirectStandardError = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec nohup \"$@\" >\"$LAB_LOG\" 2>&1 </dev/null");
        psi.ArgumentList.Add("kubemedic");
        psi.ArgumentList.Add(file);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["LAB_LOG"] = LogPath;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start kubemedic sim");
        var pid = process.Id;
        await File.WriteAllTextAsync(PidPath, pid.ToString(CultureInfo.InvariantCulture) + "\n", ct);

        var deadline = Stopwatch.StartNew();
        string? url = null;
        while (deadline.Elapsed < timeout)
        {
            ct.ThrowIfCancellationRequested();
            var log = File.Exists(LogPath) ? await File.ReadAllTextAsync(LogPath, ct) : "";
            if (process.HasExited)
            {
                var line = log.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? $"exit {process.ExitCode}";
                throw new UserInputException($"kubemedic sim --scenario {scenario} failed: {line}");
            }

            if (log.Contains("export KUBECONFIG=", StringComparison.Ordinal) && File.Exists(KubeconfigPath))
            {
                url = ServingOn().Match(log) is { Success: true } m ? m.Groups[1].Value : null;
                break;
            }

            await Task.Delay(100, ct);
        }

        if (url is null && !File.Exists(KubeconfigPath))
        {
            Kill(pid);
            throw new TimeoutException($"kubemedic sim did not start within {timeout.TotalSeconds:0}s (log: {LogPath})");
        }

        var state = new LabState { Scenario = scenario, Pid = pid, StartedAt = time.GetUtcNow(), Kubeconfig = KubeconfigPath, Log = LogPath, Url = url, Speed = speed };
        Write(state);
        return state;
    }

    /// <summary>Stops the background simulator (SIGTERM, then SIGKILL after <paramref name="grace"/>) and forgets the state.</summary>
    public async Task<bool> StopAsync(TimeSpan grace)
    {
        var s = Read();
        var stopped = false;
        if (s is not null && IsAlive(s.Pid))
        {
            try
            {
                using var p = Process.GetProcessById(s.Pid);
                Signal(s.Pid, "TERM");
                using var cts = new CancellationTokenSource(grace);
                try
                {
                    await p.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    p.Kill(entireProcessTree: true);
                    await p.WaitForExitAsync();
                }

                stopped = true;
            }
            catch (ArgumentException)
            {
                // exited meanwhile
            }
        }

        foreach (var f in new[] { StatePath, PidPath, KubeconfigPath }) File.Delete(f);
        return stopped;
    }

    private static void Kill(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            p.Kill(entireProcessTree: true);
        }
        catch (ArgumentException)
        {
            // gone
        }
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false });
        kill?.WaitForExit(5000);
    }

    [GeneratedRegex(@"serving on (http://\S+)")]
    private static partial Regex ServingOn();
}
