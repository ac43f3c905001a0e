using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using KubeMedic.Simulator.Controllers;
using KubeMedic.Simulator.Kubelet;
using KubeMedic.Simulator.Store;
using Microsoft.AspNetCore.Http;

namespace KubeMedic.Simulator.Api;

/// <summary>Subresources: status, scale (autoscaling/v1), log, eviction (policy/v1, PDBs) and binding.</summary>
internal sealed partial class ApiHandlers
{
    private async Task SubresourceAsync(HttpContext http, ApiPath p, string method)
    {
        if (!p.Type.Subresources.Contains(p.Subresource!)) throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        switch (p.Subresource, method)
        {
            case ("status", "GET"):
                await Router.WriteJson(http, 200, Store.GetRequired(p.Type, p.Namespace, p.Name!));
                return;
            case ("status", "PUT"):
                await UpdateAsync(http, p, statusOnly: true);
                return;
            case ("status", "PATCH"):
                await PatchAsync(http, p, statusOnly: true);
                return;
            case ("scale", "GET"):
                await Router.WriteJson(http, 200, Scale(p.Type, Store.GetRequired(p.Type, p.Namespace, p.Name!)));
                return;
            case ("scale", "PUT" or "PATCH"):
                await ScaleWriteAsync(http, p, method);
                return;
            case ("log", "GET"):
                await LogAsync(http, p);
                return;
            case ("eviction", "POST"):
                await EvictAsync(http, p);
                return;
            case ("binding", "POST"):
                await BindAsync(http, p);
                return;
            default:
                throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }
    }

    private static JsonObject Scale(ResourceType rt, JsonObject obj)
    {
        var selector = rt.Kind == "StatefulSet" || rt.Kind == "Deployment" || rt.Kind == "ReplicaSet"
            ? LabelSelector.Format(obj.Obj("spec.selector")).Replace("<none>", "", StringComparison.Ordinal)
            : "";
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = obj.Name(),
                ["namespace"] = obj.Namespace(),
                ["uid"] = obj.Uid(),
                ["resourceVersion"] = obj.Str("metadata.resourceVersion"),
                ["creationTimestamp"] = obj.Str("metadata.creationTimestamp"),
            },
            ["spec"] = new JsonObject { ["replicas"] = obj.Long("spec.replicas") ?? 1 },
            ["status"] = new JsonObject { ["replicas"] = obj.Long("status.replicas") ?? 0, ["selector"] = selector },
        };
    }

    private async Task ScaleWriteAsync(HttpContext http, ApiPath p, string method)
    {
        var body = await ReadBodyAsync(http);
        for (var attempt = 0; ; attempt++)
        {
            var current = Store.GetRequired(p.Type, p.Namespace, p.Name!);
            var scale = Scale(p.Type, current);
            JsonObject updatedScale;
            if (method == "PUT")
            {
                updatedScale = body as JsonObject ?? throw ApiException.BadRequest("the request body must be a Scale object");
                if (updatedScale.Str("metadata.resourceVersion") is { Length: > 0 } rv && rv != current.Str("metadata.resourceVersion")) throw ApiException.Conflict(p.Type, p.Name!);
            }
            else
            {
                updatedScale = ApplyPatch("Scale", MediaType(http.Request.ContentType), scale, body);
            }

            var replicas = updatedScale.Long("spec.replicas") ?? throw new ApiException(422, "Invalid", $"Scale.autoscaling \"{p.Name}\" is invalid: spec.replicas: Required value");
            if (replicas < 0) throw new ApiException(422, "Invalid", $"Scale.autoscaling \"{p.Name}\" is invalid: spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0");
            var copy = current.Clone();
            copy.Ensure("spec")["replicas"] = replicas;
            try
            {
                var updated = Store.Update(p.Type, copy, current.Str("metadata.resourceVersion"));
                await Router.WriteJson(http, 200, Scale(p.Type, updated));
                return;
            }
            catch (ApiException ex) when (ex.Code == 409 && attempt < 5 && method == "PATCH")
            {
                // retry on a concurrent change
            }
        }
    }

    private async Task LogAsync(HttpContext http, ApiPath p)
    {
        var pod = Store.GetRequired(p.Type, p.Namespace, p.Name!);
        var containers = pod.Arr("spec.containers").Objects().Select(c => c.Str("name") ?? "").ToList();
        var inits = pod.Arr("spec.initContainers").Objects().Select(c => c.Str("name") ?? "").ToList();
        var name = Q(http, "container");
        if (string.IsNullOrEmpty(name))
        {
            if (containers.Count != 1)
            {
                throw ApiException.BadRequest($"a container name must be specified for pod {pod.Name()}, choose one of: [{string.Join(" ", containers)}]"
                    + (inits.Count > 0 ? $" or one of the init containers: [{string.Join(" ", inits)}]" : ""));
            }

            name = containers[0];
        }
        else if (!containers.Contains(name) && !inits.Contains(name))
        {
            throw ApiException.BadRequest($"container {name} is not valid for pod {pod.Name()}");
        }

        var previous = Q(http, "previous") is "true" or "1";
        var follow = Q(http, "follow") is "true" or "1";
        var timestamps = Q(http, "timestamps") is "true" or "1";
        long? tail = long.TryParse(Q(http, "tailLines"), out var t) ? t : null;
        long? limitBytes = long.TryParse(Q(http, "limitBytes"), out var lb) ? lb : null;
        DateTimeOffset? since = null;
        if (long.TryParse(Q(http, "sinceSeconds"), out var ss)) since = _ctx.Now.AddSeconds(-ss);
        else if (Q(http, "sinceTime") is { } st && DateTimeOffset.TryParse(st, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var stt)) since = stt;

        var runtime = _ctx.Kubelet.Pods.GetValueOrDefault(pod.Uid());
        var container = runtime?.Containers.FirstOrDefault(c => c.Name == name);
        if (runtime is null || container is null)
        {
            var waiting = pod.Arr("status.containerStatuses").Objects().FirstOrDefault(c => c.Str("name") == name)?.Str("state.waiting.reason") ?? "ContainerCreating";
            throw ApiException.BadRequest($"container \"{name}\" in pod \"{pod.Name()}\" is waiting to start: {waiting}");
        }

        var lines = _ctx.Kubelet.Logs(runtime, container, previous, _ctx.Now);
        if (lines is null)
        {
            if (previous) throw ApiException.BadRequest($"previous terminated container \"{name}\" in pod \"{pod.Name()}\" not found");
            var reason = container.WaitingReason ?? "ContainerCreating";
            var message = reason is "ErrImagePull" or "ImagePullBackOff" ? "trying and failing to pull image" : reason;
            throw ApiException.BadRequest($"container \"{name}\" in pod \"{pod.Name()}\" is waiting to start: {message}");
        }

        http.Response.StatusCode = 200;
        http.Response.ContentType = "text/plain";
        IEnumerable<(DateTimeOffset Time, string Line)> selected = lines;
        if (since is not null) selected = selected.Where(l => l.Time >= since);
        if (tail is not null) selected = selected.TakeLast((int)Math.Max(0, tail.Value));
        var written = 0L;
        var last = DateTimeOffset.MinValue;
        var sb = new StringBuilder();
        foreach (var (time, line) in selected)
        {
            sb.Append(Format(time, line, timestamps));
            last = time;
        }

        var text = sb.ToString();
        if (limitBytes is not null && text.Length > limitBytes) text = text[..(int)limitBytes.Value];
        await http.Response.WriteAsync(text);
        written += text.Length;
        if (lines.Count > 0) last = lines[^1].Time;
        if (!follow || previous) return;

        await http.Response.Body.FlushAsync();
        ContainerInstance? instance;
        lock (runtime.Gate)
        {
            instance = container.Current;
        }

        if (instance is null) return;
        while (!http.RequestAborted.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(200, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (Store.Get(Resources.Pods, pod.Namespace(), pod.Name())?.Uid() != pod.Uid()) break;
            var fresh = _ctx.Kubelet.Logs(runtime, container, instance, _ctx.Now);
            var chunk = new StringBuilder();
            foreach (var (time, line) in fresh.Where(l => l.Time > last))
            {
                chunk.Append(Format(time, line, timestamps));
                last = time;
            }

            if (chunk.Length > 0)
            {
                await http.Response.WriteAsync(chunk.ToString());
                await http.Response.Body.FlushAsync();
            }

            lock (runtime.Gate)
            {
                if (instance.End is not null) break;
            }
        }
    }

    private static string Format(DateTimeOffset time, string line, bool timestamps) =>
        timestamps ? $"{time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'00Z'", CultureInfo.InvariantCulture)} {line}\n" : line + "\n";

    private async Task EvictAsync(HttpContext http, ApiPath p)
    {
        var body = await ReadOptionalObjectAsync(http);
        var pod = Store.GetRequired(Resources.Pods, p.Namespace, p.Name!);
        if (pod.Str("metadata.deletionTimestamp") is null && pod.Str("status.phase") is not ("Succeeded" or "Failed"))
        {
            var pdbs = Store.All(Resources.Pdbs, p.Namespace).Where(pdb => LabelSelector.FromObject(pdb.Obj("spec.selector")).Matches(pod)).ToList();
            if (pdbs.Count > 1)
            {
                throw new ApiException(500, "InternalError", "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
            }

            if (pdbs.Count == 1)
            {
                var pdb = pdbs[0];
                var (healthy, desired, allowed, _) = DisruptionController.Compute(Store, pdb);
                var podHealthy = PodUtil.IsReady(pod);
                if (podHealthy ? allowed <= 0 : healthy < desired)
                {
                    var details = new JsonObject
                    {
                        ["causes"] = new JsonArray(new JsonObject
                        {
                            ["reason"] = "DisruptionBudget",
                            ["message"] = $"The disruption budget {pdb.Name()} needs {desired} healthy pods and has {healthy} currently",
                        }),
                    };
                    throw new ApiException(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", details);
                }
            }
        }

        var grace = body?.Long("deleteOptions.gracePeriodSeconds");
        Lifecycle.Delete(Store, _ctx.Clock, Resources.Pods, p.Namespace, p.Name!, new DeleteOptions(grace, body?.Str("deleteOptions.propagationPolicy")));
        _ctx.Events.Normal(pod, "Evicted", "Pod evicted via the eviction API", "kube-apiserver");
        await Router.WriteJson(http, 201, StatusSuccess(201));
    }

    private async Task BindAsync(HttpContext http, ApiPath p)
    {
        var body = await ReadObjectAsync(http);
        var node = body.Str("target.name") ?? throw new ApiException(422, "Invalid", "Binding.target.name: Required value");
        var pod = Store.GetRequired(Resources.Pods, p.Namespace, p.Name!);
        if (!string.IsNullOrEmpty(pod.Str("spec.nodeName")))
        {
            throw new ApiException(409, "Conflict", $"Operation cannot be fulfilled on pods/binding \"{p.Name}\": pod {p.Name} is already assigned to node \"{pod.Str("spec.nodeName")}\"");
        }

        var copy = pod.Clone();
        copy.Ensure("spec")["nodeName"] = node;
        PodUtil.SetCondition(copy.Ensure("status"), "PodScheduled", "True", null, null, _ctx.Now);
        Store.Update(Resources.Pods, copy);
        await Router.WriteJson(http, 201, StatusSuccess(201));
    }
}

/// <summary>metrics.k8s.io/v1beta1: PodMetrics and NodeMetrics from the kubelet model, for kubectl top and the C# client.</summary>
internal static class Metrics
{
    public static async Task HandleAsync(SimContext ctx, HttpContext http, ApiPath p)
    {
        var labels = LabelSelector.Parse(http.Request.Query["labelSelector"].ToString());
        var now = ctx.Now;
        if (p.Type == Resources.PodMetrics)
        {
            var pods = ctx.Store.List(Resources.Pods, p.Namespace, o => labels.Matches(o) && (p.Name is null || o.Name() == p.Name)).Items;
            var items = new JsonArray();
            foreach (var pod in pods)
            {
                if (PodMetrics(ctx, pod, now) is { } m) items.Add(m);
            }

            if (p.Name is not null)
            {
                if (items.Count == 0) throw new ApiException(404, "NotFound", $"podmetrics.metrics.k8s.io \"{p.Namespace}/{p.Name}\" not found");
                await Router.WriteJson(http, 200, items[0]!.DeepClone());
                return;
            }

            await Router.WriteJson(http, 200, List("PodMetricsList", items));
            return;
        }

        var nodes = ctx.Store.List(Resources.Nodes, null, o => labels.Matches(o) && (p.Name is null || o.Name() == p.Name)).Items;
        var nodeItems = new JsonArray();
        var allPods = ctx.Store.List(Resources.Pods, null, o => !string.IsNullOrEmpty(o.Str("spec.nodeName"))).Items.GroupBy(o => o.Str("spec.nodeName")!).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var node in nodes)
        {
            if (!ctx.Kubelet.IsAlive(node.Name())) continue;
            long cpu = 150_000_000, mem = 600L * 1024 * 1024; // system daemons
            foreach (var pod in allPods.GetValueOrDefault(node.Name()) ?? [])
            {
                foreach (var (_, c, m) in ContainerUsage(ctx, pod, now))
                {
                    cpu += c;
                    mem += m;
                }
            }

            nodeItems.Add(new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = node.Name(), ["creationTimestamp"] = Json.Timestamp(now), ["labels"] = node.Obj("metadata.labels")?.DeepClone() },
                ["timestamp"] = Json.Timestamp(now),
                ["window"] = "20.05s",
                ["usage"] = new JsonObject { ["cpu"] = cpu + "n", ["memory"] = Quantity.FormatKi(mem) },
            });
        }

        if (p.Name is not null)
        {
            if (nodeItems.Count == 0) throw new ApiException(404, "NotFound", $"nodemetrics.metrics.k8s.io \"{p.Name}\" not found");
            await Router.WriteJson(http, 200, nodeItems[0]!.DeepClone());
            return;
        }

        await Router.WriteJson(http, 200, List("NodeMetricsList", nodeItems));
    }

    private static JsonObject List(string kind, JsonArray items) => new()
    {
        ["kind"] = kind,
        ["apiVersion"] = "metrics.k8s.io/v1beta1",
        ["metadata"] = new JsonObject(),
        ["items"] = items,
    };

    public static IEnumerable<(string Name, long NanoCpu, long Memory)> ContainerUsage(SimContext ctx, JsonObject pod, DateTimeOffset now)
    {
        if (!ctx.Kubelet.Pods.TryGetValue(pod.Uid(), out var rt) || !ctx.Kubelet.IsAlive(rt.Node)) yield break;
        var specs = pod.Arr("spec.containers").Objects().ToDictionary(c => c.Str("name") ?? "");
        foreach (var c in rt.Containers.Where(c => !c.IsInit))
        {
            var limit = specs.TryGetValue(c.Name, out var spec) ? Quantity.Bytes(spec.Str("resources.limits.memory")) : 0;
            if (ctx.Kubelet.Usage(rt, c, now, limit) is { } u) yield return (c.Name, u.NanoCpu, u.Memory);
        }
    }

    private static JsonObject? PodMetrics(SimContext ctx, JsonObject pod, DateTimeOffset now)
    {
        var containers = new JsonArray();
        foreach (var (name, cpu, mem) in ContainerUsage(ctx, pod, now))
        {
            containers.Add(new JsonObject { ["name"] = name, ["usage"] = new JsonObject { ["cpu"] = cpu + "n", ["memory"] = Quantity.FormatKi(mem) } });
        }

        if (containers.Count == 0) return null;
        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = pod.Name(),
                ["namespace"] = pod.Namespace(),
                ["creationTimestamp"] = Json.Timestamp(now),
                ["labels"] = pod.Obj("metadata.labels")?.DeepClone(),
            },
            ["timestamp"] = Json.Timestamp(now),
            ["window"] = "10.002s",
            ["containers"] = containers,
        };
    }
}
