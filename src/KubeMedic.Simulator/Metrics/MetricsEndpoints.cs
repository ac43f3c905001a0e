using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using KubeMedic.Simulator.Chaos;
using Microsoft.AspNetCore.Http;

namespace KubeMedic.Simulator.Metrics;

/// <summary>Counts API requests the way kube-apiserver's <c>apiserver_request_total</c> does.</summary>
public sealed class ApiRequestCounter
{
    private readonly ConcurrentDictionary<(string Verb, string Group, string Version, string Resource, string Code), long> _counts = new();

    private readonly ConcurrentDictionary<ApiRequestInfo, byte> _seen = new();

    private void Record(string verb, string group, string version, string resource, int code) =>
        _counts.AddOrUpdate((verb, group, version, resource, code.ToString(System.Globalization.CultureInfo.InvariantCulture)), 1, (_, n) => n + 1);

    /// <summary>Counts a request and remembers its attributes (<see cref="Seen"/>).</summary>
    public void Record(ApiRequestInfo request, int code)
    {
        ArgumentNullException.ThrowIfNull(request);
        Record(request.Verb.ToUpperInvariant(), request.Group, request.Version, request.Resource, code);
        _seen.TryAdd(request, 0);
    }

    /// <summary>
    /// Every distinct request (verb, group, resource, subresource, namespace, name) served so far: what an authorizer was asked,
    /// e.g. to check a least-privilege Role against what a client really does.
    /// </summary>
    public IReadOnlyCollection<ApiRequestInfo> Seen => [.. _seen.Keys];

    public void Write(ExpositionWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.Family("apiserver_request_total", "counter", "[STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.");
        foreach (var ((verb, group, version, resource, code), n) in _counts.OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal))
        {
            w.Sample("apiserver_request_total", n, ("code", code), ("component", "apiserver"), ("dry_run", ""), ("group", group), ("resource", resource), ("scope", "resource"), ("subresource", ""), ("verb", verb), ("version", version));
        }
    }
}

/// <summary>The simulator's metric targets, with the state their counters keep between scrapes.</summary>
public sealed class SimulatorMetrics
{
    private readonly Func<ClusterState> _capture;

    public SimulatorMetrics(Func<ClusterState> capture)
    {
        _capture = capture;
    }

    public NodeMetrics Nodes { get; } = new();
    public AppTraffic Apps { get; } = new();
    public ApiRequestCounter ApiRequests { get; } = new();

    public ClusterState Capture() => _capture();

    public string ApiServer()
    {
        var s = Capture();
        var w = new ExpositionWriter();
        NodeMetrics.BuildInfo(w, s.GitVersion);
        ApiRequests.Write(w);
        return w.ToString();
    }

    public string ControlPlane(string component)
    {
        var s = Capture();
        var w = new ExpositionWriter();
        NodeMetrics.BuildInfo(w, s.GitVersion);
        w.Family("leader_election_master_status", "gauge", "[ALPHA] Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.")
            .Sample("leader_election_master_status", 1, ("name", component));
        return w.ToString();
    }
}

/// <summary>
/// Maps the scrape targets onto the simulator's API server. Kubelet, cAdvisor and node-exporter are served per node on
/// the apiserver's node proxy paths, which also work against a real cluster (<c>kubectl get --raw /api/v1/nodes/NODE/proxy/metrics/cadvisor</c>).
/// </summary>
public static class MetricsEndpoints
{
    public const string KubeStateMetricsPath = "/metrics/kube-state-metrics";
    public const string SchedulerPath = "/metrics/kube-scheduler";
    public const string ControllerManagerPath = "/metrics/kube-controller-manager";
    public const string AppsPath = "/metrics/apps";

    public static string KubeletPath(string node) => $"/api/v1/nodes/{node}/proxy/metrics";

    public static string CadvisorPath(string node) => $"/api/v1/nodes/{node}/proxy/metrics/cadvisor";

    public static string NodeExporterPath(string node) => $"/api/v1/nodes/{node}:9100/proxy/metrics";

    /// <summary>Serves the metric targets as a middleware (the simulator's API handler is terminal, so routes go first).</summary>
    public static IApplicationBuilder UseSimulatorMetrics(this IApplicationBuilder app, SimulatorMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(metrics);
        return app.Use(async (http, next) =>
        {
            var result = http.Request.Method == "GET" ? Route(http.Request.Path.Value ?? "", metrics) : null;
            if (result is null)
            {
                await next(http);
                return;
            }

            await result.ExecuteAsync(http);
        });
    }

    /// <summary>The response for a metrics path, or null when the path is not a metrics target.</summary>
    public static IResult? Route(string path, SimulatorMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        switch (path)
        {
            case "/metrics": return Text(metrics.ApiServer());
            case KubeStateMetricsPath: return Text(KubeStateMetrics.Write(metrics.Capture()));
            case SchedulerPath: return Text(metrics.ControlPlane("kube-scheduler"));
            case ControllerManagerPath: return Text(metrics.ControlPlane("kube-controller-manager"));
            case AppsPath: return Text(metrics.Apps.Write(metrics.Capture()));
        }

        const string prefix = "/api/v1/nodes/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var rest = path[prefix.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0) return null;
        var node = Uri.UnescapeDataString(rest[..slash]);
        var sub = rest[slash..];
        if (sub is not ("/proxy/metrics" or "/proxy/metrics/cadvisor")) return null;
        var port = node.Contains(':', StringComparison.Ordinal) ? node[(node.IndexOf(':', StringComparison.Ordinal) + 1)..] : "10250";
        var name = node.Split(':')[0];
        var s = metrics.Capture();
        if (Unreachable(s, name) is { } err) return err;
        return (port, sub) switch
        {
            ("10250", "/proxy/metrics") => Text(NodeMetrics.Kubelet(s, name)),
            ("10250", _) => Text(NodeMetrics.Cadvisor(s, name)),
            ("9100", "/proxy/metrics") => Text(metrics.Nodes.NodeExporter(s, name)),
            _ => Results.Text($"{{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{{}},\"status\":\"Failure\",\"message\":\"no endpoint on port {port}\",\"reason\":\"ServiceUnavailable\",\"code\":503}}", "application/json", statusCode: 503),
        };
    }

    private static IResult? Unreachable(ClusterState s, string node)
    {
        if (!s.Nodes.Any(n => J.Name(n) == node))
        {
            return Results.Text($"{{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{{}},\"status\":\"Failure\",\"message\":\"nodes \\\"{node}\\\" not found\",\"reason\":\"NotFound\",\"details\":{{\"name\":\"{node}\",\"kind\":\"nodes\"}},\"code\":404}}", "application/json", statusCode: 404);
        }

        return s.KubeletReachable(node)
            ? null
            : Results.Text($"{{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{{}},\"status\":\"Failure\",\"message\":\"error trying to reach service: dial tcp {node}:10250: connect: no route to host\",\"reason\":\"ServiceUnavailable\",\"code\":503}}", "application/json", statusCode: 503);
    }

    private static IResult Text(string body) => Results.Text(body, ExpositionWriter.ContentType);
}
