using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using KubeMedic.Core.Policy;

namespace KubeMedic.Kubernetes.Repair;

/// <summary>
/// The durable audit log: JSON lines, one file per UTC day, under <c>~/.kubemedic/audit/</c> (or <c>$KUBEMEDIC_AUDIT_DIR</c>, or a
/// given directory). Every append is flushed to disk (fsync) before it returns. It is also the durable rate-limit store: the
/// autopilot rebuilds its <see cref="ActionHistory"/> from it after a restart.
/// </summary>
public sealed class AuditLog : IAuditStore
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    private readonly TimeProvider _time;
    private readonly object _cacheGate = new();
    private List<AuditEntry>? _cache;

    public AuditLog(string? directory = null, TimeProvider? time = null)
    {
        Directory = directory ?? DefaultDirectory();
        _time = time ?? TimeProvider.System;
    }

    public string Directory { get; }

    public string Location => Directory;

    public static string DefaultDirectory() =>
        Environment.GetEnvironmentVariable("KUBEMEDIC_AUDIT_DIR") is { Length: > 0 } env
            ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kubemedic", "audit");

    /// <summary>Who is acting: $USER@host, or the pod's service account in-cluster.</summary>
    public static string CurrentActor(string mode)
    {
        var user = Environment.GetEnvironmentVariable("KUBEMEDIC_ACTOR")
            ?? (File.Exists("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
                ? $"system:serviceaccount:{File.ReadAllText("/var/run/secrets/kubernetes.io/serviceaccount/namespace").Trim()}:kubemedic"
                : Environment.UserName);
        return $"{user}@{Environment.MachineName} ({mode})";
    }

    public async Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        var line = AuditRecords.Line(entry) + "\n";
        var bytes = Encoding.UTF8.GetBytes(line);
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, $"{entry.At.UtcDateTime:yyyy-MM-dd}.jsonl");
        await Gate.WaitAsync(cancellationToken);
        try
        {
            await using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 4096, FileOptions.WriteThrough);
            await stream.WriteAsync(bytes, cancellationToken);
            stream.Flush(flushToDisk: true);
        }
        finally
        {
            Gate.Release();
        }

        lock (_cacheGate)
        {
            _cache?.Add(JsonSerializer.Deserialize<AuditEntry>(line, Json)!);
        }
    }

    /// <summary>
    /// All entries (optionally since a time), oldest first. Torn last lines (a crash mid-write) are skipped. The files are read once per
    /// instance; later appends through this instance are added in memory (one writer per directory: the leader).
    /// </summary>
    public IReadOnlyList<AuditEntry> Read(DateTimeOffset? since = null)
    {
        lock (_cacheGate)
        {
            _cache ??= ReadFiles(null).ToList();
            return _cache.Where(e => since is null || e.At >= since).OrderBy(e => e.At).ToList();
        }
    }

    private IReadOnlyList<AuditEntry> ReadFiles(DateTimeOffset? since)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        var entries = new List<AuditEntry>();
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*.jsonl").Order(StringComparer.Ordinal))
        {
            if (since is { } s && DateTime.TryParseExact(Path.GetFileNameWithoutExtension(file), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var day) && day.AddDays(1) < s.UtcDateTime)
            {
                continue;
            }

            using var reader = new StreamReader(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            while (reader.ReadLine() is { } line)
            {
                if (AuditRecords.Parse(line) is { } e && (since is null || e.At >= since))
                {
                    entries.Add(e);
                }
            }
        }

        return entries.OrderBy(e => e.At).ToList();
    }
}
