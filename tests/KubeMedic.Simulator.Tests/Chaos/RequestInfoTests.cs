using KubeMedic.Simulator.Chaos;
using Microsoft.AspNetCore.Http;

namespace KubeMedic.Simulator.Tests.Chaos;

/// <summary>The attributes the simulator records for each request are the ones kube-apiserver's authorizer sees.</summary>
public sealed class RequestInfoTests
{
    [Theory]
    [InlineData("GET", "/api/v1/namespaces/shop/pods", "", "list||v1|pods||shop|")]
    [InlineData("GET", "/api/v1/namespaces/shop/pods", "?watch=true", "watch||v1|pods||shop|")]
    [InlineData("GET", "/api/v1/pods", "?watch=1&resourceVersion=5", "watch||v1|pods|||")]
    [InlineData("GET", "/api/v1/namespaces/shop/pods/web-1/log", "?tailLines=50", "get||v1|pods|log|shop|web-1")]
    [InlineData("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web", "", "patch|apps|v1|deployments||shop|web")]
    [InlineData("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web/scale", "", "patch|apps|v1|deployments|scale|shop|web")]
    [InlineData("GET", "/api/v1/nodes", "", "list||v1|nodes|||")]
    [InlineData("GET", "/api/v1/namespaces/kube-system", "", "get||v1|namespaces|||kube-system")]
    [InlineData("POST", "/api/v1/namespaces/kubemedic/configmaps", "", "create||v1|configmaps||kubemedic|")]
    [InlineData("PUT", "/api/v1/namespaces/kubemedic/configmaps/kubemedic-audit", "", "update||v1|configmaps||kubemedic|kubemedic-audit")]
    [InlineData("DELETE", "/api/v1/namespaces/shop/pods", "", "deletecollection||v1|pods||shop|")]
    [InlineData("POST", "/apis/coordination.k8s.io/v1/namespaces/kubemedic/leases", "", "create|coordination.k8s.io|v1|leases||kubemedic|")]
    public void Describes_a_resource_request(string method, string path, string query, string expected)
    {
        var r = ApiFaults.Describe(Request(method, path, query)).ShouldNotBeNull();

        $"{r.Verb}|{r.Group}|{r.Version}|{r.Resource}|{r.Subresource}|{r.Namespace}|{r.Name}".ShouldBe(expected);
    }

    [Theory]
    [InlineData("/version")]
    [InlineData("/openapi/v2")]
    [InlineData("/api/v1/namespaces/shop/services/web:8080/proxy/metrics")]
    public void Non_resource_and_proxy_paths_are_not_resource_requests(string path) =>
        ApiFaults.Describe(Request("GET", path, "")).ShouldBeNull();

    private static HttpRequest Request(string method, string path, string query)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = method;
        http.Request.Path = path;
        http.Request.QueryString = new QueryString(query);
        return http.Request;
    }
}
