using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using KubeMedic.Core.Remedies;

namespace KubeMedic.Kubernetes.Tests.Repair;

/// <summary>What a pod created from a template does (a tiny kubelet model).</summary>
public enum PodBehavior
{
    Healthy,
    OomLoop,
}

/// <summary>
/// A small in-memory Kubernetes API for the repair tests until the simulator is on main: get/list/watch (resourceVersion, bookmarks,
/// 410 after <see cref="Compact"/>), the three patch types by exact media type, delete, and a Deployment controller that replaces pods
/// on a template change. Pods behave per <see cref="Behavior"/>. Not product code.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    private static readonly Dictionary<string, (string Kind, string ApiVersion, bool Namespaced)> Resources = new(StringComparer.Ordinal)
    {
        ["pods"] = ("Pod", "v1", true),
        ["nodes"] = ("Node", "v1", false),
        ["events"] = ("Event", "v1", true),
        ["deployments"] = ("Deployment", "apps/v1", true),
        ["replicasets"] = ("ReplicaSet", "apps/v1", true),
        ["poddisruptionbudgets"] = ("PodDisruptionBudget", "policy/v1", true),
        ["priorityclasses"] = ("PriorityClass", "scheduling.k8s.io/v1", false),
    };

    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _cts = new();
    private readonly object _gate = new();
    private readonly Dictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly List<(long Rv, string Type, JsonObject Obj)> _history = [];
    private readonly List<TaskCompletionSource> _waiters = [];
    private long _rv = 100;
    private long _minRv;
    private int _podSeq;

    public FakeApiServer()
    {
        var port = FreePort();
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public string Url { get; }

    public Func<JsonObject, PodBehavior> Behavior { get; set; } = _ => PodBehavior.Healthy;

    public int Patches { get; private set; }

    /// <summary>Live watches ended with 410 Gone because <see cref="Compact"/> dropped events they had not sent yet.</summary>
    public int ExpiredWatches { get; private set; }

    public List<string> Requests { get; } = [];

    public static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public string WriteKubeconfig(string dir, string? server = null)
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: {server ?? Url}
            users:
            - name: fake
              user:
                token: fake-token
            contexts:
            - name: fake
              context:
                cluster: fake
                user: fake
            current-context: fake
            """);
        return path;
    }

    public JsonObject? Get(string kind, string? ns, string name)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(Key(kind, ns, name), out var o) ? (JsonObject)o.DeepClone() : null;
        }
    }

    public List<JsonObject> All(string kind)
    {
        lock (_gate)
        {
            return _objects.Values.Where(o => o.Kind() == kind).Select(o => (JsonObject)o.DeepClone()).ToList();
        }
    }

    /// <summary>Forget the watch history: watches from an older resourceVersion get 410 Gone.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _minRv = _rv;
            _history.Clear();
        }
    }

    public void Add(JsonObject obj)
    {
        lock (_gate)
        {
            Store("ADDED", obj);
            if (obj.Kind() == "Deployment")
            {
                Reconcile(obj.Namespace()!, obj.Name());
            }
        }
    }

    /// <summary>Re-runs the kubelet model on every pod (e.g. after changing <see cref="Behavior"/>).</summary>
    public void Resync()
    {
        lock (_gate)
        {
            foreach (var d in _objects.Values.Where(o => o.Kind() == "Deployment").ToList())
            {
                Reconcile(d.Namespace()!, d.Name());
            }
        }
    }

    private static string Key(string kind, string? ns, string name) => $"{kind}/{ns}/{name}";

    private void Store(string type, JsonObject obj)
    {
        var meta = obj["metadata"] as JsonObject ?? [];
        obj["metadata"] = meta;
        meta["resourceVersion"] = (++_rv).ToString(System.Globalization.CultureInfo.InvariantCulture);
        meta["uid"] ??= Guid.NewGuid().ToString();
        meta["creationTimestamp"] ??= DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var key = Key(obj.Kind(), obj.Namespace(), obj.Name());
        if (type == "DELETED")
        {
            _objects.Remove(key);
        }
        else
        {
            _objects[key] = obj;
        }

        _history.Add((_rv, type, (JsonObject)obj.DeepClone()));
        foreach (var w in _waiters)
        {
            w.TrySetResult();
        }

        _waiters.Clear();
    }

    private static string Hash(JsonNode? template) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(template?.ToJsonString() ?? ""))).ToLowerInvariant()[..10];

    /// <summary>Deployment controller + kubelet: pods match the template hash and count; status follows the pods.</summary>
    private void Reconcile(string ns, string name)
    {
        if (!_objects.TryGetValue(Key("Deployment", ns, name), out var d))
        {
            return;
        }

        var template = d.At("spec", "template")!;
        var hash = Hash(template);
        var replicas = d.Int("spec", "replicas") ?? 1;
        var app = d.Str("spec", "selector", "matchLabels", "app") ?? name;
        var pods = _objects.Values.Where(o => o.Kind() == "Pod" && o.Namespace() == ns && o.Str("metadata", "labels", "app") == app).ToList();
        foreach (var old in pods.Where(p => p.Str("metadata", "labels", "pod-template-hash") != hash).ToList())
        {
            Store("DELETED", old);
            pods.Remove(old);
        }

        foreach (var extra in pods.Skip(replicas).ToList())
        {
            Store("DELETED", extra);
            pods.Remove(extra);
        }

        var rsName = $"{name}-{hash}";
        foreach (var rs in _objects.Values.Where(o => o.Kind() == "ReplicaSet" && o.Namespace() == ns && o.Str("metadata", "labels", "app") == app && o.Name() != rsName && (o.Int("spec", "replicas") ?? 0) > 0).ToList())
        {
            rs["spec"]!["replicas"] = 0;
            rs["status"] = new JsonObject { ["replicas"] = 0, ["readyReplicas"] = 0 };
            Store("MODIFIED", rs);
        }

        if (!_objects.ContainsKey(Key("ReplicaSet", ns, rsName)))
        {
            var revision = _objects.Values.Count(o => o.Kind() == "ReplicaSet" && o.Namespace() == ns && o.Str("metadata", "labels", "app") == app) + 1;
            var rsTemplate = template.DeepClone().AsObject();
            rsTemplate["metadata"] ??= new JsonObject();
            rsTemplate["metadata"]!["labels"] ??= new JsonObject();
            rsTemplate["metadata"]!["labels"]!["pod-template-hash"] = hash;
            Store("ADDED", new JsonObject
            {
                ["kind"] = "ReplicaSet",
                ["apiVersion"] = "apps/v1",
                ["metadata"] = new JsonObject
                {
                    ["name"] = rsName,
                    ["namespace"] = ns,
                    ["labels"] = new JsonObject { ["app"] = app, ["pod-template-hash"] = hash },
                    ["annotations"] = new JsonObject { ["deployment.kubernetes.io/revision"] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = name, ["uid"] = d.Str("metadata", "uid"), ["controller"] = true }),
                },
                ["spec"] = new JsonObject { ["replicas"] = replicas, ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = app, ["pod-template-hash"] = hash } }, ["template"] = rsTemplate },
                ["status"] = new JsonObject { ["replicas"] = replicas },
            });
            d["metadata"]!["annotations"] ??= new JsonObject();
            d["metadata"]!["annotations"]!["deployment.kubernetes.io/revision"] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var behavior = Behavior(d);
        while (pods.Count < replicas)
        {
            var pod = NewPod(d, hash, app, behavior);
            Store("ADDED", pod);
            pods.Add(pod);
        }

        foreach (var pod in pods.ToList())
        {
            var want = behavior == PodBehavior.Healthy;
            var isReady = pod.Objects("status", "containerStatuses").All(c => c.At("ready")?.GetValue<bool>() == true);
            if (want != isReady)
            {
                pod["status"] = PodStatus(d, behavior);
                Store("MODIFIED", pod);
            }
        }

        var ready = behavior == PodBehavior.Healthy ? replicas : 0;
        var meta = d["metadata"]!.AsObject();
        var generation = meta.Int("generation") ?? 1;
        d["status"] = new JsonObject
        {
            ["observedGeneration"] = generation,
            ["replicas"] = replicas,
            ["updatedReplicas"] = replicas,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = ready,
        };
        Store("MODIFIED", d);
    }

    private JsonObject NewPod(JsonObject d, string hash, string app, PodBehavior behavior)
    {
        var template = d.At("spec", "template")!.DeepClone().AsObject();
        var labels = (template["metadata"]?["labels"] as JsonObject)?.DeepClone().AsObject() ?? [];
        labels["pod-template-hash"] = hash;
        return new JsonObject
        {
            ["kind"] = "Pod",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{d.Name()}-{hash[..5]}-{++_podSeq:D5}",
                ["namespace"] = d.Namespace(),
                ["labels"] = labels,
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "apps/v1", ["kind"] = "ReplicaSet", ["name"] = $"{d.Name()}-{hash}", ["uid"] = _objects.GetValueOrDefault(Key("ReplicaSet", d.Namespace(), $"{d.Name()}-{hash}"))?.Str("metadata", "uid") ?? "rs-" + hash, ["controller"] = true,
                }),
            },
            ["spec"] = (JsonObject)template["spec"]!.DeepClone(),
            ["status"] = PodStatus(d, behavior),
        };
    }

    private static JsonObject PodStatus(JsonObject d, PodBehavior behavior)
    {
        var statuses = new JsonArray();
        foreach (var c in d.PodSpec().Objects("containers"))
        {
            statuses.Add(behavior == PodBehavior.Healthy
                ? new JsonObject { ["name"] = c.Str("name"), ["image"] = c.Str("image"), ["ready"] = true, ["restartCount"] = 0, ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = "2026-11-23T12:00:00Z" } } }
                : new JsonObject
                {
                    ["name"] = c.Str("name"), ["image"] = c.Str("image"), ["ready"] = false, ["restartCount"] = 4,
                    ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CrashLoopBackOff", ["message"] = "back-off 40s restarting failed container" } },
                    ["lastState"] = new JsonObject { ["terminated"] = new JsonObject { ["reason"] = "OOMKilled", ["exitCode"] = 137, ["startedAt"] = "2026-11-23T11:59:00Z", ["finishedAt"] = "2026-11-23T11:59:30Z" } },
                });
        }

        return new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = behavior == PodBehavior.Healthy ? "True" : "False" }),
            ["containerStatuses"] = statuses,
        };
    }

    private async Task LoopAsync()
    {
        while (!_cts.IsCancellationRequested)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(ctx));
        }
    }

    private async Task HandleAsync(HttpListenerContext ctx)
    {
        var req = ctx.Request;
        var res = ctx.Response;
        try
        {
            lock (_gate)
            {
                Requests.Add($"{req.HttpMethod} {req.Url!.PathAndQuery}");
            }

            var parts = req.Url!.AbsolutePath.Trim('/').Split('/');
            // /api/v1/... or /apis/group/version/...
            var rest = parts[0] == "api" ? parts[2..] : parts[0] == "apis" ? parts[3..] : [];
            string? ns = null;
            if (rest.Length >= 2 && rest[0] == "namespaces" && rest.Length > 2)
            {
                ns = rest[1];
                rest = rest[2..];
            }

            if (rest.Length == 0 || !Resources.TryGetValue(rest[0], out var resource))
            {
                await WriteStatusAsync(res, 404, "NotFound", $"the server could not find the requested resource ({req.Url.AbsolutePath})");
                return;
            }

            var name = rest.Length > 1 ? rest[1] : null;
            var q = System.Web.HttpUtility.ParseQueryString(req.Url.Query);
            switch (req.HttpMethod)
            {
                case "GET" when name is null && q["watch"] is "true" or "1":
                    await WatchAsync(res, resource.Kind, ns, q["resourceVersion"], q["allowWatchBookmarks"] == "true", int.TryParse(q["timeoutSeconds"], out var t) ? t : 60);
                    return;
                case "GET" when name is null:
                    await ListAsync(res, resource, ns, q["labelSelector"]);
                    return;
                case "GET":
                    var obj = Get(resource.Kind, ns, name);
                    if (obj is null)
                    {
                        await WriteStatusAsync(res, 404, "NotFound", $"{rest[0]} \"{name}\" not found");
                    }
                    else
                    {
                        await WriteJsonAsync(res, 200, obj);
                    }

                    return;
                case "PATCH" when name is not null:
                    await PatchAsync(req, res, resource.Kind, ns, name);
                    return;
                case "DELETE" when name is not null:
                    JsonObject? deleted;
                    lock (_gate)
                    {
                        deleted = _objects.GetValueOrDefault(Key(resource.Kind, ns, name));
                        if (deleted is not null)
                        {
                            Store("DELETED", deleted);
                            foreach (var d in _objects.Values.Where(o => o.Kind() == "Deployment" && o.Namespace() == ns).ToList())
                            {
                                Reconcile(ns!, d.Name());
                            }
                        }
                    }

                    if (deleted is null)
                    {
                        await WriteStatusAsync(res, 404, "NotFound", $"{rest[0]} \"{name}\" not found");
                    }
                    else
                    {
                        await WriteJsonAsync(res, 200, deleted);
                    }

                    return;
                default:
                    await WriteStatusAsync(res, 405, "MethodNotAllowed", "method not allowed");
                    return;
            }
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
        {
            // client went away
        }
        finally
        {
            try
            {
                res.Close();
            }
            catch
            {
            }
        }
    }

    private async Task PatchAsync(HttpListenerRequest req, HttpListenerResponse res, string kind, string? ns, string name)
    {
        var mediaType = (req.ContentType ?? "").Split(';')[0].Trim();
        var patchKind = mediaType switch
        {
            "application/strategic-merge-patch+json" => PatchKind.Strategic,
            "application/merge-patch+json" => PatchKind.Merge,
            "application/json-patch+json" => PatchKind.Json,
            _ => (PatchKind?)null,
        };
        if (patchKind is null)
        {
            await WriteStatusAsync(res, 415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json");
            return;
        }

        using var reader = new StreamReader(req.InputStream);
        var body = JsonNode.Parse(await reader.ReadToEndAsync())!;
        JsonObject result;
        lock (_gate)
        {
            if (!_objects.TryGetValue(Key(kind, ns, name), out var current))
            {
                result = null!;
            }
            else
            {
                result = PatchApplier.Apply(current, body, patchKind.Value);
                if (!JsonNode.DeepEquals(result["spec"], current["spec"]))
                {
                    result["metadata"]!["generation"] = (current.Int("metadata", "generation") ?? 1) + 1;
                }

                Patches++;
                Store("MODIFIED", result);
                if (kind == "Deployment")
                {
                    Reconcile(ns!, name);
                    result = _objects[Key(kind, ns, name)];
                }

                result = (JsonObject)result.DeepClone();
            }
        }

        if (result is null)
        {
            await WriteStatusAsync(res, 404, "NotFound", $"\"{name}\" not found");
        }
        else
        {
            await WriteJsonAsync(res, 200, result);
        }
    }

    private async Task ListAsync(HttpListenerResponse res, (string Kind, string ApiVersion, bool Namespaced) resource, string? ns, string? selector)
    {
        var wanted = (selector ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Split('=')).ToList();
        JsonObject list;
        lock (_gate)
        {
            var items = _objects.Values.Where(o => o.Kind() == resource.Kind && (ns is null || o.Namespace() == ns))
                .Where(o => wanted.All(w => o.Str("metadata", "labels", w[0]) == w[1]))
                .Select(o => (JsonNode)o.DeepClone()).ToArray();
            list = new JsonObject
            {
                ["kind"] = resource.Kind + "List",
                ["apiVersion"] = resource.ApiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = _rv.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["items"] = new JsonArray(items),
            };
        }

        await WriteJsonAsync(res, 200, list);
    }

    private async Task WatchAsync(HttpListenerResponse res, string kind, string? ns, string? rvText, bool bookmarks, int timeoutSeconds)
    {
        res.StatusCode = 200;
        res.ContentType = "application/json";
        res.SendChunked = true;
        var from = long.TryParse(rvText, out var r) ? r : 0;
        var deadline = DateTimeOffset.UtcNow.AddSeconds(Math.Min(timeoutSeconds, 30));
        var output = res.OutputStream;
        var sent = from;
        while (!_cts.IsCancellationRequested && DateTimeOffset.UtcNow < deadline)
        {
            List<(long Rv, string Type, JsonObject Obj)> batch;
            Task wait;
            byte[]? gone = null;
            lock (_gate)
            {
                // Compact() dropped history this watch has not sent yet: like an API server whose watcher fell out of the watch
                // window, end it with 410 Gone (the client relists). Never skip events and then bookmark past them.
                if (sent > 0 && sent < _minRv)
                {
                    if (sent > from)
                    {
                        ExpiredWatches++;
                    }

                    gone = Encoding.UTF8.GetBytes(new JsonObject
                    {
                        ["type"] = "ERROR",
                        ["object"] = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["message"] = $"too old resource version: {sent} ({_minRv})", ["reason"] = "Expired", ["code"] = 410 },
                    }.ToJsonString() + "\n");
                    batch = [];
                    wait = Task.CompletedTask;
                }
                else
                {
                    batch = _history.Where(h => h.Rv > sent && h.Obj.Kind() == kind && (ns is null || h.Obj.Namespace() == ns)).ToList();
                    var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _waiters.Add(tcs);
                    wait = tcs.Task;
                    sent = Math.Max(sent, _rv);
                }
            }

            if (gone is not null)
            {
                await output.WriteAsync(gone);
                return;
            }

            foreach (var (_, type, obj) in batch)
            {
                await output.WriteAsync(Encoding.UTF8.GetBytes(new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n"));
            }

            if (bookmarks)
            {
                var bm = new JsonObject
                {
                    ["type"] = "BOOKMARK",
                    ["object"] = new JsonObject { ["kind"] = kind, ["apiVersion"] = "v1", ["metadata"] = new JsonObject { ["resourceVersion"] = sent.ToString(System.Globalization.CultureInfo.InvariantCulture) } },
                };
                await output.WriteAsync(Encoding.UTF8.GetBytes(bm.ToJsonString() + "\n"));
            }

            await output.FlushAsync();
            await Task.WhenAny(wait, Task.Delay(1000));
        }
    }

    private static async Task WriteJsonAsync(HttpListenerResponse res, int code, JsonNode body)
    {
        res.StatusCode = code;
        res.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        res.ContentLength64 = bytes.Length;
        await res.OutputStream.WriteAsync(bytes);
    }

    private static Task WriteStatusAsync(HttpListenerResponse res, int code, string reason, string message) =>
        WriteJsonAsync(res, code, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["message"] = message, ["reason"] = reason, ["code"] = code });

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        lock (_gate)
        {
            foreach (var w in _waiters)
            {
                w.TrySetResult();
            }
        }

        _listener.Close();
        _cts.Dispose();
    }
}
