using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace KubeMedic.Simulator.Metrics;

/// <summary>One simulated cluster for Prometheus to scrape: its API server URL, the node names and a cluster label.</summary>
public sealed record ScrapeCluster(Uri ApiServer, IReadOnlyList<string> Nodes, string Cluster = "sim", string? BearerToken = "kubemedic-sim-token");

/// <summary>How to start Prometheus against simulated clusters.</summary>
public sealed record PrometheusHarnessOptions
{
    public required IReadOnlyList<ScrapeCluster> Clusters { get; init; }

    /// <summary>Rule files: a PrometheusRule manifest (its spec.groups are used) or a plain rule file.</summary>
    public IReadOnlyList<string> RuleFiles { get; init; } = [];

    /// <summary>The simulated clock's speed. Rule durations (<c>for:</c>, range selectors, group intervals) are divided by it.</summary>
    public double TimeCompression { get; init; } = 1;

    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan EvaluationInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The binary; default $PROMETHEUS, then /usr/bin/prometheus.</summary>
    public string? Binary { get; init; }
}

/// <summary>An alert as Prometheus' <c>/api/v1/alerts</c> reports it.</summary>
public sealed record PrometheusAlert(string Name, string State, IReadOnlyDictionary<string, string> Labels);

/// <summary>
/// Starts a real Prometheus (2.42, Debian's <c>prometheus</c>) on 127.0.0.1 with a free port and a temp directory,
/// scraping one or more simulated clusters with the jobs the kubernetes-mixin selects on: <c>kube-state-metrics</c>,
/// <c>kubelet</c> (metrics_path="/metrics" and "/metrics/cadvisor", one target per node, through the apiserver's node proxy
/// paths), <c>node-exporter</c> (instance = node name), <c>apiserver</c>, <c>kube-scheduler</c>, <c>kube-controller-manager</c>
/// and <c>apps</c> (HTTP RED metrics). Every series gets a <c>cluster</c> label, so one Prometheus can watch several clusters.
/// </summary>
/// <remarks>
/// Time compression: Prometheus evaluates <c>for:</c> and range selectors in wall-clock time, while the simulator's clock
/// may run N times faster. The harness rewrites the loaded rules so that every duration in them is divided by N (clamped
/// to at least 4 scrape intervals for range selectors so rate()/changes() still see enough samples). A rule that says
/// "for 15 minutes of cluster time" then waits 15 simulated minutes, which is what the alert means. Samples are not
/// back-dated: Prometheus only accepts samples near its own wall clock.
/// </remarks>
public sealed partial class PrometheusHarness : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly HttpClient _http;
    private readonly StringBuilder _log;

    private PrometheusHarness(Process process, string dir, Uri url, StringBuilder log)
    {
        _process = process;
        _dir = dir;
        Url = url;
        _log = log;
        _http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Url { get; }

    /// <summary>The config and rule files written for this run.</summary>
    public string Directory => _dir;

    /// <summary>Prometheus' own log (stderr), for test failure messages.</summary>
    public string Log
    {
        get { lock (_log) { return _log.ToString(); } }
    }

    public static string FindBinary(string? explicitPath = null)
    {
        var candidates = new[] { explicitPath, Environment.GetEnvironmentVariable("PROMETHEUS"), "/usr/bin/prometheus", "/usr/local/bin/prometheus" };
        return candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && File.Exists(c))
            ?? throw new FileNotFoundException("prometheus binary not found (install Debian's prometheus package or set $PROMETHEUS)");
    }

    public static async Task<PrometheusHarness> StartAsync(PrometheusHarnessOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var binary = FindBinary(options.Binary);
        var dir = Path.Combine(Path.GetTempPath(), "kubemedic-prom-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(dir);
        var ruleFiles = new List<string>();
        for (var i = 0; i < options.RuleFiles.Count; i++)
        {
            var path = Path.Combine(dir, $"rules-{i}.yaml");
            await File.WriteAllTextAsync(path, RewriteRules(await File.ReadAllTextAsync(options.RuleFiles[i], ct), options.TimeCompression, options.ScrapeInterval), ct);
            ruleFiles.Add(path);
        }

        var configPath = Path.Combine(dir, "prometheus.yml");
        await File.WriteAllTextAsync(configPath, ScrapeConfig(options, ruleFiles), ct);
        var port = FreePort();
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
        {
            "--config.file=" + configPath, "--storage.tsdb.path=" + Path.Combine(dir, "data"), "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            "--storage.tsdb.retention.time=2h", "--query.lookback-delta=" + FormatDuration(TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(10).Ticks, (long)(TimeSpan.FromMinutes(5).Ticks / Math.Max(1, options.TimeCompression))))),
            "--log.level=info",
        })
        {
            psi.ArgumentList.Add(a);
        }

        var log = new StringBuilder();
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + binary);
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) { log.AppendLine(e.Data); } };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) { log.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var harness = new PrometheusHarness(process, dir, new Uri($"http://127.0.0.1:{port}/"), log);
        // never leave Prometheus behind when this process ends without disposing the harness
        AppDomain.CurrentDomain.ProcessExit += (_, _) => harness.KillQuietly();
        try
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (process.HasExited) throw new InvalidOperationException($"prometheus exited with {process.ExitCode}: {harness.Log}");
                try
                {
                    using var resp = await harness._http.GetAsync("-/ready", ct);
                    if (resp.IsSuccessStatusCode) break;
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }

                if (deadline.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("prometheus not ready within 30s: " + harness.Log);
                await Task.Delay(100, ct);
            }
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }

        return harness;
    }

    /// <summary>Current alerts (pending and firing).</summary>
    public async Task<IReadOnlyList<PrometheusAlert>> AlertsAsync(CancellationToken ct = default)
    {
        var doc = JsonNode.Parse(await _http.GetStringAsync("api/v1/alerts", ct))!;
        return (doc["data"]?["alerts"] as JsonArray ?? []).OfType<JsonObject>().Select(a =>
        {
            var labels = (a["labels"] as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>() ?? "", StringComparer.Ordinal);
            return new PrometheusAlert(labels.GetValueOrDefault("alertname", ""), a["state"]?.GetValue<string>() ?? "", labels);
        }).ToList();
    }

    /// <summary>Runs an instant query; returns the result vector as (labels, value).</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string promql, CancellationToken ct = default)
    {
        var doc = JsonNode.Parse(await _http.GetStringAsync("api/v1/query?query=" + Uri.EscapeDataString(promql), ct))!;
        return (doc["data"]?["result"] as JsonArray ?? []).OfType<JsonObject>().Select(r =>
        {
            var labels = (r["metric"] as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>() ?? "", StringComparer.Ordinal);
            var v = double.Parse(r["value"]![1]!.GetValue<string>(), CultureInfo.InvariantCulture);
            return ((IReadOnlyDictionary<string, string>)labels, v);
        }).ToList();
    }

    /// <summary>Scrape targets and their health ("up"/"down"), keyed by job and instance.</summary>
    public async Task<IReadOnlyList<(string Job, string Instance, string Health, string Error)>> TargetsAsync(CancellationToken ct = default)
    {
        var doc = JsonNode.Parse(await _http.GetStringAsync("api/v1/targets", ct))!;
        return (doc["data"]?["activeTargets"] as JsonArray ?? []).OfType<JsonObject>().Select(t => (
            t["labels"]?["job"]?.GetValue<string>() ?? "", t["labels"]?["instance"]?.GetValue<string>() ?? "",
            t["health"]?.GetValue<string>() ?? "", t["lastError"]?.GetValue<string>() ?? "")).ToList();
    }

    /// <summary>The prometheus.yml for the clusters: one job per exporter, a cluster label on every target.</summary>
    public static string ScrapeConfig(PrometheusHarnessOptions options, IEnumerable<string> ruleFiles)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sb = new StringBuilder();
        sb.Append("global:\n");
        sb.Append("  scrape_interval: ").Append(FormatDuration(options.ScrapeInterval)).Append('\n');
        sb.Append("  scrape_timeout: ").Append(FormatDuration(options.ScrapeInterval)).Append('\n');
        sb.Append("  evaluation_interval: ").Append(FormatDuration(options.EvaluationInterval)).Append('\n');
        sb.Append("rule_files:\n");
        foreach (var f in ruleFiles) sb.Append("  - ").Append(Quote(f)).Append('\n');
        sb.Append("scrape_configs:\n");

        void Job(string job, bool honorLabels, Func<ScrapeCluster, IEnumerable<Dictionary<string, string>>> targets)
        {
            sb.Append("  - job_name: ").Append(job).Append('\n');
            sb.Append("    honor_labels: ").Append(honorLabels ? "true" : "false").Append('\n');
            sb.Append("    honor_timestamps: false\n");
            var first = options.Clusters.FirstOrDefault();
            sb.Append("    scheme: ").Append(first?.ApiServer.Scheme ?? "http").Append('\n');
            if (first?.BearerToken is { } token) sb.Append("    authorization:\n      type: Bearer\n      credentials: ").Append(Quote(token)).Append('\n');
            sb.Append("    static_configs:\n");
            foreach (var c in options.Clusters)
            {
                foreach (var labels in targets(c))
                {
                    sb.Append("      - targets: [").Append(Quote(c.ApiServer.Authority)).Append("]\n");
                    sb.Append("        labels:\n");
                    sb.Append("          cluster: ").Append(Quote(c.Cluster)).Append('\n');
                    foreach (var (k, v) in labels) sb.Append("          ").Append(k).Append(": ").Append(Quote(v)).Append('\n');
                }
            }
        }

        Job("kube-state-metrics", true, c => [new() { ["__metrics_path__"] = MetricsEndpoints.KubeStateMetricsPath, ["instance"] = c.Cluster + "-kube-state-metrics:8080" }]);
        Job("kubelet", true, c => c.Nodes.SelectMany(n => new[]
        {
            new Dictionary<string, string> { ["__metrics_path__"] = MetricsEndpoints.KubeletPath(n), ["metrics_path"] = "/metrics", ["instance"] = n + ":10250", ["node"] = n },
            new Dictionary<string, string> { ["__metrics_path__"] = MetricsEndpoints.CadvisorPath(n), ["metrics_path"] = "/metrics/cadvisor", ["instance"] = n + ":10250", ["node"] = n },
        }));
        Job("node-exporter", false, c => c.Nodes.Select(n => new Dictionary<string, string> { ["__metrics_path__"] = MetricsEndpoints.NodeExporterPath(n), ["instance"] = n, ["namespace"] = "monitoring", ["pod"] = "node-exporter-" + n }));
        Job("apiserver", false, c => [new() { ["__metrics_path__"] = "/metrics", ["instance"] = c.ApiServer.Authority }]);
        Job("kube-scheduler", false, c => [new() { ["__metrics_path__"] = MetricsEndpoints.SchedulerPath, ["instance"] = c.Cluster + "-kube-scheduler:10259" }]);
        Job("kube-controller-manager", false, c => [new() { ["__metrics_path__"] = MetricsEndpoints.ControllerManagerPath, ["instance"] = c.Cluster + "-kube-controller-manager:10257" }]);
        Job("apps", true, c => [new() { ["__metrics_path__"] = MetricsEndpoints.AppsPath, ["instance"] = c.Cluster + "-apps" }]);
        return sb.ToString();
    }

    /// <summary>
    /// Turns a PrometheusRule manifest or a rule file into a plain rule file (JSON, which is YAML) with every duration
    /// divided by <paramref name="compression"/>: <c>for:</c>, <c>keep_firing_for:</c>, group <c>interval:</c> and the
    /// range/subquery selectors in <c>expr</c> (range selectors clamped to at least 4 × <paramref name="scrapeInterval"/>).
    /// </summary>
    public static string RewriteRules(string yaml, double compression, TimeSpan scrapeInterval)
    {
        if (compression <= 0) throw new ArgumentOutOfRangeException(nameof(compression));
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var groupsNode = root.Children.TryGetValue(new YamlScalarNode("spec"), out var spec) && spec is YamlMappingNode specMap
            ? specMap.Children[new YamlScalarNode("groups")]
            : root.Children[new YamlScalarNode("groups")];
        var minRange = TimeSpan.FromTicks(scrapeInterval.Ticks * 4);
        var groups = new JsonArray();
        foreach (var g in ((YamlSequenceNode)groupsNode).Children.OfType<YamlMappingNode>())
        {
            var group = new JsonObject { ["name"] = Scalar(g, "name") };
            if (Scalar(g, "interval") is { } interval) group["interval"] = FormatDuration(Scale(ParseDuration(interval), compression, TimeSpan.FromSeconds(1)));
            var rules = new JsonArray();
            foreach (var r in ((YamlSequenceNode)g.Children[new YamlScalarNode("rules")]).Children.OfType<YamlMappingNode>())
            {
                var rule = new JsonObject();
                if (Scalar(r, "alert") is { } alert) rule["alert"] = alert;
                if (Scalar(r, "record") is { } record) rule["record"] = record;
                rule["expr"] = RangeSelector().Replace(Scalar(r, "expr") ?? "", m =>
                {
                    var range = Scale(ParseDuration(m.Groups[1].Value), compression, minRange);
                    var step = m.Groups[2].Success && m.Groups[3].Value.Length > 0 ? ":" + FormatDuration(Scale(ParseDuration(m.Groups[3].Value), compression, scrapeInterval)) : m.Groups[2].Success ? ":" : "";
                    return "[" + FormatDuration(range) + step + "]";
                });
                foreach (var key in new[] { "for", "keep_firing_for" })
                {
                    if (Scalar(r, key) is { } d) rule[key] = FormatDuration(Scale(ParseDuration(d), compression, TimeSpan.Zero));
                }

                foreach (var key in new[] { "labels", "annotations" })
                {
                    if (r.Children.TryGetValue(new YamlScalarNode(key), out var m) && m is YamlMappingNode map)
                    {
                        var o = new JsonObject();
                        foreach (var (k, v) in map.Children) o[((YamlScalarNode)k).Value!] = ((YamlScalarNode)v).Value;
                        rule[key] = o;
                    }
                }

                rules.Add(rule);
            }

            group["rules"] = rules;
            groups.Add(group);
        }

        return new JsonObject { ["groups"] = groups }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;

    private static TimeSpan Scale(TimeSpan d, double compression, TimeSpan min)
    {
        if (d == TimeSpan.Zero) return d;
        var scaled = TimeSpan.FromMilliseconds(Math.Max(1, Math.Round(d.TotalMilliseconds / compression)));
        return scaled < min ? min : scaled;
    }

    [GeneratedRegex(@"\[(\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*)(:(\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*)?)?\]")]
    private static partial Regex RangeSelector();

    [GeneratedRegex(@"(\d+)(ms|[smhdwy])")]
    private static partial Regex DurationPart();

    /// <summary>Parses a Prometheus duration ("1h30m", "15m", "500ms").</summary>
    public static TimeSpan ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var total = TimeSpan.Zero;
        var matched = 0;
        foreach (Match m in DurationPart().Matches(text.Trim()))
        {
            matched += m.Length;
            var n = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            total += m.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                "d" => TimeSpan.FromDays(n),
                "w" => TimeSpan.FromDays(7 * n),
                _ => TimeSpan.FromDays(365 * n),
            };
        }

        if (matched != text.Trim().Length) throw new FormatException($"not a Prometheus duration: \"{text}\"");
        return total;
    }

    /// <summary>Formats a duration the way Prometheus accepts it (whole seconds as "15s", else milliseconds).</summary>
    public static string FormatDuration(TimeSpan d)
    {
        var ms = (long)Math.Round(d.TotalMilliseconds);
        return ms % 1000 == 0 ? (ms / 1000).ToString(CultureInfo.InvariantCulture) + "s" : ms.ToString(CultureInfo.InvariantCulture) + "ms";
    }

    private static string Quote(string s) => JsonSerializer.Serialize(s);

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private void KillQuietly()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone or disposed
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        catch (TimeoutException)
        {
            // leave it; the OS reaps it with the test host
        }

        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
