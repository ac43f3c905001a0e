using System.Text;
using KubeMedic.Core.Model;
using KubeMedic.Observability.Prometheus;

namespace KubeMedic.Observability.Tests;

public sealed class PrometheusDiscoveryTests
{
    private static string Service(string ns, string name, string portsJson) =>
        $"{{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{{\"name\":\"{name}\",\"namespace\":\"{ns}\",\"uid\":\"{ns}-{name}\"}},\"spec\":{{\"type\":\"ClusterIP\",\"ports\":{portsJson}}}}}";

    private static ClusterModel Model(params string[] items)
    {
        var json = "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[" + string.Join(",", items) + "]}";
        return new ClusterModelBuilder().AddJson(new MemoryStream(Encoding.UTF8.GetBytes(json)), "services.json").Build();
    }

    [Fact]
    public void Finds_kube_prometheus_first_and_builds_the_proxy_path()
    {
        var model = Model(
            Service("shop", "order-service", "[{\"name\":\"http\",\"port\":80}]"),
            Service("monitoring", "alertmanager-main", "[{\"name\":\"web\",\"port\":9093}]"),
            Service("monitoring", "prometheus-operated", "[{\"name\":\"web\",\"port\":9090}]"),
            Service("monitoring", "prometheus-k8s", "[{\"name\":\"web\",\"port\":9090},{\"name\":\"reloader-web\",\"port\":8080}]"),
            Service("obs", "kps-kube-prometheus-prometheus", "[{\"name\":\"http-web\",\"port\":9090}]"));
        var found = PrometheusDiscovery.Find(model);
        found.Select(f => f.Name).ShouldBe(["prometheus-k8s", "prometheus-operated", "kps-kube-prometheus-prometheus"]);
        found[0].ProxyPath.ShouldBe("api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/");
        using var client = found[0].ClientVia(new Uri("https://10.0.0.1:6443"), new HttpClient());
        client.BaseUrl.ToString().ShouldBe("https://10.0.0.1:6443/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/");
    }

    [Fact]
    public void No_prometheus_service_means_no_candidate()
    {
        PrometheusDiscovery.Find(Model(Service("monitoring", "prometheus-operator", "[{\"name\":\"https\",\"port\":8443}]"))).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_proxy_client_queries_through_its_base_path()
    {
        using var capture = new CaptureServer();
        using var client = new PrometheusService("monitoring", "prometheus-k8s", "web").ClientVia(capture.Url, new HttpClient { Timeout = TimeSpan.FromSeconds(3) });
        var ex = await Should.ThrowAsync<PrometheusQueryException>(() => client.QueryAsync("up"));
        ex.Message.ShouldContain("without a JSON body");
        capture.Paths.ShouldContain("/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/api/v1/query");
    }
}
