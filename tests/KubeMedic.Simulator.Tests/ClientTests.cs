using System.Text;
using k8s;
using k8s.Models;

namespace KubeMedic.Simulator.Tests;

public sealed class ClientFixture : SimFixture
{
    protected override string? Scenario => "healthy";
}

/// <summary>The official C# client (KubernetesClient) against the simulator: list, watch, patch (3 types), logs, metrics.</summary>
public sealed class ClientTests(ClientFixture sim) : IClassFixture<ClientFixture>
{
    private Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(sim.Cluster.KubeconfigPath));

    [Fact]
    public async Task List_and_read()
    {
        using var client = Client();
        var pods = await client.CoreV1.ListNamespacedPodAsync("shop", labelSelector: "app=web");
        pods.Items.Count.ShouldBe(3);
        pods.Items.ShouldAllBe(p => p.Status.Phase == "Running");
        var nodes = await client.CoreV1.ListNodeAsync();
        nodes.Items.Count.ShouldBe(3);
        var deploy = await client.AppsV1.ReadNamespacedDeploymentAsync("web", "shop");
        deploy.Status.ReadyReplicas.ShouldBe(3);
        var ex = await Should.ThrowAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.ReadNamespacedPodAsync("nope", "shop"));
        ex.Response.StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Watch_streams_added_and_modified()
    {
        using var client = Client();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<(WatchEventType, string)>();
        var watch = Task.Run(async () =>
        {
            await foreach (var (type, cm) in client.CoreV1.WatchListNamespacedConfigMapAsync("shop", cancellationToken: cts.Token))
            {
                seen.Add((type, cm.Metadata.Name));
                if (type == WatchEventType.Modified && cm.Metadata.Name == "client-watch") break;
            }
        }, cts.Token);
        await Task.Delay(500);
        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "client-watch" }, Data = new Dictionary<string, string> { ["a"] = "1" } }, "shop");
        created.Data["a"] = "2";
        await client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "client-watch", "shop");
        await watch;
        seen.ShouldContain((WatchEventType.Added, "shop-config"));
        seen.ShouldContain((WatchEventType.Added, "client-watch"));
        seen.ShouldContain((WatchEventType.Modified, "client-watch"));

        // A stale resourceVersion is a 409 Conflict.
        created.Data["a"] = "3";
        var conflict = await Should.ThrowAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "client-watch", "shop"));
        conflict.Response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Patch_in_all_three_forms()
    {
        using var client = Client();
        var smp = new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26"}]}}}}""", V1Patch.PatchType.StrategicMergePatch);
        var d = await client.AppsV1.PatchNamespacedDeploymentAsync(smp, "web", "shop");
        d.Spec.Template.Spec.Containers.Single().Image.ShouldBe("nginx:1.26");
        d.Spec.Template.Spec.Containers.Single().Ports.Single().ContainerPort.ShouldBe(80, "strategic merge keeps the other container fields");

        var merge = new V1Patch("""{"metadata":{"labels":{"patched":"merge"}}}""", V1Patch.PatchType.MergePatch);
        d = await client.AppsV1.PatchNamespacedDeploymentAsync(merge, "web", "shop");
        d.Metadata.Labels["patched"].ShouldBe("merge");
        d.Metadata.Labels["app"].ShouldBe("web");

        var json = new V1Patch("""[{"op":"replace","path":"/spec/replicas","value":4}]""", V1Patch.PatchType.JsonPatch);
        d = await client.AppsV1.PatchNamespacedDeploymentAsync(json, "web", "shop");
        d.Spec.Replicas.ShouldBe(4);

        var apply = new V1Patch("""{"apiVersion":"apps/v1","kind":"Deployment"}""", V1Patch.PatchType.ApplyPatch);
        var unsupported = await Should.ThrowAsync<k8s.Autorest.HttpOperationException>(() => client.AppsV1.PatchNamespacedDeploymentAsync(apply, "web", "shop", fieldManager: "test"));
        unsupported.Response.StatusCode.ShouldBe(System.Net.HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Logs_and_metrics()
    {
        using var client = Client();
        var pod = (await client.CoreV1.ListNamespacedPodAsync("shop", labelSelector: "app=api")).Items[0];
        await using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, "shop", tailLines: 5);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        text.ShouldNotBeNullOrWhiteSpace();

        var podMetrics = await client.GetKubernetesPodsMetricsByNamespaceAsync("shop");
        podMetrics.Items.Count().ShouldBeGreaterThanOrEqualTo(7);
        podMetrics.Items.First().Containers.First().Usage["memory"].ToInt64().ShouldBeGreaterThan(1024 * 1024);
        var nodeMetrics = await client.GetKubernetesNodesMetricsAsync();
        nodeMetrics.Items.Count().ShouldBe(3);
    }
}
