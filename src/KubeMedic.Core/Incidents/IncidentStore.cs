using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Incidents;

/// <summary>
/// The incident records on disk: one folder per incident, <c>&lt;root&gt;/&lt;id&gt;/incident.json</c> plus the rendered
/// <c>incident.md</c>. Writes go to a temp file and are renamed into place, under a lock file, so a crash never leaves a
/// half-written record and two processes (the <c>serve</c> webhook and a CLI user) never lose each other's updates.
/// </summary>
public sealed class IncidentStore
{
    public const string JsonFile = "incident.json";
    public const string MarkdownFile = "incident.md";

    private static readonly JsonSerializerOptions Json = CreateJsonOptions();
    private readonly TimeProvider _time;

    public IncidentStore(string root, TimeProvider? time = null)
    {
        Root = Path.GetFullPath(root);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The folder that holds one sub-folder per incident.</summary>
    public string Root { get; }

    public TimeProvider Time => _time;

    /// <summary><c>.kubemedic/incidents</c> under <paramref name="baseDirectory"/> (default: the current directory), or <c>$KUBEMEDIC_INCIDENTS</c>.</summary>
    public static string DefaultRoot(string? baseDirectory = null)
    {
        var env = Environment.GetEnvironmentVariable("KUBEMEDIC_INCIDENTS");
        if (!string.IsNullOrWhiteSpace(env) && baseDirectory is null)
        {
            return env;
        }

        return Path.Combine(baseDirectory ?? Environment.CurrentDirectory, ".kubemedic", "incidents");
    }

    /// <summary>The JSON options used for incident.json (camelCase, enums as strings, nulls left out).</summary>
    public static JsonSerializerOptions JsonOptions => Json;

    /// <summary>
    /// Opens a new incident in state Investigating, with an automatic first timeline entry.
    /// When <paramref name="dedupKey"/> matches an incident that is not resolved, that incident is returned instead.
    /// </summary>
    public IncidentRecord Open(string title, string openedBy, string? dedupKey = null, string? cluster = null, Action<IncidentRecord>? init = null)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            throw new UserInputException("incident title must not be empty");
        }

        using var _ = AcquireLock();
        if (dedupKey is not null)
        {
            var existing = ListUnlocked().FirstOrDefault(r => r.DedupKey == dedupKey && r.Status != IncidentStatus.Resolved);
            if (existing is not null)
            {
                return existing;
            }
        }

        var now = _time.GetUtcNow();
        var record = new IncidentRecord
        {
            Id = NextId(now),
            Title = title.Trim(),
            OpenedBy = openedBy,
            DedupKey = dedupKey,
            Cluster = cluster,
            CreatedAt = now,
            UpdatedAt = now,
            Status = IncidentStatus.Investigating,
        };
        record.StatusChanges.Add(new StatusChange { At = now, From = null, To = IncidentStatus.Investigating, Message = $"Incident opened by {openedBy}." });
        record.Timeline.Add(new TimelineEntry { At = now, Source = TimelineSource.Status, Text = $"Incident {record.Id} opened ({openedBy}): {record.Title}" });
        init?.Invoke(record);
        WriteUnlocked(record);
        return record;
    }

    /// <summary>All incidents, newest first. Unreadable folders are skipped (and reported by <see cref="Get"/>).</summary>
    public IReadOnlyList<IncidentRecord> List()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }

        return ListUnlocked();
    }

    /// <summary>
    /// The incident with this id (case-insensitive, a unique prefix also works), or "latest" / "last" for the newest one.
    /// Throws <see cref="UserInputException"/> when there is no such incident.
    /// </summary>
    public IncidentRecord Get(string idOrPrefix)
    {
        var id = Resolve(idOrPrefix);
        return ReadUnlocked(id);
    }

    /// <summary>Whether an incident with this exact id exists.</summary>
    public bool Exists(string id) => File.Exists(Path.Combine(Root, id, JsonFile));

    /// <summary>The folder of one incident.</summary>
    public string FolderOf(string id) => Path.Combine(Root, id);

    /// <summary>
    /// Reads the incident, applies <paramref name="mutate"/>, stamps UpdatedAt and writes it back atomically, all under the
    /// store lock. Returns the updated record.
    /// </summary>
    public IncidentRecord Update(string idOrPrefix, Action<IncidentRecord> mutate)
    {
        using var _ = AcquireLock();
        var id = Resolve(idOrPrefix);
        var record = ReadUnlocked(id);
        mutate(record);
        record.UpdatedAt = _time.GetUtcNow();
        WriteUnlocked(record);
        return record;
    }

    /// <summary>Adds a human note to the timeline.</summary>
    public IncidentRecord AddNote(string idOrPrefix, string text, string? author = null)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new UserInputException("note text must not be empty");
        }

        return Update(idOrPrefix, r => r.Timeline.Add(new TimelineEntry
        {
            At = _time.GetUtcNow(),
            Source = TimelineSource.Note,
            Text = text.Trim(),
            Author = author ?? DefaultAuthor(),
        }));
    }

    /// <summary>Adds an automatic timeline entry (a KubeMedic step, a cluster event, an alert).</summary>
    public IncidentRecord AddTimeline(string idOrPrefix, TimelineEntry entry) => Update(idOrPrefix, r => r.Timeline.Add(entry));

    /// <summary>
    /// Moves the incident to <paramref name="to"/>, recording the transition, its message and a timeline entry. Going back
    /// (e.g. Monitoring → Investigating when a fix did not hold) is allowed; a resolved incident cannot change again.
    /// </summary>
    public IncidentRecord SetStatus(string idOrPrefix, IncidentStatus to, string? message = null) => Update(idOrPrefix, r => ApplyStatus(r, to, message, _time.GetUtcNow()));

    /// <summary>Resolves the incident.</summary>
    public IncidentRecord Resolve(string idOrPrefix, string? message = null) => SetStatus(idOrPrefix, IncidentStatus.Resolved, message);

    /// <summary>The status transition rules, usable inside an <see cref="Update"/> callback.</summary>
    public static void ApplyStatus(IncidentRecord record, IncidentStatus to, string? message, DateTimeOffset at)
    {
        if (record.Status == to)
        {
            return;
        }

        if (record.Status == IncidentStatus.Resolved)
        {
            throw new UserInputException($"incident {record.Id} is already resolved");
        }

        var from = record.Status;
        record.Status = to;
        if (to == IncidentStatus.Identified && record.RootCause is null && !string.IsNullOrWhiteSpace(message))
        {
            record.RootCause = message.Trim();
        }

        var text = message ?? StatusUpdate.Compose(record).Body;
        record.StatusChanges.Add(new StatusChange { At = at, From = from, To = to, Message = text });
        record.Timeline.Add(new TimelineEntry { At = at, Source = TimelineSource.Status, Text = $"Status {from} → {to}" + (message is null ? "" : $": {message}") });
        if (to == IncidentStatus.Resolved)
        {
            record.ResolvedAt = at;
        }
    }

    /// <summary>Adds findings, replacing any with the same id (a later diagnosis has the fresher evidence).</summary>
    public static void MergeFindings(IncidentRecord record, IEnumerable<Finding> findings)
    {
        foreach (var finding in findings)
        {
            var index = record.Findings.FindIndex(f => f.Id == finding.Id);
            if (index >= 0)
            {
                record.Findings[index] = finding;
            }
            else
            {
                record.Findings.Add(finding);
            }
        }
    }

    /// <summary>Serializes a record the way the store does.</summary>
    public static string Serialize(IncidentRecord record) => JsonSerializer.Serialize(record, Json);

    /// <summary>Parses incident.json; a malformed file is a <see cref="UserInputException"/> naming the file.</summary>
    public static IncidentRecord Deserialize(string json, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<IncidentRecord>(json, Json) ?? throw new UserInputException($"{path}: empty incident record");
        }
        catch (JsonException ex)
        {
            throw new UserInputException($"{path}: not a valid incident record ({ex.Message})", ex);
        }
    }

    private string Resolve(string idOrPrefix)
    {
        if (string.IsNullOrWhiteSpace(idOrPrefix))
        {
            throw new UserInputException("incident id must not be empty");
        }

        var ids = Directory.Exists(Root)
            ? Directory.GetDirectories(Root).Select(Path.GetFileName).OfType<string>().Where(d => File.Exists(Path.Combine(Root, d, JsonFile))).ToList()
            : [];
        if (idOrPrefix is "latest" or "last")
        {
            var newest = ids.OrderByDescending(id => id, StringComparer.Ordinal).FirstOrDefault();
            return newest ?? throw new UserInputException($"no incidents under {Root}");
        }

        var exact = ids.FirstOrDefault(id => string.Equals(id, idOrPrefix, StringComparison.OrdinalIgnoreCase));
        if (exact is not null)
        {
            return exact;
        }

        var matches = ids.Where(id => id.StartsWith(idOrPrefix, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new UserInputException($"no incident '{idOrPrefix}' under {Root} (see 'kubemedic incident list')"),
            _ => throw new UserInputException($"incident id '{idOrPrefix}' is ambiguous: {string.Join(", ", matches.Take(5))}"),
        };
    }

    private List<IncidentRecord> ListUnlocked()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }

        var records = new List<IncidentRecord>();
        foreach (var dir in Directory.GetDirectories(Root))
        {
            var file = Path.Combine(dir, JsonFile);
            if (!File.Exists(file))
            {
                continue;
            }

            try
            {
                records.Add(Deserialize(File.ReadAllText(file), file));
            }
            catch (UserInputException)
            {
                // A damaged record is reported when it is opened by id; the list shows the rest.
            }
        }

        return [.. records.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id, StringComparer.Ordinal)];
    }

    private IncidentRecord ReadUnlocked(string id)
    {
        var file = Path.Combine(Root, id, JsonFile);
        if (!File.Exists(file))
        {
            throw new UserInputException($"no incident '{id}' under {Root}");
        }

        return Deserialize(File.ReadAllText(file), file);
    }

    private void WriteUnlocked(IncidentRecord record)
    {
        var dir = Path.Combine(Root, record.Id);
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(Path.Combine(dir, JsonFile), Serialize(record) + "\n");
        AtomicFile.WriteAllText(Path.Combine(dir, MarkdownFile), IncidentMarkdown.Render(record));
    }

    private string NextId(DateTimeOffset now)
    {
        var day = now.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var prefix = $"inc-{day}-";
        var taken = Directory.Exists(Root)
            ? Directory.GetDirectories(Root).Select(Path.GetFileName).OfType<string>().Where(d => d.StartsWith(prefix, StringComparison.Ordinal)).ToHashSet()
            : [];
        for (var n = 1; ; n++)
        {
            var id = prefix + n.ToString("000", CultureInfo.InvariantCulture);
            if (!taken.Contains(id))
            {
                return id;
            }
        }
    }

    private FileStream AcquireLock()
    {
        Directory.CreateDirectory(Root);
        var path = Path.Combine(Root, ".lock");
        var deadline = Environment.TickCount64 + 10_000;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (Environment.TickCount64 < deadline)
            {
                Thread.Sleep(20);
            }
            catch (IOException ex)
            {
                throw new IOException($"could not lock the incident store {Root} within 10 s", ex);
            }
        }
    }

    private static string DefaultAuthor() => Environment.GetEnvironmentVariable("KUBEMEDIC_USER") ?? Environment.UserName;

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>Writes a file by writing a temp file beside it and renaming it over the target.</summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string contents)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            using (var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false)))
            {
                writer.Write(contents);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
