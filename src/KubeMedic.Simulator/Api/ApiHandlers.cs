using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KubeMedic.Simulator.Patching;
using KubeMedic.Simulator.Printing;
using KubeMedic.Simulator.Store;
using Microsoft.AspNetCore.Http;

namespace KubeMedic.Simulator.Api;

/// <summary>Generic REST for every stored kind: get, list (Table too), watch, create, update, patch, delete, deletecollection.</summary>
internal sealed partial class ApiHandlers
{
    private static readonly HashSet<string> StatusOnCreateDropped = ["Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "PersistentVolumeClaim", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"];
    private readonly SimContext _ctx;

    public ApiHandlers(SimContext ctx)
    {
        _ctx = ctx;
    }

    private ObjectStore Store => _ctx.Store;

    public async Task HandleAsync(HttpContext http, ApiPath p)
    {
        var method = http.Request.Method;
        if (p.Type.Computed)
        {
            if (method != "GET") throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource");
            await Metrics.HandleAsync(_ctx, http, p);
            return;
        }

        if (p.Subresource is not null)
        {
            await SubresourceAsync(http, p, method);
            return;
        }

        if (p.Name is null)
        {
            switch (method)
            {
                case "GET" when IsWatch(http):
                    await WatchAsync(http, p);
                    return;
                case "GET":
                    await ListAsync(http, p);
                    return;
                case "POST":
                    await CreateAsync(http, p);
                    return;
                case "DELETE":
                    await DeleteCollectionAsync(http, p);
                    return;
                default:
                    throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
            }
        }

        switch (method)
        {
            case "GET":
                await GetAsync(http, p);
                return;
            case "PUT":
                await UpdateAsync(http, p, statusOnly: false);
                return;
            case "PATCH":
                await PatchAsync(http, p, statusOnly: false);
                return;
            case "DELETE":
                await DeleteAsync(http, p);
                return;
            default:
                throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }
    }

    private static bool IsWatch(HttpContext http) => http.Request.Query["watch"].ToString() is "true" or "1";

    private static bool WantsTable(HttpContext http) => http.Request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);

    private static string? Q(HttpContext http, string name) => http.Request.Query.TryGetValue(name, out var v) ? v.ToString() : null;

    /// <summary>Creates an object the way a controller would: defaults, validation, store.</summary>
    public static JsonObject CreateInternal(SimContext ctx, ResourceType rt, JsonObject obj)
    {
        Admission.Default(rt, obj, ctx.Store);
        Admission.Validate(rt, obj);
        return ctx.Store.Create(rt, obj);
    }

    private async Task GetAsync(HttpContext http, ApiPath p)
    {
        var obj = Store.GetRequired(p.Type, p.Namespace, p.Name!);
        if (WantsTable(http))
        {
            await WriteTableAsync(http, p.Type, [obj], Store.CurrentResourceVersion, null);
            return;
        }

        await Router.WriteJson(http, 200, obj);
    }

    private Func<JsonObject, bool> Filter(HttpContext http, ResourceType rt)
    {
        var labels = LabelSelector.Parse(Q(http, "labelSelector"));
        var fields = FieldSelector.Parse(Q(http, "fieldSelector"), rt.Kind);
        return o => labels.Matches(o) && fields.Matches(o);
    }

    private async Task ListAsync(HttpContext http, ApiPath p)
    {
        // Lists in a missing namespace are simply empty, as on a real apiserver.
        var filter = Filter(http, p.Type);
        // Table requests come from kubectl get, whose client-side rate limiter (5 QPS, burst 10) would make paging
        // through a big list take seconds; serve those in one page (allowed: no continue token is returned).
        var limit = int.TryParse(Q(http, "limit"), out var l) && !WantsTable(http) ? l : 0;
        string? after = null;
        if (Q(http, "continue") is { Length: > 0 } token)
        {
            try
            {
                after = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            }
            catch (FormatException)
            {
                throw ApiException.BadRequest("continue key is not valid: illegal base64 data");
            }
        }

        var (items, rv, next) = Store.List(p.Type, p.Namespace, filter, limit, after);
        var cont = next is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes(next));
        if (WantsTable(http))
        {
            await WriteTableAsync(http, p.Type, items, rv, cont);
            return;
        }

        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(http.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("kind", p.Type.Kind + "List");
        writer.WriteString("apiVersion", p.Type.ApiVersion);
        writer.WriteStartObject("metadata");
        writer.WriteString("resourceVersion", rv.ToString(CultureInfo.InvariantCulture));
        if (cont is not null) writer.WriteString("continue", cont);
        writer.WriteEndObject();
        writer.WriteStartArray("items");
        var n = 0;
        foreach (var item in items)
        {
            item.WriteTo(writer);
            if (++n % 200 == 0) await writer.FlushAsync();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync();
    }

    private async Task WriteTableAsync(HttpContext http, ResourceType rt, IReadOnlyList<JsonObject> items, long rv, string? cont)
    {
        var include = Q(http, "includeObject") ?? "Metadata";
        var (columns, row) = TablePrinter.For(rt);
        var now = _ctx.Now;
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(http.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("kind", "Table");
        writer.WriteString("apiVersion", "meta.k8s.io/v1");
        writer.WriteStartObject("metadata");
        writer.WriteString("resourceVersion", rv.ToString(CultureInfo.InvariantCulture));
        if (cont is not null) writer.WriteString("continue", cont);
        writer.WriteEndObject();
        WriteColumns(writer, columns);
        writer.WriteStartArray("rows");
        var n = 0;
        foreach (var item in items)
        {
            WriteRow(writer, item, row(item, now), include);
            if (++n % 1000 == 0) await writer.FlushAsync();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync();
    }

    private static void WriteColumns(Utf8JsonWriter writer, Column[] columns)
    {
        writer.WriteStartArray("columnDefinitions");
        foreach (var c in columns)
        {
            writer.WriteStartObject();
            writer.WriteString("name", c.Name);
            writer.WriteString("type", c.Type);
            writer.WriteString("format", c.Format);
            writer.WriteString("description", c.Description);
            writer.WriteNumber("priority", c.Priority);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<JsonObject, byte[]> RowMetadata = new();

    /// <summary>The PartialObjectMetadata of a row, serialised once per stored object version.</summary>
    private static byte[] BuildRowMetadata(JsonObject item)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("kind", "PartialObjectMetadata");
            w.WriteString("apiVersion", "meta.k8s.io/v1");
            w.WriteStartObject("metadata");
            if (item["metadata"] is JsonObject meta)
            {
                foreach (var (k, v) in meta)
                {
                    if (k is "ownerReferences" or "managedFields" or "annotations" or "finalizers" or "generateName") continue;
                    w.WritePropertyName(k);
                    if (v is null) w.WriteNullValue();
                    else v.WriteTo(w);
                }
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteRow(Utf8JsonWriter writer, JsonObject item, object?[] cells, string include)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("cells");
        foreach (var cell in cells)
        {
            switch (cell)
            {
                case null: writer.WriteNullValue(); break;
                case string s: writer.WriteStringValue(s); break;
                case int i: writer.WriteNumberValue(i); break;
                case long l: writer.WriteNumberValue(l); break;
                case bool b: writer.WriteBooleanValue(b); break;
                default: writer.WriteStringValue(cell.ToString()); break;
            }
        }

        writer.WriteEndArray();
        if (include == "Object")
        {
            writer.WritePropertyName("object");
            item.WriteTo(writer);
        }
        else if (include != "None")
        {
            // kubectl reads name, namespace, labels and timestamps from the row's metadata.
            writer.WritePropertyName("object");
            writer.WriteRawValue(RowMetadata.GetValue(item, BuildRowMetadata), skipInputValidation: true);
        }

        writer.WriteEndObject();
    }

    private async Task WatchAsync(HttpContext http, ApiPath p)
    {
        var filter = Filter(http, p.Type);
        long? fromRv = long.TryParse(Q(http, "resourceVersion"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var rv) ? rv : null;
        var bookmarks = Q(http, "allowWatchBookmarks") is "true" or "1";
        var table = WantsTable(http);
        var include = Q(http, "includeObject") ?? "Metadata";
        var timeout = int.TryParse(Q(http, "timeoutSeconds"), out var ts) && ts > 0 ? TimeSpan.FromSeconds(ts) : TimeSpan.FromMinutes(30 + Random.Shared.Next(30));
        using var sub = Store.Watch(p.Type, p.Namespace, filter, fromRv);
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        http.Response.Headers.CacheControl = "no-cache, private";
        await http.Response.StartAsync();
        await http.Response.Body.FlushAsync();

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        cts.CancelAfter(timeout);
        var lastRv = fromRv ?? Store.CurrentResourceVersion;
        var (columns, row) = TablePrinter.For(p.Type);
        var buffer = new MemoryStream();
        var reader = sub.Channel.Reader;
        try
        {
            while (!cts.IsCancellationRequested)
            {
                var waitTask = reader.WaitToReadAsync(cts.Token).AsTask();
                var done = await Task.WhenAny(waitTask, Task.Delay(TimeSpan.FromSeconds(5), cts.Token));
                if (done != waitTask)
                {
                    if (bookmarks) await WriteEventAsync(http, "BOOKMARK", Bookmark(p.Type, lastRv));
                    continue;
                }

                if (!await waitTask) break;
                while (reader.TryRead(out var ev))
                {
                    lastRv = Math.Max(lastRv, ev.ResourceVersion);
                    buffer.SetLength(0);
                    await using (var w = new Utf8JsonWriter(buffer))
                    {
                        w.WriteStartObject();
                        w.WriteString("type", ev.EventType);
                        w.WritePropertyName("object");
                        if (table)
                        {
                            w.WriteStartObject();
                            w.WriteString("kind", "Table");
                            w.WriteString("apiVersion", "meta.k8s.io/v1");
                            w.WriteStartObject("metadata");
                            w.WriteString("resourceVersion", ev.Object.Str("metadata.resourceVersion"));
                            w.WriteEndObject();
                            WriteColumns(w, columns);
                            w.WriteStartArray("rows");
                            WriteRow(w, ev.Object, row(ev.Object, _ctx.Now), include);
                            w.WriteEndArray();
                            w.WriteEndObject();
                        }
                        else
                        {
                            ev.Object.WriteTo(w);
                        }

                        w.WriteEndObject();
                    }

                    buffer.WriteByte((byte)'\n');
                    buffer.Position = 0;
                    await buffer.CopyToAsync(http.Response.Body, cts.Token);
                }

                await http.Response.Body.FlushAsync(cts.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // timeout or client gone
        }

        if (bookmarks && !http.RequestAborted.IsCancellationRequested)
        {
            try
            {
                await WriteEventAsync(http, "BOOKMARK", Bookmark(p.Type, lastRv));
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
            {
                // the stream is gone
            }
        }
    }

    private static JsonObject Bookmark(ResourceType rt, long rv) => new()
    {
        ["kind"] = rt.Kind,
        ["apiVersion"] = rt.ApiVersion,
        ["metadata"] = new JsonObject
        {
            ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture),
            ["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" },
        },
    };

    private static async Task WriteEventAsync(HttpContext http, string type, JsonObject obj)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj }.ToJsonString() + "\n";
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line));
        await http.Response.Body.FlushAsync();
    }

    private static async Task<JsonNode> ReadBodyAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(http.RequestAborted);
        if (string.IsNullOrWhiteSpace(text)) throw ApiException.BadRequest("the request body is empty");
        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            return JsonNode.Parse(text) ?? throw ApiException.BadRequest("the request body is null");
        }

        try
        {
            var docs = Scenarios.YamlJson.ParseDocuments(text, "request body");
            return docs.FirstOrDefault().Node ?? throw ApiException.BadRequest("the request body is empty");
        }
        catch (ScenarioException ex)
        {
            throw ApiException.BadRequest($"the request body is neither JSON nor YAML: {ex.Message}");
        }
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext http) =>
        await ReadBodyAsync(http) as JsonObject ?? throw ApiException.BadRequest("the request body must be a JSON object");

    private void CheckFields(HttpContext http, ResourceType rt, JsonObject obj)
    {
        var mode = Q(http, "fieldValidation") ?? "Warn";
        if (mode == "Ignore") return;
        var unknown = Schema.UnknownFields(rt.Kind, obj);
        if (unknown.Count == 0) return;
        if (mode == "Strict")
        {
            var list = string.Join(", ", unknown.Select(u => $"unknown field \"{u}\""));
            throw ApiException.BadRequest($"{rt.Kind} in version \"{rt.Version}\" cannot be handled as a {rt.Kind}: strict decoding error: {list}");
        }

        foreach (var u in unknown) http.Response.Headers.Append("Warning", $"299 - \"unknown field \\\"{u}\\\"\"");
    }

    private void CheckNamespace(ResourceType rt, string? ns)
    {
        if (!rt.Namespaced || ns is null) return;
        var obj = Store.Get(Resources.Namespaces, null, ns) ?? throw ApiException.NotFound(Resources.Namespaces, ns);
        if (obj.Str("metadata.deletionTimestamp") is not null)
        {
            throw new ApiException(403, "Forbidden", $"{ApiException.Qualified(rt)} is forbidden: unable to create new content in namespace {ns} because it is being terminated");
        }
    }

    private static void CheckKind(ResourceType rt, JsonObject obj)
    {
        var kind = obj.Str("kind");
        var apiVersion = obj.Str("apiVersion");
        if (kind is not null && kind != rt.Kind) throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({rt.ApiVersion})");
    }

    private async Task CreateAsync(HttpContext http, ApiPath p)
    {
        var obj = await ReadObjectAsync(http);
        CheckKind(p.Type, obj);
        var meta = obj.Ensure("metadata");
        if (p.Type.Namespaced)
        {
            var ns = p.Namespace ?? meta.Str("namespace") ?? "default";
            if (meta.Str("namespace") is { } given && given != ns) throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            meta["namespace"] = ns;
            CheckNamespace(p.Type, ns);
        }

        foreach (var k in new[] { "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "selfLink" }) meta.Remove(k);
        if (StatusOnCreateDropped.Contains(p.Type.Kind)) obj.Remove("status");
        CheckFields(http, p.Type, obj);
        Admission.Default(p.Type, obj, Store);
        if (obj.Name().Length == 0 && meta.Str("generateName") is { Length: > 0 } gen) meta["name"] = gen + Names.RandomSuffix();
        Admission.Validate(p.Type, obj);
        if (Q(http, "dryRun") == "All")
        {
            await Router.WriteJson(http, 201, obj);
            return;
        }

        var created = Store.Create(p.Type, obj);
        await Router.WriteJson(http, 201, created);
    }

    private async Task UpdateAsync(HttpContext http, ApiPath p, bool statusOnly)
    {
        var obj = await ReadObjectAsync(http);
        CheckKind(p.Type, obj);
        var current = Store.GetRequired(p.Type, p.Namespace, p.Name!);
        var meta = obj.Ensure("metadata");
        if (meta.Str("name") is { } n && n != p.Name) throw ApiException.BadRequest($"the name of the object ({n}) does not match the name on the URL ({p.Name})");
        meta["name"] = p.Name;
        if (p.Type.Namespaced) meta["namespace"] = p.Namespace;
        var expectedRv = meta.Str("resourceVersion");
        var result = Merge(p.Type, current, obj, statusOnly);
        CheckFields(http, p.Type, result);
        Admission.Default(p.Type, result, Store);
        Admission.Validate(p.Type, result);
        if (Q(http, "dryRun") == "All")
        {
            await Router.WriteJson(http, 200, result);
            return;
        }

        var updated = Store.Update(p.Type, result, expectedRv);
        await Router.WriteJson(http, 200, updated);
    }

    /// <summary>Status is only written through /status, and /status writes only status.</summary>
    private static JsonObject Merge(ResourceType rt, JsonObject current, JsonObject incoming, bool statusOnly)
    {
        if (statusOnly)
        {
            var result = current.Clone();
            result["status"] = incoming["status"]?.DeepClone();
            return result;
        }

        var copy = incoming.Clone();
        if (rt.Subresources.Contains("status") && rt != Resources.Namespaces)
        {
            if (current["status"] is { } st) copy["status"] = st.DeepClone();
            else copy.Remove("status");
        }

        return copy;
    }

    private async Task PatchAsync(HttpContext http, ApiPath p, bool statusOnly)
    {
        var mediaType = MediaType(http.Request.ContentType);
        var body = await ReadBodyAsync(http);
        for (var attempt = 0; ; attempt++)
        {
            var current = Store.GetRequired(p.Type, p.Namespace, p.Name!);
            var patched = ApplyPatch(p.Type.Kind, mediaType, current, body);
            if (patched.Str("metadata.resourceVersion") is { } prv && prv != current.Str("metadata.resourceVersion"))
            {
                throw ApiException.Conflict(p.Type, p.Name!);
            }

            if (patched.Name() != current.Name()) throw ApiException.BadRequest("metadata.name: Invalid value: the name cannot be changed by a patch");
            var result = Merge(p.Type, current, patched, statusOnly);
            CheckFields(http, p.Type, body as JsonObject ?? result);
            Admission.Default(p.Type, result, Store);
            Admission.Validate(p.Type, result);
            if (Q(http, "dryRun") == "All")
            {
                await Router.WriteJson(http, 200, result);
                return;
            }

            try
            {
                var updated = Store.Update(p.Type, result, current.Str("metadata.resourceVersion"));
                await Router.WriteJson(http, 200, updated);
                return;
            }
            catch (ApiException ex) when (ex.Code == 409 && attempt < 5)
            {
                // The object changed between read and write: the apiserver retries patches.
            }
        }
    }

    public static string MediaType(string? contentType) =>
        (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();

    public static JsonObject ApplyPatch(string kind, string mediaType, JsonObject current, JsonNode body)
    {
        JsonNode? result = mediaType switch
        {
            "application/json-patch+json" => body is JsonArray ops ? JsonPatch.Apply(current, ops) : throw ApiException.BadRequest("json patch must be an array of operations"),
            "application/merge-patch+json" => MergePatch.Apply(current, body),
            "application/strategic-merge-patch+json" => body is JsonObject smp ? StrategicMergePatch.Apply(kind, current, smp) : throw ApiException.BadRequest("strategic merge patch must be a JSON object"),
            "application/apply-patch+yaml" or "application/apply-patch+cbor" => throw ApiException.Unsupported(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json"),
            _ => throw ApiException.Unsupported(
                $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json"),
        };
        return result as JsonObject ?? throw new ApiException(422, "Invalid", "the patch produced something that is not an object");
    }

    private static DeleteOptions ReadDeleteOptions(HttpContext http, JsonObject? body)
    {
        long? grace = long.TryParse(Q(http, "gracePeriodSeconds"), out var g) ? g : body?.Long("gracePeriodSeconds");
        var policy = Q(http, "propagationPolicy") ?? body?.Str("propagationPolicy");
        if (body?.Bool("orphanDependents") == true) policy ??= "Orphan";
        return new DeleteOptions(grace, policy, body?.Str("preconditions.uid"), body?.Str("preconditions.resourceVersion"));
    }

    private async Task<JsonObject?> ReadOptionalObjectAsync(HttpContext http)
    {
        if (http.Request.ContentLength is 0) return null;
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(http.RequestAborted);
        if (string.IsNullOrWhiteSpace(text)) return null;
        return JsonNode.Parse(text) as JsonObject;
    }

    private async Task DeleteAsync(HttpContext http, ApiPath p)
    {
        var body = await ReadOptionalObjectAsync(http);
        var options = ReadDeleteOptions(http, body);
        if (Q(http, "dryRun") == "All" || body?.Arr("dryRun") is { Count: > 0 })
        {
            await Router.WriteJson(http, 200, Store.GetRequired(p.Type, p.Namespace, p.Name!));
            return;
        }

        var result = Lifecycle.Delete(Store, _ctx.Clock, p.Type, p.Namespace, p.Name!, options);
        await Router.WriteJson(http, 200, result);
    }

    private async Task DeleteCollectionAsync(HttpContext http, ApiPath p)
    {
        var body = await ReadOptionalObjectAsync(http);
        var options = ReadDeleteOptions(http, body);
        var filter = Filter(http, p.Type);
        var items = Store.List(p.Type, p.Namespace, filter).Items;
        var deleted = new JsonArray();
        foreach (var item in items)
        {
            try
            {
                deleted.Add(Lifecycle.Delete(Store, _ctx.Clock, p.Type, item.Namespace(), item.Name(), options).DeepClone());
            }
            catch (ApiException ex) when (ex.Code == 404)
            {
                // gone meanwhile
            }
        }

        await Router.WriteJson(http, 200, new JsonObject
        {
            ["kind"] = p.Type.Kind + "List",
            ["apiVersion"] = p.Type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = Store.CurrentResourceVersion.ToString(CultureInfo.InvariantCulture) },
            ["items"] = deleted,
        });
    }

    public static JsonObject StatusSuccess(int code = 200, JsonObject? details = null) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
        ["details"] = details,
        ["code"] = code,
    };
}
