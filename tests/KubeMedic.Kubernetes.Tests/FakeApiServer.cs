using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KubeMedic.Kubernetes.Tests;

/// <summary>
/// A tiny Kestrel server that answers Kubernetes LIST requests (core and grouped APIs, namespaced or cluster-wide,
/// label selector k=v, limit/continue paging with a small server page size) from kubectl-shaped fixture items, and
/// pod log requests. Every request is recorded.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    private static readonly Dictionary<string, string> Kinds = new()
    {
        ["pods"] = "Pod", ["nodes"] = "Node", ["namespaces"] = "Namespace", ["services"] = "Service", ["endpoints"] = "Endpoints",
        ["events"] = "Event", ["persistentvolumeclaims"] = "PersistentVolumeClaim", ["configmaps"] = "ConfigMap", ["secrets"] = "Secret",
        ["deployments"] = "Deployment", ["replicasets"] = "ReplicaSet", ["statefulsets"] = "StatefulSet", ["daemonsets"] = "DaemonSet",
        ["jobs"] = "Job", ["cronjobs"] = "CronJob", ["horizontalpodautoscalers"] = "HorizontalPodAutoscaler",
        ["poddisruptionbudgets"] = "PodDisruptionBudget", ["ingresses"] = "Ingress",
    };

    private readonly WebApplication _app;
    private readonly List<JsonObject> _items;

    public ConcurrentQueue<string> Requests { get; } = new();
    public Dictionary<(string Ns, string Pod, string Container, bool Previous), string> Logs { get; } = [];
    public int ServerPageSize { get; set; } = 2;
    public string Url { get; private set; } = "";

    private FakeApiServer(List<JsonObject> items)
    {
        _items = items;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapGet("/{**path}", Handle);
    }

    public static async Task<FakeApiServer> StartAsync(IEnumerable<JsonObject> items)
    {
        var server = new FakeApiServer(items.ToList());
        await server._app.StartAsync();
        server.Url = server._app.Urls.First();
        return server;
    }

    /// <summary>Writes a kubeconfig pointing at this server and returns its path.</summary>
    public string WriteKubeconfig(string dir)
    {
        var path = Path.Combine(dir, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: {Url}
            users:
            - name: tester
              user:
                token: fake-token
            contexts:
            - name: fake
              context:
                cluster: fake
                user: tester
            current-context: fake
            """);
        return path;
    }

    private IResult Handle(HttpContext http, string? path)
    {
        Requests.Enqueue(http.Request.Path + http.Request.QueryString);
        var segments = (path ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);

        // /api/v1/... or /apis/{group}/{version}/...
        var rest = segments.Length >= 2 && segments[0] == "api" ? segments[2..] : segments.Length >= 3 && segments[0] == "apis" ? segments[3..] : [];
        string? ns = null;
        if (rest.Length >= 3 && rest[0] == "namespaces")
        {
            ns = rest[1];
            rest = rest[2..];
        }

        if (rest.Length == 3 && rest[0] == "pods" && rest[2] == "log" && ns is not null)
        {
            var previous = http.Request.Query["previous"] == "true";
            return Logs.TryGetValue((ns, rest[1], http.Request.Query["container"].ToString(), previous), out var text)
                ? Results.Text(text)
                : Results.NotFound();
        }

        if (rest.Length != 1 || !Kinds.TryGetValue(rest[0], out var kind))
        {
            return Results.NotFound();
        }

        var selector = http.Request.Query["labelSelector"].ToString();
        var matching = _items.Where(i => i["kind"]!.GetValue<string>() == kind)
            .Where(i => ns is null || i["metadata"]?["namespace"]?.GetValue<string>() == ns)
            .Where(i => Selects(selector, i["metadata"]?["labels"] as JsonObject))
            .ToList();
        var offset = int.TryParse(http.Request.Query["continue"], out var o) ? o : 0;
        var limit = int.TryParse(http.Request.Query["limit"], out var l) ? Math.Min(l, ServerPageSize) : ServerPageSize;
        var page = matching.Skip(offset).Take(limit).Select(i =>
        {
            var copy = (JsonObject)i.DeepClone();
            copy.Remove("kind");
            copy.Remove("apiVersion");
            return (JsonNode)copy;
        }).ToArray();
        var next = offset + page.Length < matching.Count ? (offset + page.Length).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        var list = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = kind + "List",
            ["metadata"] = new JsonObject { ["resourceVersion"] = "42", ["continue"] = next },
            ["items"] = new JsonArray(page),
        };
        return Results.Text(list.ToJsonString(), "application/json");
    }

    private static bool Selects(string selector, JsonObject? labels)
    {
        foreach (var part in selector.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=', 2);
            if (labels?[kv[0]]?.GetValue<string>() != kv.ElementAtOrDefault(1))
            {
                return false;
            }
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
