using System.Text.Json;
using System.Text.Json.Serialization;
using KubeMedic.Core.Findings;

namespace KubeMedic.Observability.Receiver;

public enum IncidentChangeKind
{
    Opened,
    Updated,
    Unchanged,
    Resolved,
}

/// <summary>The part of an incident record the receiver needs (notifications, escalation).</summary>
public sealed record IncidentSummary(
    string Id,
    string Title,
    SevLevel Severity,
    bool Open,
    DateTimeOffset OpenedAt,
    DateTimeOffset? ResolvedAt,
    IReadOnlyList<ObjectRef> Objects,
    int FiringAlerts,
    bool Escalated,
    string? Diagnosis);

public sealed record IncidentChange(IncidentChangeKind Kind, IncidentSummary Incident);

/// <summary>
/// Where alert-driven incidents go. One incident per Alertmanager group (groupKey) while it is open: a firing alert opens or updates
/// it, a repeat of an alert already recorded (same fingerprint, same start) is <see cref="IncidentChangeKind.Unchanged"/>, and when
/// every alert of the group has resolved the incident resolves. <see cref="FileIncidentSink"/> is the default; the lead wires the
/// shared incident store (Core/Incidents) behind this interface.
/// </summary>
public interface IIncidentSink
{
    Task<IncidentChange> OpenOrUpdateAsync(AlertSignal alert, AlertDiagnosis? diagnosis, CancellationToken ct);

    /// <summary>Returns null when no open incident knows this alert.</summary>
    Task<IncidentChange?> ResolveAsync(AlertSignal alert, CancellationToken ct);

    Task<IReadOnlyList<IncidentSummary>> OpenIncidentsAsync(CancellationToken ct);

    Task MarkEscalatedAsync(string incidentId, CancellationToken ct);
}

/// <summary>A JSON file per incident under one directory, written atomically. Good enough for one receiver process.</summary>
public sealed class FileIncidentSink : IIncidentSink
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, Converters = { new JsonStringEnumConverter() } };
    private readonly string dir;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim gate = new(1, 1);

    public FileIncidentSink(string directory, TimeProvider time)
    {
        dir = directory;
        this.time = time;
        Directory.CreateDirectory(dir);
    }

    public sealed class AlertEntry
    {
        public required string Fingerprint { get; set; }
        public required string AlertName { get; set; }
        public required string Status { get; set; }
        public required Dictionary<string, string> Labels { get; set; }
        public Dictionary<string, string> Annotations { get; set; } = [];
        public DateTimeOffset StartsAt { get; set; }
        public DateTimeOffset? EndsAt { get; set; }
        public DateTimeOffset LastSeen { get; set; }
        public int Notifications { get; set; }
    }

    public sealed class TimelineEntry
    {
        public DateTimeOffset At { get; set; }
        public required string Text { get; set; }
    }

    /// <summary>The file format (camelCase JSON).</summary>
    public sealed class Record
    {
        public required string Id { get; set; }
        public required string Title { get; set; }
        public SevLevel Severity { get; set; }
        public string Status { get; set; } = "open";
        public required string GroupKey { get; set; }
        public DateTimeOffset OpenedAt { get; set; }
        public DateTimeOffset UpdatedAt { get; set; }
        public DateTimeOffset? ResolvedAt { get; set; }
        public bool Escalated { get; set; }
        public List<ObjectRef> Objects { get; set; } = [];
        public List<AlertEntry> Alerts { get; set; } = [];
        public List<TimelineEntry> Timeline { get; set; } = [];
        public string? Diagnosis { get; set; }
        public List<string> Evidence { get; set; } = [];
        public List<string> EvidenceMissing { get; set; } = [];
    }

    public async Task<IncidentChange> OpenOrUpdateAsync(AlertSignal alert, AlertDiagnosis? diagnosis, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            var now = time.GetUtcNow();
            var record = Load().FirstOrDefault(r => r.Status == "open" && r.GroupKey == alert.GroupKey);
            IncidentChangeKind kind;
            if (record is null)
            {
                record = new Record
                {
                    Id = $"INC-{now:yyyyMMdd-HHmmss}-{alert.Fingerprint[..Math.Min(6, alert.Fingerprint.Length)]}",
                    Title = alert.Summary,
                    Severity = alert.Severity,
                    GroupKey = alert.GroupKey,
                    OpenedAt = now,
                };
                record.Timeline.Add(new TimelineEntry { At = alert.StartsAt.Year > 1 ? alert.StartsAt : now, Text = $"{alert.AlertName} started firing" });
                record.Timeline.Add(new TimelineEntry { At = now, Text = $"incident opened as {AlertSignal.SevText(alert.Severity)} from Alertmanager" });
                kind = IncidentChangeKind.Opened;
            }
            else
            {
                kind = IncidentChangeKind.Updated;
            }

            var entry = record.Alerts.FirstOrDefault(a => a.Fingerprint == alert.Fingerprint);
            if (kind == IncidentChangeKind.Updated && entry is { Status: "firing" } && entry.StartsAt == alert.StartsAt)
            {
                entry.LastSeen = now;
                kind = IncidentChangeKind.Unchanged;
            }
            else
            {
                if (entry is null)
                {
                    entry = new AlertEntry { Fingerprint = alert.Fingerprint, AlertName = alert.AlertName, Status = "firing", Labels = new(alert.Labels) };
                    record.Alerts.Add(entry);
                    if (kind == IncidentChangeKind.Updated)
                    {
                        record.Timeline.Add(new TimelineEntry { At = now, Text = $"{alert.AlertName} firing for {Describe(alert)}" });
                    }
                }
                else
                {
                    record.Timeline.Add(new TimelineEntry { At = now, Text = $"{alert.AlertName} firing again for {Describe(alert)}" });
                }

                entry.Status = "firing";
                entry.StartsAt = alert.StartsAt;
                entry.EndsAt = null;
                entry.Annotations = new(alert.Annotations);
                entry.LastSeen = now;
                foreach (var o in alert.Objects.Where(o => !record.Objects.Contains(o)))
                {
                    record.Objects.Add(o);
                }

                if (alert.Severity < record.Severity)
                {
                    record.Timeline.Add(new TimelineEntry { At = now, Text = $"severity raised from {AlertSignal.SevText(record.Severity)} to {AlertSignal.SevText(alert.Severity)} by {alert.AlertName}" });
                    record.Severity = alert.Severity;
                }
            }

            if (diagnosis is not null && kind != IncidentChangeKind.Unchanged)
            {
                record.Diagnosis = diagnosis.Summary;
                record.Evidence = diagnosis.Evidence.ToList();
                record.EvidenceMissing = diagnosis.Missing.ToList();
                record.Timeline.Add(new TimelineEntry { At = now, Text = $"diagnosis: {diagnosis.Summary}" });
            }

            record.UpdatedAt = now;
            Save(record);
            return new IncidentChange(kind, Summary(record));
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<IncidentChange?> ResolveAsync(AlertSignal alert, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            var now = time.GetUtcNow();
            var record = Load().FirstOrDefault(r => r.Status == "open" && r.Alerts.Any(a => a.Fingerprint == alert.Fingerprint));
            if (record is null)
            {
                return null;
            }

            var entry = record.Alerts.First(a => a.Fingerprint == alert.Fingerprint);
            if (entry.Status == "resolved")
            {
                return new IncidentChange(IncidentChangeKind.Unchanged, Summary(record));
            }

            entry.Status = "resolved";
            entry.EndsAt = alert.EndsAt ?? now;
            entry.LastSeen = now;
            record.Timeline.Add(new TimelineEntry { At = entry.EndsAt.Value, Text = $"{alert.AlertName} resolved for {Describe(alert)}" });
            var kind = IncidentChangeKind.Updated;
            if (record.Alerts.All(a => a.Status == "resolved"))
            {
                record.Status = "resolved";
                record.ResolvedAt = now;
                record.Timeline.Add(new TimelineEntry { At = now, Text = "all alerts resolved; incident resolved" });
                kind = IncidentChangeKind.Resolved;
            }

            record.UpdatedAt = now;
            Save(record);
            return new IncidentChange(kind, Summary(record));
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<IReadOnlyList<IncidentSummary>> OpenIncidentsAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            return Load().Where(r => r.Status == "open").Select(Summary).ToList();
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task MarkEscalatedAsync(string incidentId, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            var record = Load().FirstOrDefault(r => r.Id == incidentId);
            if (record is not null)
            {
                record.Escalated = true;
                record.Timeline.Add(new TimelineEntry { At = time.GetUtcNow(), Text = "escalated: still unresolved" });
                Save(record);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public Record? Read(string id) => Load().FirstOrDefault(r => r.Id == id);

    public IReadOnlyList<Record> All() => Load();

    private static string Describe(AlertSignal a) => a.Objects.Count > 0 ? a.Objects[0].ToString() : a.Fingerprint;

    private static IncidentSummary Summary(Record r) => new(r.Id, r.Title, r.Severity, r.Status == "open", r.OpenedAt, r.ResolvedAt, r.Objects,
        r.Alerts.Count(a => a.Status == "firing"), r.Escalated, r.Diagnosis);

    private List<Record> Load()
    {
        var list = new List<Record>();
        foreach (var file in Directory.EnumerateFiles(dir, "INC-*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize<Record>(File.ReadAllText(file), Json) is { } r)
                {
                    list.Add(r);
                }
            }
            catch (JsonException)
            {
                // a hand-edited or foreign file: skip it rather than fail every webhook
            }
        }

        return list.OrderBy(r => r.OpenedAt).ToList();
    }

    private void Save(Record r)
    {
        var path = Path.Combine(dir, r.Id + ".json");
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(r, Json));
        File.Move(tmp, path, overwrite: true);
    }
}
