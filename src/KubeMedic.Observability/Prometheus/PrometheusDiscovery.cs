using KubeMedic.Core.Model;

namespace KubeMedic.Observability.Prometheus;

/// <summary>A Prometheus Service found in the cluster, and its API-server proxy path.</summary>
public sealed record PrometheusService(string Namespace, string Name, string Port)
{
    /// <summary>Relative to the API server URL: <c>api/v1/namespaces/NS/services/NAME:PORT/proxy/</c>.</summary>
    public string ProxyPath => $"api/v1/namespaces/{Uri.EscapeDataString(Namespace)}/services/{Uri.EscapeDataString(Name)}:{Uri.EscapeDataString(Port)}/proxy/";

    /// <summary>A client that reaches Prometheus through the API server proxy, with the kube client's authenticated HttpClient.</summary>
    public PrometheusClient ClientVia(Uri apiServer, HttpClient kubeHttpClient) =>
        new(new Uri(new Uri(apiServer.ToString().TrimEnd('/') + "/"), ProxyPath), kubeHttpClient);

    public override string ToString() => $"service {Namespace}/{Name}:{Port}";
}

/// <summary>
/// Finds Prometheus in a cluster model when no <c>--prometheus URL</c> is given: the Services kube-prometheus
/// (prometheus-k8s, prometheus-operated), kube-prometheus-stack (*-kube-prometheus-prometheus) and the prometheus Helm chart
/// (prometheus-server) create, preferring the monitoring namespace and the port named web / http or 9090.
/// </summary>
public static class PrometheusDiscovery
{
    private static readonly string[] KnownNames = ["prometheus-k8s", "prometheus-operated", "prometheus-server", "prometheus"];

    public static IReadOnlyList<PrometheusService> Find(ClusterModel model) =>
        model.Services
            .Select(s => (Service: s, Rank: Rank(s.Name), Port: PortOf(s)))
            .Where(x => x.Rank < int.MaxValue && x.Port is not null)
            .OrderBy(x => x.Rank)
            .ThenBy(x => x.Service.Namespace == "monitoring" ? 0 : 1)
            .ThenBy(x => x.Service.Namespace, StringComparer.Ordinal)
            .Select(x => new PrometheusService(x.Service.Namespace ?? "default", x.Service.Name, x.Port!))
            .ToList();

    private static int Rank(string name)
    {
        var i = Array.IndexOf(KnownNames, name);
        if (i >= 0)
        {
            return i;
        }

        // kube-prometheus-stack: <release>-kube-prometheus-prometheus / <release>-kube-prom-prometheus
        return name.EndsWith("-prometheus", StringComparison.Ordinal) && !name.Contains("operator", StringComparison.Ordinal)
            && !name.Contains("alertmanager", StringComparison.Ordinal) && !name.Contains("node-exporter", StringComparison.Ordinal)
            ? KnownNames.Length
            : int.MaxValue;
    }

    private static string? PortOf(ServiceInfo s)
    {
        var port = s.Ports.FirstOrDefault(p => p.Name is "web" or "http-web" or "http")
            ?? s.Ports.FirstOrDefault(p => p.Port == 9090)
            ?? (s.Ports.Count == 1 ? s.Ports[0] : null);
        return port is null ? null : port.Name ?? port.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
