using System.Diagnostics;
using KubeMedic.Observability.Prometheus;

namespace KubeMedic.Observability.Tests;

/// <summary>
/// A real Prometheus 2.42 on 127.0.0.1 (free port) over a TSDB backfilled with <c>promtool tsdb create-blocks-from openmetrics</c>
/// from synthetic histories: three OOM shapes (leak, limit too low, spike), restarts, CPU throttling, a service whose 5xx rate and
/// p99 jump after a deploy, and the node/pod/deployment series the dashboard and alerts use.
/// </summary>
public sealed class PrometheusFixture : IAsyncLifetime
{
    private readonly TempDir dir = new();
    private Process? process;

    public DateTimeOffset End { get; } = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 15 * 15 - 60);
    public DateTimeOffset DeployAt => End - TimeSpan.FromMinutes(20);
    public Uri Url { get; private set; } = null!;
    public PrometheusClient Client { get; private set; } = null!;
    /// <summary>An SLO on the synthetic checkout service: 95 % of requests without 5xx over 30 days.</summary>
    public const string SloSpec = """
        service: checkout
        slos:
        - name: availability
          objective: 95
          sli:
            error_query: sum(rate(http_server_requests_seconds_count{namespace="lab",service="checkout",status=~"5.."}[{{.window}}]))
            total_query: sum(rate(http_server_requests_seconds_count{namespace="lab",service="checkout"}[{{.window}}]))
        """;

    public string Log => File.Exists(dir.File("prometheus.log")) ? File.ReadAllText(dir.File("prometheus.log")) : "";

    public async Task InitializeAsync()
    {
        File.WriteAllText(dir.File("data.om"), BuildData());
        var backfill = Tools.Run(Tools.Promtool, dir.Path, "tsdb", "create-blocks-from", "openmetrics", "data.om", "tsdb");
        if (backfill.Code != 0)
        {
            throw new InvalidOperationException("promtool backfill failed: " + backfill.Output);
        }

        File.WriteAllText(dir.File("slo-rules.yaml"), Rules.RuleFileWriter.ToPlain(Slo.SloRuleGenerator.Generate(Slo.SloSpecReader.Parse(SloSpec, "slo.yaml"))));
        File.WriteAllText(dir.File("alert-rules.yaml"), Rules.RuleFileWriter.ToPlain(Rules.AlertRuleGenerator.Generate(new Rules.AlertRuleOptions())));
        File.WriteAllText(dir.File("prometheus.yml"), "global:\n  scrape_interval: 1m\n  evaluation_interval: 2s\nrule_files: [slo-rules.yaml, alert-rules.yaml]\nscrape_configs: []\n");
        var port = Tools.FreePort();
        var psi = new ProcessStartInfo(Tools.Prometheus)
        {
            WorkingDirectory = dir.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "--config.file=prometheus.yml", "--storage.tsdb.path=tsdb", $"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=30d", "--log.level=warn" })
        {
            psi.ArgumentList.Add(a);
        }

        process = Process.Start(psi)!;
        var log = File.CreateText(dir.File("prometheus.log"));
        log.AutoFlush = true;
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        Url = new Uri($"http://127.0.0.1:{port}/");
        Client = new PrometheusClient(Url);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("prometheus exited: " + Log);
            }

            try
            {
                if ((await http.GetAsync(new Uri(Url, "-/ready"))).IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("prometheus did not become ready in 30 s: " + Log);
            }

            await Task.Delay(200);
        }
    }

    public Task DisposeAsync()
    {
        Client?.Dispose();
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }

        process?.Dispose();
        dir.Dispose();
        return Task.CompletedTask;
    }

    private string BuildData()
    {
        var om = new Synthetic.OpenMetrics();
        var span = TimeSpan.FromMinutes(70);
        var end = End;
        var ns = "lab";
        void Pod(string pod, List<Sample> memory, Func<double, double> restartsAtMinute, double cpuCores, double throttledShare)
        {
            var c = $"namespace=\"{ns}\",pod=\"{pod}\",container=\"app\"";
            om.Add("container_memory_working_set_bytes", c + ",id=\"/kubepods/" + pod + "\",image=\"lab/app:1\",name=\"" + pod + "\"", memory);
            om.Constant("kube_pod_container_resource_limits", c + ",node=\"node-1\",resource=\"memory\",unit=\"byte\"", Synthetic.Limit, end, span);
            om.Constant("kube_pod_container_resource_limits", c + ",node=\"node-1\",resource=\"cpu\",unit=\"core\"", 0.5, end, span);
            om.Constant("kube_pod_container_resource_requests", c + ",node=\"node-1\",resource=\"cpu\",unit=\"core\"", 0.25, end, span);
            om.Add("kube_pod_container_status_restarts_total", c + ",uid=\"u-" + pod + "\"", Synthetic.Series(end, span, restartsAtMinute));
            om.Add("container_cpu_usage_seconds_total", c + ",cpu=\"total\"", Synthetic.Series(end, span, m => m * 60 * cpuCores));
            om.Add("container_cpu_cfs_periods_total", c, Synthetic.Series(end, span, m => m * 600));
            om.Add("container_cpu_cfs_throttled_periods_total", c, Synthetic.Series(end, span, m => m * 600 * throttledShare));
            om.Add("container_oom_events_total", c, Synthetic.Series(end, span, restartsAtMinute));
            om.Constant("kube_pod_container_status_last_terminated_reason", c + ",uid=\"u-" + pod + "\",reason=\"OOMKilled\"", 1, end, span);
            var p = $"namespace=\"{ns}\",pod=\"{pod}\",uid=\"u-{pod}\"";
            om.Constant("kube_pod_status_phase", p + ",phase=\"Running\"", 1, end, span);
            om.Constant("kube_pod_status_phase", p + ",phase=\"Pending\"", 0, end, span);
            om.Constant("kube_pod_info", p + ",node=\"node-1\",host_ip=\"10.0.0.1\",pod_ip=\"10.1.0.2\",created_by_kind=\"ReplicaSet\",created_by_name=\"" + pod + "-rs\"", 1, end, span);
        }

        // restart counters follow the memory histories: an OOM kill at every drop (leak: minute 45; tight: minutes 33 and 66 of 70)
        Pod("leaky-7d9f", Synthetic.Leak(end, span), m => Math.Floor(m / Synthetic.LeakCycleMinutes), 0.1, 0.02);
        Pod("tight-5c8b", Synthetic.LimitTooLow(end, span), m => Math.Floor(m / Synthetic.LimitTooLowCycleMinutes), 0.45, 0.6);
        Pod("spiky-9a1e", Synthetic.Spike(end, span), _ => 0, 0.1, 0);

        // node series
        const string node = "instance=\"node-1\"";
        om.Add("node_cpu_seconds_total", node + ",cpu=\"0\",mode=\"idle\"", Synthetic.Series(end, span, m => m * 60 * 0.3));
        om.Add("node_cpu_seconds_total", node + ",cpu=\"0\",mode=\"user\"", Synthetic.Series(end, span, m => m * 60 * 0.7));
        om.Constant("node_memory_MemTotal_bytes", node, 4.0 * 1024 * 1024 * 1024, end, span);
        om.Constant("node_memory_MemAvailable_bytes", node, 1.0 * 1024 * 1024 * 1024, end, span);

        // deployment series, with a rollout at DeployAt
        var d = $"namespace=\"{ns}\",deployment=\"checkout\"";
        om.Constant("kube_deployment_spec_replicas", d, 3, end, span);
        om.Add("kube_deployment_status_replicas_available", d, Synthetic.Series(end, span, m => end - span + TimeSpan.FromMinutes(m) < DeployAt ? 3 : 2));
        om.Add("kube_deployment_status_observed_generation", d, Synthetic.Series(end, span, m => end - span + TimeSpan.FromMinutes(m) < DeployAt ? 4 : 5));

        // service RED: 0.2 % errors and ~100 ms before the deploy, 8 % errors and ~900 ms after
        var svc = $"namespace=\"{ns}\",service=\"checkout\"";
        double Cum(double minute, Func<bool, double> perMinute)
        {
            var deployMinute = (DeployAt - (end - span)).TotalMinutes;
            return minute <= deployMinute ? minute * perMinute(false) : deployMinute * perMinute(false) + (minute - deployMinute) * perMinute(true);
        }

        om.Add("http_server_requests_seconds_count", svc + ",status=\"200\"", Synthetic.Series(end, span, m => Cum(m, after => after ? 920 : 998)));
        om.Add("http_server_requests_seconds_count", svc + ",status=\"500\"", Synthetic.Series(end, span, m => Cum(m, after => after ? 80 : 2)));
        foreach (var (le, before, after) in new[] { ("0.1", 600.0, 0.0), ("0.25", 1000.0, 50.0), ("0.5", 1000.0, 200.0), ("1", 1000.0, 1000.0), ("+Inf", 1000.0, 1000.0) })
        {
            om.Add("http_server_requests_seconds_bucket", svc + $",le=\"{le}\"", Synthetic.Series(end, span, m => Cum(m, a => a ? after : before)));
        }

        return om.ToString();
    }
}

[CollectionDefinition("prometheus")]
public sealed class PrometheusCollection : ICollectionFixture<PrometheusFixture>;
