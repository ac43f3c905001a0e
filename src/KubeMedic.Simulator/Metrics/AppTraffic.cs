using System.Text.Json.Nodes;

namespace KubeMedic.Simulator.Metrics;

/// <summary>
/// HTTP RED metrics for the simulated apps, in Micrometer's shape (<c>http_server_requests_seconds</c> histogram with
/// method, uri, status, outcome, exception) plus namespace and service. Each Service with a selector receives a steady
/// request rate (default 10 rps, or the <c>kubemedic.io/rps</c> annotation). The share answered 503 is the share of
/// desired backends that are not ready (half the replicas ready: half the requests fail); of the rest, the app model's
/// own error rate answers 500. Latency is slower while a backend's CPU is throttled. Counts are integrated over
/// simulated time × <see cref="ClusterState.CounterTimeScale"/> between scrapes.
/// </summary>
public sealed class AppTraffic
{
    public const double DefaultRps = 10;
    public static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // cumulative share of requests at or below each bucket bound
    private static readonly double[] Fast = [0, 0.02, 0.2, 0.6, 0.9, 0.98, 0.995, 1, 1, 1, 1];
    private static readonly double[] Slow = [0, 0, 0.01, 0.1, 0.3, 0.6, 0.85, 0.95, 1, 1, 1];
    private static readonly double[] Reject = [0.9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];

    private readonly object _gate = new();
    private readonly Dictionary<string, ServiceCounters> _services = new(StringComparer.Ordinal);

    private sealed class ServiceCounters
    {
        public DateTimeOffset Last;
        public readonly Dictionary<string, Series> ByStatus = new(StringComparer.Ordinal);
    }

    private sealed class Series
    {
        public double Count;
        public double Sum;
        public double[] Le = new double[Buckets.Length];
    }

    /// <summary>What one Service is doing right now.</summary>
    public sealed record ServiceHealth(string Namespace, string Service, int Desired, int Ready, double AppErrorRate, bool Throttled, double Rps)
    {
        public double UnavailableFraction => Desired <= 0 ? (Ready > 0 ? 0 : 1) : Math.Clamp(1 - (double)Ready / Desired, 0, 1);

        /// <summary>Share of requests answered 5xx.</summary>
        public double ErrorFraction => UnavailableFraction + (1 - UnavailableFraction) * AppErrorRate;
    }

    /// <summary>The health of every Service that has a selector.</summary>
    public static IReadOnlyList<ServiceHealth> Assess(ClusterState s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var result = new List<ServiceHealth>();
        foreach (var svc in s.Services)
        {
            var selector = J.Labels(svc, "spec", "selector");
            if (selector.Count == 0) continue;
            var ns = J.Ns(svc);
            var pods = s.Pods.Where(p => J.Ns(p) == ns && J.S(p, "status", "phase") is not ("Succeeded" or "Failed") && J.Selects(selector, J.Labels(p, "metadata", "labels"))).ToList();
            var workloads = s.Deployments.Concat(s.StatefulSets).Where(d => J.Ns(d) == ns && J.Selects(selector, J.Labels(d, "spec", "template", "metadata", "labels"))).ToList();
            var desired = workloads.Count > 0 ? workloads.Sum(d => (int)(J.L(d, "spec", "replicas") ?? 1)) : pods.Count(p => J.Walk(p, "metadata", "deletionTimestamp") is null);
            var ep = s.Endpoints.FirstOrDefault(e => J.Ns(e) == ns && J.Name(e) == J.Name(svc));
            var readyPods = pods.Where(p => J.Condition(p, "Ready") is { } c && J.S(c, "status") == "True").ToList();
            var ready = ep is not null ? J.A(ep, "subsets").Sum(sub => J.A(sub, "addresses").Count()) : readyPods.Count;
            var errs = readyPods.SelectMany(p => J.A(p, "spec", "containers").Select(c => s.AppErrorRate(J.S(c, "image") ?? ""))).DefaultIfEmpty(0).Average();
            var throttled = readyPods.Any(p => J.A(p, "spec", "containers").Any(c => (s.Usage(p, J.S(c, "name") ?? "")?.ThrottledFraction ?? 0) > 0.25));
            var rps = double.TryParse(J.S(svc, "metadata", "annotations", "kubemedic.io/rps"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var r) ? r : DefaultRps;
            result.Add(new ServiceHealth(ns, J.Name(svc), desired, Math.Min(ready, Math.Max(desired, ready)), Math.Clamp(errs, 0, 1), throttled, rps));
        }

        return result;
    }

    /// <summary>Integrates traffic up to <see cref="ClusterState.Now"/> and writes the exposition.</summary>
    public string Write(ClusterState s)
    {
        var health = Assess(s);
        var w = new ExpositionWriter();
        w.Family("http_server_requests_seconds", "histogram", "Duration of HTTP server request handling");
        lock (_gate)
        {
            foreach (var h in health)
            {
                var key = h.Namespace + "/" + h.Service;
                if (!_services.TryGetValue(key, out var c))
                {
                    c = new ServiceCounters { Last = s.Now };
                    foreach (var st in new[] { "200", "500", "503" }) c.ByStatus[st] = new Series();
                    _services[key] = c;
                }

                var dt = Math.Max(0, (s.Now - c.Last).TotalSeconds) * s.CounterTimeScale;
                if (s.Now > c.Last) c.Last = s.Now;
                var total = h.Rps * dt;
                var unavailable = total * h.UnavailableFraction;
                var served = total - unavailable;
                Add(c.ByStatus["503"], unavailable, Reject, 0.003);
                Add(c.ByStatus["500"], served * h.AppErrorRate, h.Throttled ? Slow : Fast, h.Throttled ? 0.3 : 0.045);
                Add(c.ByStatus["200"], served * (1 - h.AppErrorRate), h.Throttled ? Slow : Fast, h.Throttled ? 0.3 : 0.045);

                foreach (var (status, series) in c.ByStatus)
                {
                    (string, string?)[] Lb(params (string, string?)[] more) =>
                        [("exception", "None"), ("method", "GET"), ("namespace", h.Namespace), ("outcome", status == "200" ? "SUCCESS" : "SERVER_ERROR"), ("service", h.Service), ("status", status), ("uri", "/"), .. more];
                    for (var i = 0; i < Buckets.Length; i++) w.Sample("http_server_requests_seconds_bucket", Math.Floor(series.Le[i]), Lb(("le", ExpositionWriter.Format(Buckets[i]))));
                    w.Sample("http_server_requests_seconds_bucket", Math.Floor(series.Count), Lb(("le", "+Inf")));
                    w.Sample("http_server_requests_seconds_sum", Math.Round(series.Sum, 3), Lb());
                    w.Sample("http_server_requests_seconds_count", Math.Floor(series.Count), Lb());
                }
            }
        }

        return w.ToString();
    }

    private static void Add(Series s, double n, double[] shape, double mean)
    {
        if (n <= 0) return;
        s.Count += n;
        s.Sum += n * mean;
        for (var i = 0; i < Buckets.Length; i++) s.Le[i] += n * shape[i];
    }
}
