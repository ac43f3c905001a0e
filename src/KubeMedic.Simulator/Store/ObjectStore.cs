using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace KubeMedic.Simulator.Store;

/// <summary>One change committed to the store. <see cref="Object"/> is the committed (immutable) object.</summary>
internal sealed record StoreEvent(long ResourceVersion, ResourceType Type, string EventType, JsonObject Object, JsonObject? Old);

/// <summary>
/// The object store: every API object as raw JSON, keyed by resource and namespace/name, with one cluster-wide
/// resourceVersion counter, a bounded event history for resuming watches, and watch fan-out through channels.
/// Committed objects are never mutated: writers hand over a fresh object and readers may share what they get.
/// </summary>
internal sealed class ObjectStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Table> _tables = new(StringComparer.Ordinal);
    private readonly StoreEvent?[] _history;
    private readonly List<WatchSubscription> _watchers = [];
    private readonly TimeProvider _clock;
    private long _historyStart; // index of the oldest kept event in the ring
    private long _historyCount;
    private long _rv = 1000;

    public ObjectStore(TimeProvider clock, int historySize)
    {
        _clock = clock;
        _history = new StoreEvent?[Math.Max(16, historySize)];
    }

    /// <summary>Called synchronously, in commit order, for every change (controllers queue work here).</summary>
    public event Action<StoreEvent>? Committed;

    public long CurrentResourceVersion
    {
        get { lock (_gate) { return _rv; } }
    }

    public static string Key(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : ns + "/" + name;

    public JsonObject? Get(ResourceType rt, string? ns, string name)
    {
        lock (_gate)
        {
            return Table(rt).Get(rt.Namespaced ? ns : null, name);
        }
    }

    public JsonObject GetRequired(ResourceType rt, string? ns, string name) => Get(rt, ns, name) ?? throw ApiException.NotFound(rt, name);

    /// <summary>Lists objects in key order, optionally in one namespace, starting after <paramref name="continueAfter"/>.</summary>
    public (List<JsonObject> Items, long ResourceVersion, string? NextKey) List(
        ResourceType rt, string? ns, Func<JsonObject, bool>? filter = null, int limit = 0, string? continueAfter = null)
    {
        lock (_gate)
        {
            var table = Table(rt);
            var items = new List<JsonObject>();
            string? next = null;
            foreach (var obj in table.Enumerate(rt.Namespaced ? ns : null, continueAfter))
            {
                if (filter is not null && !filter(obj)) continue;
                if (limit > 0 && items.Count == limit)
                {
                    next = KeyOf(items[^1]);
                    break;
                }

                items.Add(obj);
            }

            return (items, _rv, next);
        }
    }

    public List<JsonObject> All(ResourceType rt, string? ns = null) => List(rt, ns).Items;

    public int Count(ResourceType rt)
    {
        lock (_gate) { return Table(rt).Count; }
    }

    /// <summary>Creates an object: fills uid, resourceVersion, creationTimestamp and generation. Takes ownership of <paramref name="obj"/>.</summary>
    public JsonObject Create(ResourceType rt, JsonObject obj)
    {
        var meta = obj.Ensure("metadata");
        var name = meta.Str("name") ?? "";
        if (name.Length == 0 && meta.Str("generateName") is { Length: > 0 } gen)
        {
            name = gen + Names.RandomSuffix();
            meta["name"] = name;
        }

        obj["apiVersion"] = rt.ApiVersion;
        obj["kind"] = rt.Kind;
        lock (_gate)
        {
            var table = Table(rt);
            var ns = rt.Namespaced ? meta.Str("namespace") : null;
            if (!rt.Namespaced) meta.Remove("namespace");
            var key = Key(ns, name);
            if (table.Get(ns, name) is not null) throw ApiException.AlreadyExists(rt, name);
            if (meta.Str("uid") is not { Length: > 0 }) meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = Json.Timestamp(_clock.GetUtcNow());
            if (rt != Resources.Pods && rt != Resources.Events && obj["spec"] is not null) meta["generation"] = 1;
            meta.Remove("deletionTimestamp");
            meta.Remove("resourceVersion");
            Commit(rt, key, "ADDED", obj, null);
            return obj;
        }
    }

    /// <summary>Replaces an object. With <paramref name="expectedRv"/> set, a stale resourceVersion is a 409 Conflict.
    /// The generation is bumped when anything but status or metadata changed. Removing the last finalizer of an
    /// object being deleted deletes it.</summary>
    public JsonObject Update(ResourceType rt, JsonObject obj, string? expectedRv = null)
    {
        lock (_gate)
        {
            var meta = obj.Ensure("metadata");
            var name = meta.Str("name") ?? "";
            var ns = rt.Namespaced ? meta.Str("namespace") : null;
            var key = Key(ns, name);
            var table = Table(rt);
            var old = table.Get(ns, name) ?? throw ApiException.NotFound(rt, name);
            var oldRv = old.Str("metadata.resourceVersion");
            if (!string.IsNullOrEmpty(expectedRv) && expectedRv != oldRv) throw ApiException.Conflict(rt, name);

            obj["apiVersion"] = rt.ApiVersion;
            obj["kind"] = rt.Kind;
            meta["uid"] = old.Str("metadata.uid");
            meta["creationTimestamp"] = old.Str("metadata.creationTimestamp");
            if (old.Str("metadata.deletionTimestamp") is { } dts)
            {
                meta["deletionTimestamp"] = dts;
                if (old.Long("metadata.deletionGracePeriodSeconds") is { } g && meta["deletionGracePeriodSeconds"] is null) meta["deletionGracePeriodSeconds"] = g;
            }

            if (old.Long("metadata.generation") is { } gen)
            {
                var specChanged = !Json.DeepEquals(Without(old, "metadata", "status"), Without(obj, "metadata", "status"));
                meta["generation"] = specChanged ? gen + 1 : gen;
            }

            if (meta.Str("deletionTimestamp") is not null && (meta.Arr("finalizers")?.Count ?? 0) == 0
                && (rt != Resources.Pods || (meta.Long("deletionGracePeriodSeconds") ?? 0) == 0) && rt != Resources.Namespaces)
            {
                meta["resourceVersion"] = oldRv;
                table.Remove(ns, name);
                Commit(rt, key, "DELETED", obj, old, remove: true);
                return obj;
            }

            if (Json.DeepEquals(Without(old, "metadata"), Without(obj, "metadata"))
                && Json.DeepEquals(WithoutRv(old.Obj("metadata")), WithoutRv(meta)))
            {
                return old; // no-op update keeps the resourceVersion, as the apiserver does
            }

            Commit(rt, key, "MODIFIED", obj, old);
            return obj;
        }
    }

    /// <summary>Removes an object at once (finalizers and grace already handled by the caller).</summary>
    public JsonObject? Remove(ResourceType rt, string? ns, string name)
    {
        lock (_gate)
        {
            var key = Key(rt.Namespaced ? ns : null, name);
            var table = Table(rt);
            var old = table.Remove(rt.Namespaced ? ns : null, name);
            if (old is null) return null;
            var gone = old.Clone();
            Commit(rt, key, "DELETED", gone, old, remove: true);
            return gone;
        }
    }

    /// <summary>Starts a watch. Events after <paramref name="fromRv"/> are replayed from history (410 Gone if it is
    /// too old); without one, the current objects are sent as ADDED first.</summary>
    public WatchSubscription Watch(ResourceType rt, string? ns, Func<JsonObject, bool> filter, long? fromRv)
    {
        lock (_gate)
        {
            var sub = new WatchSubscription(this, rt, rt.Namespaced ? ns : null, filter);
            if (fromRv is null or 0)
            {
                foreach (var obj in List(rt, ns, filter).Items)
                {
                    sub.Channel.Writer.TryWrite(new StoreEvent(long.Parse(obj.Str("metadata.resourceVersion") ?? "0", CultureInfo.InvariantCulture), rt, "ADDED", obj, null));
                }
            }
            else
            {
                var oldest = _historyCount == 0 ? _rv : _history[_historyStart % _history.Length]!.ResourceVersion;
                if (fromRv.Value < oldest - 1 && fromRv.Value < _rv)
                {
                    throw ApiException.Gone($"too old resource version: {fromRv.Value} ({oldest - 1})");
                }

                for (long i = 0; i < _historyCount; i++)
                {
                    var ev = _history[(_historyStart + i) % _history.Length]!;
                    if (ev.ResourceVersion > fromRv.Value) sub.Offer(ev);
                }
            }

            _watchers.Add(sub);
            return sub;
        }
    }

    internal void Unsubscribe(WatchSubscription sub)
    {
        lock (_gate)
        {
            _watchers.Remove(sub);
        }
    }

    /// <summary>Closes every open watch (as a restarted apiserver would).</summary>
    public void CloseAllWatches()
    {
        lock (_gate)
        {
            foreach (var w in _watchers) w.Channel.Writer.TryComplete();
            _watchers.Clear();
        }
    }

    private static JsonObject? WithoutRv(JsonObject? meta)
    {
        if (meta is null) return null;
        var c = meta.Clone();
        c.Remove("resourceVersion");
        c.Remove("generation");
        c.Remove("managedFields");
        return c;
    }

    private static JsonObject Without(JsonObject obj, params string[] keys)
    {
        var copy = new JsonObject();
        foreach (var (k, v) in obj)
        {
            if (Array.IndexOf(keys, k) < 0) copy[k] = v?.DeepClone();
        }

        return copy;
    }

    private static string KeyOf(JsonObject obj) => Key(obj.Namespace(), obj.Name());

    private Table Table(ResourceType rt)
    {
        var k = Resources.StorageKey(rt);
        if (!_tables.TryGetValue(k, out var t))
        {
            t = new Table();
            _tables[k] = t;
        }

        return t;
    }

    private void Commit(ResourceType rt, string key, string type, JsonObject obj, JsonObject? old, bool remove = false)
    {
        _rv++;
        obj.Ensure("metadata")["resourceVersion"] = _rv.ToString(CultureInfo.InvariantCulture);
        Json.Materialize(obj);
        if (!remove) Table(rt).Set(rt.Namespaced ? obj.Namespace() : null, obj.Name(), obj);
        var ev = new StoreEvent(_rv, rt, type, obj, old);
        if (_historyCount == _history.Length)
        {
            _historyStart++;
            _historyCount--;
        }

        _history[(_historyStart + _historyCount) % _history.Length] = ev;
        _historyCount++;
        foreach (var w in _watchers)
        {
            w.Offer(ev);
        }

        Committed?.Invoke(ev);
    }
}

/// <summary>Objects of one resource, indexed by namespace then name (lists of one namespace do not scan the others).</summary>
internal sealed class Table
{
    private readonly SortedDictionary<string, SortedDictionary<string, JsonObject>> _byNamespace = new(StringComparer.Ordinal);

    public int Count { get; private set; }

    public JsonObject? Get(string? ns, string name) =>
        _byNamespace.TryGetValue(ns ?? "", out var names) ? names.GetValueOrDefault(name) : null;

    public void Set(string? ns, string name, JsonObject obj)
    {
        if (!_byNamespace.TryGetValue(ns ?? "", out var names))
        {
            names = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            _byNamespace[ns ?? ""] = names;
        }

        if (!names.ContainsKey(name)) Count++;
        names[name] = obj;
    }

    public JsonObject? Remove(string? ns, string name)
    {
        if (!_byNamespace.TryGetValue(ns ?? "", out var names) || !names.Remove(name, out var old)) return null;
        Count--;
        return old;
    }

    /// <summary>Objects in (namespace, name) order, in one namespace or all, after a continue key "ns/name".</summary>
    public IEnumerable<JsonObject> Enumerate(string? ns, string? continueAfter)
    {
        string? afterNs = null, afterName = null;
        if (continueAfter is not null)
        {
            var slash = continueAfter.IndexOf('/');
            (afterNs, afterName) = slash < 0 ? ("", continueAfter) : (continueAfter[..slash], continueAfter[(slash + 1)..]);
        }

        IEnumerable<KeyValuePair<string, SortedDictionary<string, JsonObject>>> spaces = ns is not null
            ? (_byNamespace.TryGetValue(ns, out var one) ? [new(ns, one)] : [])
            : _byNamespace;
        foreach (var (space, names) in spaces)
        {
            if (afterNs is not null && string.CompareOrdinal(space, afterNs) < 0) continue;
            foreach (var (name, obj) in names)
            {
                if (afterNs is not null && space == afterNs && string.CompareOrdinal(name, afterName) <= 0) continue;
                yield return obj;
            }
        }
    }
}

/// <summary>One open watch: a channel of events filtered by resource, namespace and selectors.</summary>
internal sealed class WatchSubscription : IDisposable
{
    private readonly ObjectStore _store;
    private readonly ResourceType _type;
    private readonly string? _ns;
    private readonly Func<JsonObject, bool> _filter;

    public WatchSubscription(ObjectStore store, ResourceType type, string? ns, Func<JsonObject, bool> filter)
    {
        _store = store;
        _type = type;
        _ns = ns;
        _filter = filter;
    }

    public Channel<StoreEvent> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<StoreEvent>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Filters an event for this watch; an object that starts or stops matching becomes ADDED or DELETED.</summary>
    public void Offer(StoreEvent ev)
    {
        if (Resources.StorageKey(ev.Type) != Resources.StorageKey(_type)) return;
        if (_ns is not null && ev.Object.Namespace() != _ns) return;
        var now = _filter(ev.Object);
        var before = ev.Old is not null && ev.EventType == "MODIFIED" && _filter(ev.Old);
        var type = ev.EventType;
        if (type == "MODIFIED")
        {
            if (now && !before) type = "ADDED";
            else if (!now && before) type = "DELETED";
            else if (!now) return;
        }
        else if (!now && !(type == "DELETED" && ev.Old is not null && _filter(ev.Old)))
        {
            return;
        }

        Channel.Writer.TryWrite(type == ev.EventType ? ev : ev with { EventType = type });
    }

    public void Dispose()
    {
        _store.Unsubscribe(this);
        Channel.Writer.TryComplete();
    }
}

internal static class Names
{
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static string RandomSuffix(int length = 5)
    {
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++) chars[i] = Alphabet[Random.Shared.Next(Alphabet.Length)];
        return new string(chars);
    }

    /// <summary>Like Go's rand.SafeEncodeString over the decimal form of a hash: the pod-template-hash style.</summary>
    public static string SafeEncode(uint hash)
    {
        var digits = hash.ToString(CultureInfo.InvariantCulture);
        var chars = new char[digits.Length];
        for (var i = 0; i < digits.Length; i++) chars[i] = Alphabet[digits[i] % Alphabet.Length];
        return new string(chars);
    }

    public static uint Fnv32a(string text)
    {
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 16777619u;
        }

        return hash;
    }
}
