using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeMedic.Core.Policy;

namespace KubeMedic.Kubernetes.Repair;

/// <summary>Limits of the ConfigMap audit store. The defaults keep the ConfigMap well under the API server's 1 MiB limit.</summary>
public sealed record ConfigMapAuditOptions
{
    /// <summary>One data key holds at most this many bytes; the day then continues in the next key (<c>DAY.1.jsonl</c>, ...).</summary>
    public int MaxKeyBytes { get; init; } = 256 * 1024;

    /// <summary>All data values together stay at or below this (the API server rejects a ConfigMap whose data exceeds 1 MiB).</summary>
    public int MaxTotalBytes { get; init; } = 900 * 1024;

    /// <summary>Keys whose day ended less than this long ago are never evicted (the autopilot's rate limits read the last day).</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(1);

    /// <summary>How often an append re-reads and retries after a 409 Conflict (another writer got there first) or a transient error.</summary>
    public int MaxAttempts { get; init; } = 20;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Evicted entries are written here, one <c>audit-evicted</c> line each, so the pod log keeps them. Null: not written.</summary>
    public TextWriter? Log { get; init; }
}

/// <summary>
/// The in-cluster audit log: JSON lines in the data of one ConfigMap, written only through KubernetesClient.
/// <para>
/// Layout: one key per UTC day, <c>YYYY-MM-DD.jsonl</c>; when a key would grow past <see cref="ConfigMapAuditOptions.MaxKeyBytes"/>
/// (256 KiB) the day continues in <c>YYYY-MM-DD.1.jsonl</c>, <c>.2</c>, ... When all data would exceed
/// <see cref="ConfigMapAuditOptions.MaxTotalBytes"/> (900 KiB), the oldest keys are evicted first, but never a key whose day ended less than
/// <see cref="ConfigMapAuditOptions.Retention"/> (1 day) ago; evicted lines are written to the log (the pod's stdout) as
/// <c>audit-evicted</c> lines. If that does not make room the append fails, and the action it records is not taken.
/// </para>
/// <para>
/// Concurrency: every update is a PUT carrying the resourceVersion last read; a 409 Conflict (another writer appended first) re-reads
/// the ConfigMap and appends again, so two writers never lose an entry. A missing ConfigMap is created (409 AlreadyExists: re-read).
/// </para>
/// <para>
/// <see cref="Read"/> serves the copy of the last read or write (refreshed by every append and by <see cref="RefreshAsync"/>): the
/// leader is the only writer, as the file store assumes one writer per directory.
/// </para>
/// </summary>
public sealed partial class ConfigMapAuditStore : IAuditStore
{
    private readonly IKubernetes _client;
    private readonly ConfigMapAuditOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly object _cacheGate = new();
    private V1ConfigMap? _current;
    private (string? Version, List<AuditEntry> Entries)? _parsed;
    private long _conflicts;

    public ConfigMapAuditStore(IKubernetes client, string ns, string name, ConfigMapAuditOptions? options = null)
    {
        _client = client;
        Namespace = ns;
        Name = name;
        _options = options ?? new ConfigMapAuditOptions();
    }

    public string Namespace { get; }

    public string Name { get; }

    public string Location => $"configmap {Namespace}/{Name}";

    /// <summary>409 Conflicts met (and retried) by this instance's appends.</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    /// <summary>Opens the store and reads the ConfigMap once (it need not exist yet: the first append creates it).</summary>
    public static async Task<ConfigMapAuditStore> OpenAsync(IKubernetes client, string ns, string name, ConfigMapAuditOptions? options = null, CancellationToken ct = default)
    {
        var store = new ConfigMapAuditStore(client, ns, name, options);
        await store.RefreshAsync(ct);
        return store;
    }

    /// <summary>Re-reads the ConfigMap (entries other writers appended become visible to <see cref="Read"/>).</summary>
    public async Task RefreshAsync(CancellationToken ct = default)
    {
        var current = await KubeObjectApi.RetryTransientAsync(() => GetAsync(ct), _options.MaxAttempts, TimeSpan.FromMilliseconds(50), ct);
        lock (_cacheGate)
        {
            _current = current;
        }
    }

    public async Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var line = AuditRecords.Line(entry) + "\n";
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var delay = TimeSpan.FromMilliseconds(50);
            var conflictDelay = TimeSpan.FromMilliseconds(5);
            for (var attempt = 1; ; attempt++)
            {
                V1ConfigMap? current;
                lock (_cacheGate)
                {
                    current = _current;
                }

                try
                {
                    var evicted = new List<(string Key, string Value)>();
                    if (current is null)
                    {
                        var created = await _client.CoreV1.CreateNamespacedConfigMapAsync(New(Place(new Dictionary<string, string>(StringComparer.Ordinal), entry, line, evicted)), Namespace, cancellationToken: cancellationToken);
                        Remember(created);
                        return;
                    }

                    var data = new Dictionary<string, string>(current.Data ?? new Dictionary<string, string>(), StringComparer.Ordinal);
                    var body = new V1ConfigMap
                    {
                        ApiVersion = "v1",
                        Kind = "ConfigMap",
                        Metadata = current.Metadata, // carries resourceVersion: a stale one is a 409
                        Data = Place(data, entry, line, evicted),
                        BinaryData = current.BinaryData,
                    };
                    Remember(await _client.CoreV1.ReplaceNamespacedConfigMapAsync(body, Name, Namespace, cancellationToken: cancellationToken));
                    foreach (var (key, value) in evicted)
                    {
                        Evicted(key, value); // only once the update that drops them has landed
                    }

                    return;
                }
                catch (HttpOperationException ex) when (attempt < _options.MaxAttempts && ex.Response.StatusCode == HttpStatusCode.Conflict)
                {
                    // Another writer appended (or created the ConfigMap) since we read it: read again and append on top. Wait a
                    // random, growing moment first: a writer appending a burst needs no read between its writes, and would
                    // otherwise win every race against one that must read again.
                    Interlocked.Increment(ref _conflicts);
                    await Task.Delay(conflictDelay * (0.5 + Random.Shared.NextDouble()), cancellationToken);
                    conflictDelay = KubeObjectApi.Doubled(conflictDelay, TimeSpan.FromSeconds(1));
                    await RefreshAsync(cancellationToken);
                }
                catch (HttpOperationException ex) when (attempt < _options.MaxAttempts && current is not null && ex.Response.StatusCode == HttpStatusCode.NotFound)
                {
                    await RefreshAsync(cancellationToken); // deleted under us: the next attempt creates it
                }
                catch (Exception ex) when (attempt < _options.MaxAttempts && KubeObjectApi.Transient(ex) && !cancellationToken.IsCancellationRequested)
                {
                    await Task.Delay(delay, cancellationToken);
                    delay = KubeObjectApi.Doubled(delay, TimeSpan.FromSeconds(2));
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public IReadOnlyList<AuditEntry> Read(DateTimeOffset? since = null)
    {
        List<AuditEntry> entries;
        lock (_cacheGate)
        {
            var version = _current?.Metadata?.ResourceVersion;
            if (_parsed is not { } p || p.Version != version || _current is null)
            {
                _parsed = (version, Parse(_current?.Data));
            }

            entries = _parsed.Value.Entries;
        }

        return entries.Where(e => since is null || e.At >= since).ToList();
    }

    /// <summary>The data key of day <paramref name="day"/>, part <paramref name="part"/> (0: <c>YYYY-MM-DD.jsonl</c>).</summary>
    public static string Key(DateOnly day, int part) =>
        day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + (part == 0 ? "" : "." + part.ToString(CultureInfo.InvariantCulture)) + ".jsonl";

    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.jsonl$")]
    private static partial Regex KeyPattern();

    private static (DateOnly Day, int Part)? ParseKey(string key)
    {
        var m = KeyPattern().Match(key);
        return m.Success && DateOnly.TryParseExact(m.Groups[1].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? (day, m.Groups[2].Success ? int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : 0)
            : null;
    }

    private static List<AuditEntry> Parse(IDictionary<string, string>? data)
    {
        if (data is null)
        {
            return [];
        }

        return data.Select(kv => (Key: ParseKey(kv.Key), kv.Value))
            .Where(k => k.Key is not null)
            .OrderBy(k => k.Key!.Value.Day).ThenBy(k => k.Key!.Value.Part)
            .SelectMany(k => k.Value.Split('\n').Select(AuditRecords.Parse).OfType<AuditEntry>())
            .OrderBy(e => e.At) // stable: equal times keep the order they were written in
            .ToList();
    }

    /// <summary>Adds <paramref name="line"/> to the key of its day (rolling to the next part when full), evicting old keys for room.</summary>
    private Dictionary<string, string> Place(Dictionary<string, string> data, AuditEntry entry, string line, List<(string Key, string Value)> evicted)
    {
        var day = DateOnly.FromDateTime(entry.At.UtcDateTime);
        var lineBytes = Encoding.UTF8.GetByteCount(line);
        if (lineBytes > _options.MaxTotalBytes)
        {
            throw new InvalidOperationException($"audit entry of {lineBytes} bytes does not fit in configmap {Namespace}/{Name} (at most {_options.MaxTotalBytes} bytes)");
        }

        var part = data.Keys.Select(ParseKey).Where(k => k is { } v && v.Day == day).Select(k => k!.Value.Part).DefaultIfEmpty(0).Max();
        var key = Key(day, part);
        if (data.TryGetValue(key, out var existing) && existing.Length > 0 && Encoding.UTF8.GetByteCount(existing) + lineBytes > _options.MaxKeyBytes)
        {
            key = Key(day, part + 1);
        }

        var total = data.Values.Sum(v => (long)Encoding.UTF8.GetByteCount(v));
        if (total + lineBytes > _options.MaxTotalBytes)
        {
            var horizon = DateOnly.FromDateTime((_options.Time.GetUtcNow() - _options.Retention).UtcDateTime);
            var evictable = data.Keys.Select(k => (Key: k, Parsed: ParseKey(k)))
                .Where(k => k.Parsed is { } p && p.Day < horizon && k.Key != key) // the day ended before now - retention
                .OrderBy(k => k.Parsed!.Value.Day).ThenBy(k => k.Parsed!.Value.Part)
                .Select(k => k.Key).ToList();
            foreach (var old in evictable)
            {
                if (total + lineBytes <= _options.MaxTotalBytes)
                {
                    break;
                }

                total -= Encoding.UTF8.GetByteCount(data[old]);
                evicted.Add((old, data[old]));
                data.Remove(old);
            }

            if (total + lineBytes > _options.MaxTotalBytes)
            {
                throw new InvalidOperationException(
                    $"configmap {Namespace}/{Name} is full ({total} of {_options.MaxTotalBytes} bytes, nothing older than {_options.Retention.TotalHours.ToString(CultureInfo.InvariantCulture)}h to evict); the action is not taken without an audit record");
            }
        }

        data[key] = (data.TryGetValue(key, out var before) ? before : "") + line;
        return data;
    }

    private void Evicted(string key, string value)
    {
        if (_options.Log is not { } log)
        {
            return;
        }

        lock (log)
        {
            foreach (var l in value.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                log.WriteLine($"audit-evicted {Namespace}/{Name} {key} {l}");
            }

            log.Flush();
        }
    }

    private V1ConfigMap New(Dictionary<string, string> data) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = new V1ObjectMeta
        {
            Name = Name,
            NamespaceProperty = Namespace,
            Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "kubemedic", ["app.kubernetes.io/component"] = "audit" },
        },
        Data = data,
    };

    private void Remember(V1ConfigMap written)
    {
        lock (_cacheGate)
        {
            _current = written;
        }
    }

    private async Task<V1ConfigMap?> GetAsync(CancellationToken ct)
    {
        try
        {
            return await _client.CoreV1.ReadNamespacedConfigMapAsync(Name, Namespace, cancellationToken: ct);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            throw new UnauthorizedAccessException(
                $"audit configmap {Namespace}/{Name}: {(int)ex.Response.StatusCode} {ex.Response.StatusCode}; the audit store needs get and update on it (deploy/rbac.yaml, Role kubemedic-audit)", ex);
        }
    }
}
