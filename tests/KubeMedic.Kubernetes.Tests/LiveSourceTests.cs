using System.Text.Json.Nodes;
using KubeMedic.Core;
using KubeMedic.Core.Analysis;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;
using KubeMedic.Kubernetes.Sources;

namespace KubeMedic.Kubernetes.Tests;

/// <summary>The live source through the real KubernetesClient over HTTP against a Kestrel server replaying lists.</summary>
public sealed class LiveSourceTests : IAsyncLifetime
{
    public const string SecretValue = "TOP-SECRET-db-password-9f8e7d";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("km-live-");
    private FakeApiServer _server = null!;

    public static List<JsonObject> ItemsWithSecret()
    {
        var items = TestPaths.Items("seed000-oom.json");
        var secret = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["type"] = "Opaque",
            ["metadata"] = new JsonObject
            {
                ["name"] = "db",
                ["namespace"] = "production",
                ["annotations"] = new JsonObject { ["kubectl.kubernetes.io/last-applied-configuration"] = "{\"stringData\":{\"password\":\"" + SecretValue + "\"}}" },
            },
            ["data"] = new JsonObject { ["password"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(SecretValue)) },
        };
        items.Add(secret);
        return items;
    }

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync(ItemsWithSecret());
        _server.Logs[("production", "order-service-7c9d8e6f4-x7k2p", "order-service", true)] = "boot\nheap 480MiB\nfatal error: runtime: out of memory\n";
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Delete(recursive: true);
    }

    private LiveSource Source() => new(KubeconfigLoader.Load(_server.WriteKubeconfig(_dir.FullName), context: null));

    [Fact]
    public async Task Lists_every_kind_with_paging_and_diagnoses_like_the_snapshot()
    {
        using var source = Source();

        var model = await source.LoadAsync(ClusterScope.All, CancellationToken.None);

        model.Pods.Count.ShouldBe(3);
        model.Nodes.Count.ShouldBe(3);
        model.ReplicaSets.Count.ShouldBe(2);
        model.Secrets.Single().Keys.ShouldBe(["password"]);
        var podRequests = _server.Requests.Where(r => r.StartsWith("/api/v1/pods", StringComparison.Ordinal)).ToList();
        podRequests.Count.ShouldBe(2, "3 pods at a server page size of 2 = 2 pages");
        podRequests[1].ShouldContain("continue=2");
        podRequests.ShouldAllBe(r => r.Contains("limit=500"));
        _server.Requests.ShouldContain(r => r.StartsWith("/apis/apps/v1/deployments", StringComparison.Ordinal));
        _server.Requests.ShouldContain(r => r.StartsWith("/apis/autoscaling/v2/horizontalpodautoscalers", StringComparison.Ordinal));

        var oom = DiagnosisEngine.Default.Diagnose(model).Find(FindingCodes.OomKilled, new ObjectRef("Deployment", "production", "order-service"));
        oom.ShouldNotBeNull();
        oom.Evidence.ShouldContain(e => e.Source == "log" && e.Text.Contains("out of memory"));
    }

    [Fact]
    public async Task Logs_are_fetched_only_for_failing_containers()
    {
        using var source = Source();

        await source.LoadAsync(ClusterScope.All, CancellationToken.None);

        var logRequests = _server.Requests.Where(r => r.Contains("/log", StringComparison.Ordinal)).ToList();
        logRequests.ShouldNotBeEmpty();
        logRequests.ShouldAllBe(r => r.Contains("order-service-7c9d8e6f4-x7k2p") || r.Contains("order-service-7c9d8e6f4-m9q4z"));
        logRequests.ShouldNotContain(r => r.Contains("b3n8w"));
        logRequests.ShouldAllBe(r => r.Contains("tailLines=50"));
    }

    [Fact]
    public async Task Namespace_and_label_selector_scope_the_lists()
    {
        using var source = Source();

        var model = await source.LoadAsync(new ClusterScope("production", "app=order-service"), CancellationToken.None);

        _server.Requests.ShouldContain(r => r.StartsWith("/api/v1/namespaces/production/pods", StringComparison.Ordinal) && r.Contains("labelSelector=app%3Dorder-service"));
        _server.Requests.ShouldContain(r => r.StartsWith("/api/v1/nodes", StringComparison.Ordinal));
        model.Pods.Count.ShouldBe(3);
        model.Deployments.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Snapshot_save_writes_a_kubectl_list_without_secret_values()
    {
        using var source = Source();
        var path = Path.Combine(_dir.FullName, "snap.json");

        var count = await SnapshotWriter.SaveAsync(source, ClusterScope.All, path, CancellationToken.None);

        var text = await File.ReadAllTextAsync(path);
        text.ShouldNotContain(SecretValue);
        text.ShouldNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(SecretValue)));
        var doc = JsonNode.Parse(text)!;
        doc["kind"]!.GetValue<string>().ShouldBe("List");
        doc["items"]!.AsArray().Count.ShouldBe(count);
        doc["items"]!.AsArray().ShouldAllBe(i => i!["kind"] != null && i["apiVersion"] != null);
        var reloaded = ClusterModelBuilder.Load(path);
        reloaded.Pods.Count.ShouldBe(3);
        reloaded.Secrets.Single().Keys.ShouldBe(["password"]);
        Directory.GetFiles(_dir.FullName, "*.tmp").ShouldBeEmpty();
    }

    [Fact]
    public void A_malformed_kubeconfig_is_a_one_line_input_error()
    {
        var path = Path.Combine(_dir.FullName, "bad-kubeconfig");
        File.WriteAllText(path, "apiVersion: v1\nclusters: [[[\n");

        var ex = Should.Throw<UserInputException>(() => KubeconfigLoader.Load(path, null));

        ex.Message.ShouldContain(path);
        ex.Message.ShouldNotContain("\n");
    }

    [Fact]
    public void An_unknown_context_is_a_one_line_input_error()
    {
        var ex = Should.Throw<UserInputException>(() => KubeconfigLoader.Load(_server.WriteKubeconfig(_dir.FullName), "no-such-context"));

        ex.Message.ShouldContain("no-such-context");
    }

    [Fact]
    public async Task An_unreachable_api_server_is_a_one_line_input_error()
    {
        var path = Path.Combine(_dir.FullName, "dead-kubeconfig");
        File.WriteAllText(path, _server.WriteKubeconfig(_dir.FullName) is { } p ? File.ReadAllText(p).Replace(_server.Url, "http://127.0.0.1:9", StringComparison.Ordinal) : "");
        using var source = new LiveSource(KubeconfigLoader.Load(path, null));

        var ex = await Should.ThrowAsync<UserInputException>(() => source.LoadAsync(ClusterScope.All, CancellationToken.None));

        ex.Message.ShouldContain("cannot reach the API server");
    }
}
