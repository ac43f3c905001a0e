using System.Globalization;
using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Controllers;

/// <summary>
/// Writes core/v1 Events the way client-go's recorder does: one Event per (object, reason, message, source), whose
/// count and lastTimestamp grow when it repeats. Node events go to the "default" namespace.
/// </summary>
internal sealed class EventRecorder
{
    private readonly SimContext _ctx;
    private readonly Dictionary<string, string> _byKey = new(StringComparer.Ordinal);
    private long _seq;

    public EventRecorder(SimContext ctx)
    {
        _ctx = ctx;
    }

    public bool Enabled { get; set; } = true;

    public void Normal(JsonObject obj, string reason, string message, string component, string? host = null, string? fieldPath = null) =>
        Record(obj, "Normal", reason, message, component, host, fieldPath);

    public void Warning(JsonObject obj, string reason, string message, string component, string? host = null, string? fieldPath = null) =>
        Record(obj, "Warning", reason, message, component, host, fieldPath);

    public void Record(JsonObject obj, string type, string reason, string message, string component, string? host = null, string? fieldPath = null)
    {
        if (!Enabled) return;
        var now = _ctx.Now;
        var ns = obj.Namespace() is { Length: > 0 } n ? n : "default";
        var key = $"{obj.Uid()}|{fieldPath}|{reason}|{message}|{component}|{host}|{type}";
        lock (_byKey)
        {
            if (_byKey.TryGetValue(key, out var existingName) && _ctx.Store.Get(Resources.Events, ns, existingName) is { } existing)
            {
                var copy = existing.Clone();
                copy["count"] = (existing.Long("count") ?? 1) + 1;
                copy["lastTimestamp"] = Json.Timestamp(now);
                try
                {
                    _ctx.Store.Update(Resources.Events, copy);
                    return;
                }
                catch (ApiException)
                {
                    // fall through and create a fresh one
                }
            }

            var name = $"{obj.Name()}.{(now.ToUnixTimeMilliseconds() * 1000 + (Interlocked.Increment(ref _seq) % 1000)).ToString("x", CultureInfo.InvariantCulture)}";
            var involved = new JsonObject
            {
                ["kind"] = obj.Str("kind"),
                ["namespace"] = obj.Namespace(),
                ["name"] = obj.Name(),
                ["uid"] = obj.Uid(),
                ["apiVersion"] = obj.Str("apiVersion"),
                ["resourceVersion"] = obj.Str("metadata.resourceVersion"),
            };
            if (obj.Namespace() is null) involved.Remove("namespace");
            if (fieldPath is not null) involved["fieldPath"] = fieldPath;
            var source = new JsonObject { ["component"] = component };
            if (host is not null) source["host"] = host;
            var ev = new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
                ["involvedObject"] = involved,
                ["reason"] = reason,
                ["message"] = message,
                ["source"] = source,
                ["firstTimestamp"] = Json.Timestamp(now),
                ["lastTimestamp"] = Json.Timestamp(now),
                ["count"] = 1,
                ["type"] = type,
                ["eventTime"] = null,
                ["reportingComponent"] = component,
                ["reportingInstance"] = host ?? "",
            };
            try
            {
                _ctx.Store.Create(Resources.Events, ev);
                _byKey[key] = name;
            }
            catch (ApiException)
            {
                // namespace gone or name clash: events are best effort, as in client-go
            }
        }
    }
}
