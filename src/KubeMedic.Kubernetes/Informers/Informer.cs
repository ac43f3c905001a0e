using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubeMedic.Kubernetes.Informers;

public enum InformerEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>A change seen by an informer: kind and namespace/name key.</summary>
public readonly record struct InformerEvent(InformerEventType Type, string Kind, string Key);

/// <summary>Counters for tests and /metrics.</summary>
public sealed class InformerStats
{
    private long _lists;
    private long _watches;
    private long _gone;
    private long _errors;
    private long _bookmarks;
    private long _events;
    private long _stalls;

    public long Lists => Interlocked.Read(ref _lists);
    public long Watches => Interlocked.Read(ref _watches);
    public long Gone => Interlocked.Read(ref _gone);
    public long Errors => Interlocked.Read(ref _errors);
    public long Bookmarks => Interlocked.Read(ref _bookmarks);
    public long Events => Interlocked.Read(ref _events);

    /// <summary>Watches abandoned because nothing arrived for longer than the idle limit (a dead connection the server never closed).</summary>
    public long Stalls => Interlocked.Read(ref _stalls);

    internal void List() => Interlocked.Increment(ref _lists);
    internal void Watch() => Interlocked.Increment(ref _watches);
    internal void GoneSeen() => Interlocked.Increment(ref _gone);
    internal void Error() => Interlocked.Increment(ref _errors);
    internal void Bookmark() => Interlocked.Increment(ref _bookmarks);
    internal void Event() => Interlocked.Increment(ref _events);
    internal void Stall() => Interlocked.Increment(ref _stalls);
}

/// <summary>
/// A list+watch cache of one resource kind, through KubernetesClient: list, then watch from the list's resourceVersion with
/// bookmarks; resume the watch from the last seen resourceVersion when it ends or fails; relist on 410 Gone (emitting the
/// differences as events, so nothing that changed while the watch was down is missed). Objects are kept as compact UTF-8 JSON,
/// optionally trimmed of fields nobody reads, and compressed (Brotli) when larger than <see cref="CompressAbove"/> bytes, in blocks of
/// objects compressed together (<see cref="PackedStore"/>): on a 10,000-pod cluster the cache is otherwise most of the managed heap.
/// A watch that stays silent for longer than <see cref="WatchIdleTimeout"/> is abandoned and resumed: the server ends every watch
/// after its timeoutSeconds, so a longer silence means a dead connection (a half-open TCP stream, a proxy that stopped forwarding)
/// that would otherwise hang the informer forever - KubernetesClient puts no client-side timeout on watch requests.
/// KubernetesClient has no informers of its own (kubernetes-client/csharp#659).
/// </summary>
public sealed class Informer<T, TList>
    where T : class, IKubernetesObject<V1ObjectMeta>
    where TList : class, IKubernetesObject<V1ListMeta>, IItems<T>
{
    /// <summary>One list page (watch false: <paramref name="continueToken"/> pages, limit 500) or a watch (watch true).</summary>
    public delegate Task<HttpOperationResponse<TList>> ListCall(bool watch, string? resourceVersion, string? continueToken, CancellationToken ct);

    private readonly ListCall _call;
    private readonly string _apiVersion;
    private readonly ChannelWriter<InformerEvent>? _events;
    private readonly TimeProvider _time;
    private readonly PackedStore _store = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Func<T, bool>? _keep;
    private readonly Func<T, byte>? _summarize;
    private readonly Action<T>? _trim;
    private string? _resourceVersion;

    public Informer(string kind, string apiVersion, ListCall call, ChannelWriter<InformerEvent>? events, TimeProvider? time = null,
        Func<T, bool>? keep = null, Func<T, byte>? summarize = null, Action<T>? trim = null)
    {
        _trim = trim;
        _keep = keep;
        _summarize = summarize;
        Kind = kind;
        _apiVersion = apiVersion;
        _call = call;
        _events = events;
        _time = time ?? TimeProvider.System;
    }

    public string Kind { get; }

    /// <summary>
    /// Abandon a watch (and resume it from the last resourceVersion) when nothing - no event, no bookmark, no end of stream -
    /// arrived for this long. Longer than the server-side watch timeout, so a healthy watch never hits it.
    /// </summary>
    public TimeSpan WatchIdleTimeout { get; init; } = TimeSpan.FromSeconds(330);

    /// <summary>Objects whose JSON is longer than this are kept compressed (and decompressed when read). Negative: never.</summary>
    public int CompressAbove { get; init; } = 512;

    public InformerStats Stats { get; } = new();

    public Task Synced => _synced.Task;

    public int Count => _store.Count;

    /// <summary>The latest resourceVersion seen (from the list, an event or a bookmark).</summary>
    public string? ResourceVersion => Volatile.Read(ref _resourceVersion);

    public JsonObject? Get(string key) => _store.Get(key) is { } json ? JsonNode.Parse(json)!.AsObject() : null;

    /// <summary>Each cached object's UTF-8 JSON (decompressed on the way out when it is kept compressed).</summary>
    public IEnumerable<byte[]> RawItems() => _store.Items();

    /// <summary>The small per-object summaries computed when objects arrive (e.g. a pod's state), without parsing the JSON.</summary>
    public IEnumerable<byte> Summaries() => _store.Summaries();

    public IEnumerable<JsonObject> Items() => _store.Items().Select(json => JsonNode.Parse(json)!.AsObject());

    /// <summary>Bytes held for the cached objects (compressed size where compressed).</summary>
    public long StoredBytes => _store.StoredBytes;

    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        var needList = true;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    await ListAsync(ct);
                    needList = false;
                    _synced.TrySetResult();
                }

                var gone = await WatchAsync(ct);
                if (gone)
                {
                    Stats.GoneSeen();
                    needList = true;
                }

                backoff = TimeSpan.FromMilliseconds(100);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Stats.Error();
                if (IsGone(ex))
                {
                    Stats.GoneSeen();
                    needList = true;
                    continue;
                }

                // 5xx, 429, a dropped connection: back off (exponential, capped, jittered), then resume from the last resourceVersion.
                var jitter = TimeSpan.FromMilliseconds(Random.Shared.Next(0, 100));
                try
                {
                    await Task.Delay(backoff + jitter, _time, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, 5000));
            }
        }
    }

    private static bool IsGone(Exception ex) => ex switch
    {
        HttpOperationException h => h.Response.StatusCode == HttpStatusCode.Gone,
        KubernetesException k => k.Status?.Code == 410,
        _ => ex.InnerException is { } inner && IsGone(inner),
    };

    private async Task ListAsync(CancellationToken ct)
    {
        Stats.List();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? continueToken = null;
        string? resourceVersion;
        do
        {
            using var response = await _call(false, null, continueToken, ct);
            var list = response.Body;
            foreach (var item in list.Items)
            {
                var key = Upsert(item, out var type);
                seen.Add(key);
                if (type is { } t)
                {
                    Emit(t, key);
                }
            }

            continueToken = list.Metadata?.ContinueProperty is { Length: > 0 } c ? c : null;
            resourceVersion = list.Metadata?.ResourceVersion;
        }
        while (continueToken is not null);

        foreach (var key in _store.Keys().Where(k => !seen.Contains(k)))
        {
            if (_store.Remove(key))
            {
                Emit(InformerEventType.Deleted, key);
            }
        }

        Volatile.Write(ref _resourceVersion, resourceVersion);
    }

    /// <summary>Watches until the server ends the stream. Returns true when the resourceVersion is gone (410): relist.</summary>
    private async Task<bool> WatchAsync(CancellationToken ct)
    {
        Stats.Watch();
        Exception? error = null;
        using var idle = new CancellationTokenSource(WatchIdleTimeout, _time);
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(ct, idle.Token);
        try
        {
#pragma warning disable CS0618 // the IAsyncEnumerable watch over a typed list call is the supported shape in 21.x
            var stream = _call(true, ResourceVersion, null, watch.Token).WatchAsync<T, TList>(e => error ??= e, watch.Token);
#pragma warning restore CS0618
            await foreach (var (type, item) in stream.WithCancellation(watch.Token))
            {
                idle.CancelAfter(WatchIdleTimeout);
                Stats.Event();
                if (type == WatchEventType.Bookmark)
                {
                    Stats.Bookmark();
                    Volatile.Write(ref _resourceVersion, item.Metadata?.ResourceVersion ?? ResourceVersion);
                    continue;
                }

                if (type == WatchEventType.Deleted)
                {
                    var key = Key(item);
                    if (_store.Remove(key))
                    {
                        Emit(InformerEventType.Deleted, key);
                    }
                }
                else if (type is WatchEventType.Added or WatchEventType.Modified)
                {
                    var key = Upsert(item, out var changed);
                    if (changed is { } t)
                    {
                        Emit(t, key);
                    }
                }

                if (item.Metadata?.ResourceVersion is { } rv)
                {
                    Volatile.Write(ref _resourceVersion, rv);
                }
            }
        }
        catch (Exception ex) when (idle.IsCancellationRequested && !ct.IsCancellationRequested && ex is OperationCanceledException or IOException or HttpRequestException)
        {
            // Silent for too long: the connection is dead. Resume from the last resourceVersion (a 410 then relists).
            Stats.Stall();
            return false;
        }

        if (error is not null)
        {
            if (IsGone(error))
            {
                return true;
            }

            if (error is not JsonException)
            {
                throw new InvalidOperationException($"watch of {Kind} failed: {error.Message}", error);
            }
        }

        return false;
    }

    private static string Key(T item) => item.Metadata?.NamespaceProperty is { Length: > 0 } ns ? $"{ns}/{item.Metadata.Name}" : item.Metadata?.Name ?? "";

    private string Upsert(T item, out InformerEventType? type)
    {
        item.Kind ??= Kind;
        item.ApiVersion ??= _apiVersion;
        var key = Key(item);
        if (_keep is not null && !_keep(item))
        {
            type = _store.Remove(key) ? InformerEventType.Deleted : null;
            return key;
        }

        var rv = item.Metadata?.ResourceVersion ?? "";
        if (_store.IsCurrent(key, rv))
        {
            type = null;
            return key;
        }

        var summary = _summarize?.Invoke(item) ?? 0;
        item.Metadata?.ManagedFields?.Clear(); // server bookkeeping: never used, often the largest part of an object
        _trim?.Invoke(item);
        var json = Encoding.UTF8.GetBytes(KubernetesJson.Serialize(item));
        type = _store.Set(key, rv, json, summary, CompressAbove) ? InformerEventType.Modified : InformerEventType.Added;
        return key;
    }

    private void Emit(InformerEventType type, string key) => _events?.TryWrite(new InformerEvent(type, Kind, key));
}
