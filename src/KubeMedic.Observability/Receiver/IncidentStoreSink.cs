using System.Text.Json;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Incidents;
using KubeMedic.Observability.Evidence;

namespace KubeMedic.Observability.Receiver;

/// <summary>
/// The alert receiver's sink over the shared incident store (<see cref="IncidentStore"/>, <c>.kubemedic/incidents/&lt;id&gt;/</c>), so
/// <c>kubemedic incident list|show</c> and <c>postmortem</c> see alert-driven incidents. The Alertmanager group key is the incident's
/// DedupKey; the state of each alert of the group (fingerprint, firing/resolved, start) is kept beside the record in
/// <c>alerts.json</c>. Metric evidence goes into the record's hypotheses and metric series (postmortem charts).
/// </summary>
public sealed class IncidentStoreSink(IncidentStore store) : IIncidentSink
{
    public const string AlertsFile = "alerts.json";
    private static readonly JsonSerializerOptions Json = new(IncidentStore.JsonOptions);
    private readonly SemaphoreSlim gate = new(1, 1);

    public IncidentStore Store => store;

    public sealed class AlertState
    {
        public string Fingerprint { get; set; } = "";
        public string AlertName { get; set; } = "";
        public bool Firing { get; set; }
        public DateTimeOffset StartsAt { get; set; }
        public DateTimeOffset? EndsAt { get; set; }
    }

    public sealed class ReceiverState
    {
        public bool Escalated { get; set; }
        public List<AlertState> Alerts { get; set; } = [];
    }

    public async Task<IncidentChange> OpenOrUpdateAsync(AlertSignal alert, AlertDiagnosis? diagnosis, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            var now = store.Time.GetUtcNow();
            var existing = store.List().FirstOrDefault(r => r.DedupKey == alert.GroupKey && r.Status != IncidentStatus.Resolved);
            var record = existing ?? store.Open(alert.Summary, $"alert:{alert.AlertName}", alert.GroupKey, init: r =>
            {
                r.Labels = new Dictionary<string, string>(alert.Labels);
                r.Detection = $"Alertmanager alert {alert.AlertName}" + (alert.GeneratorUrl is { Length: > 0 } g ? $" ({g})" : "");
                r.Triage = new IncidentTriage
                {
                    Severity = AlertSignal.SevText(alert.Severity),
                    Impact = alert.Annotations.TryGetValue("description", out var d) ? d : alert.Summary,
                    AffectedServices = alert.Objects.Where(o => o.Kind is "Deployment" or "StatefulSet" or "DaemonSet" or "Service").Select(o => o.Name).Distinct().ToList(),
                    Rationale = $"from the alert's severity label '{(alert.Labels.TryGetValue("severity", out var s) ? s : "none")}'",
                };
                r.Timeline.Add(new TimelineEntry { At = alert.StartsAt.Year > 1 ? alert.StartsAt : now, Source = TimelineSource.Alert, Text = $"{alert.AlertName} started firing", Object = alert.Objects.FirstOrDefault() });
            });
            var state = ReadState(record.Id);
            var entry = state.Alerts.FirstOrDefault(a => a.Fingerprint == alert.Fingerprint);
            var kind = existing is null ? IncidentChangeKind.Opened : IncidentChangeKind.Updated;
            if (existing is not null && entry is { Firing: true } && entry.StartsAt == alert.StartsAt)
            {
                return new IncidentChange(IncidentChangeKind.Unchanged, Summary(record, state));
            }

            if (entry is null)
            {
                entry = new AlertState { Fingerprint = alert.Fingerprint, AlertName = alert.AlertName };
                state.Alerts.Add(entry);
            }

            entry.Firing = true;
            entry.StartsAt = alert.StartsAt;
            entry.EndsAt = null;
            record = store.Update(record.Id, r =>
            {
                if (kind == IncidentChangeKind.Updated)
                {
                    r.Timeline.Add(new TimelineEntry { At = now, Source = TimelineSource.Alert, Text = $"{alert.AlertName} firing: {alert.Summary}", Object = alert.Objects.FirstOrDefault() });
                }

                if (r.Triage is { } triage && ParseSev(triage.Severity) is { } current && alert.Severity < current)
                {
                    r.Triage = triage with { Severity = AlertSignal.SevText(alert.Severity), Rationale = $"raised by {alert.AlertName}" };
                    r.Timeline.Add(new TimelineEntry { At = now, Source = TimelineSource.Alert, Text = $"severity raised to {AlertSignal.SevText(alert.Severity)} by {alert.AlertName}" });
                }

                if (diagnosis is not null)
                {
                    r.Hypotheses.Add(new Hypothesis
                    {
                        Statement = diagnosis.Memory is { } m ? MemoryStatement(m.Pattern) : diagnosis.Summary,
                        Verdict = diagnosis.Memory is { Pattern: MemoryPattern.Leak or MemoryPattern.LimitTooLow or MemoryPattern.Spike } ? HypothesisVerdict.Confirmed : HypothesisVerdict.Open,
                        Data = [.. diagnosis.Evidence, .. diagnosis.Missing.Select(x => "not checked: " + x)],
                        FindingCode = alert.Code,
                    });
                    foreach (var s in diagnosis.Series.Where(s => s.Points.Count > 1))
                    {
                        r.Metrics.RemoveAll(x => x.Query == s.Query);
                        r.Metrics.Add(new MetricEvidence
                        {
                            Query = s.Query, Label = s.Label, Unit = s.Unit, Threshold = s.Threshold, ThresholdLabel = s.ThresholdLabel,
                            Points = s.Points.Select(p => new MetricPoint(p.Time, p.Value)).ToList(),
                        });
                    }

                    if (diagnosis.Findings is { Count: > 0 } findings)
                    {
                        IncidentStore.MergeFindings(r, findings);
                    }

                    r.Timeline.Add(new TimelineEntry { At = now, Source = TimelineSource.KubeMedic, Text = $"metric evidence: {diagnosis.Summary}" });
                }
            });
            WriteState(record.Id, state);
            return new IncidentChange(kind, Summary(record, state));
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
            var now = store.Time.GetUtcNow();
            foreach (var record in store.List().Where(r => r.Status != IncidentStatus.Resolved))
            {
                var state = ReadState(record.Id);
                var entry = state.Alerts.FirstOrDefault(a => a.Fingerprint == alert.Fingerprint);
                if (entry is null)
                {
                    continue;
                }

                if (!entry.Firing)
                {
                    return new IncidentChange(IncidentChangeKind.Unchanged, Summary(record, state));
                }

                entry.Firing = false;
                entry.EndsAt = alert.EndsAt ?? now;
                WriteState(record.Id, state);
                var allResolved = state.Alerts.All(a => !a.Firing);
                var updated = store.Update(record.Id, r =>
                {
                    r.Timeline.Add(new TimelineEntry { At = entry.EndsAt.Value, Source = TimelineSource.Alert, Text = $"{alert.AlertName} resolved", Object = alert.Objects.FirstOrDefault() });
                    if (allResolved)
                    {
                        IncidentStore.ApplyStatus(r, IncidentStatus.Resolved, "All alerts resolved (Alertmanager).", now);
                    }
                });
                return new IncidentChange(allResolved ? IncidentChangeKind.Resolved : IncidentChangeKind.Updated, Summary(updated, state));
            }

            return null;
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
            return store.List().Where(r => r.Status != IncidentStatus.Resolved).Select(r => Summary(r, ReadState(r.Id))).ToList();
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
            var state = ReadState(incidentId);
            state.Escalated = true;
            WriteState(incidentId, state);
            store.AddTimeline(incidentId, new TimelineEntry { At = store.Time.GetUtcNow(), Source = TimelineSource.KubeMedic, Text = "escalated: still unresolved" });
        }
        finally
        {
            gate.Release();
        }
    }

    private static string MemoryStatement(MemoryPattern p) => p switch
    {
        MemoryPattern.Leak => "Memory leak: the working set grows steadily until the OOM kill",
        MemoryPattern.LimitTooLow => "Memory limit too low: the working set plateaus at the limit",
        MemoryPattern.Spike => "Memory spike: a sudden jump from a low baseline triggers the OOM kill",
        _ => "Memory usage pattern before the OOM kill",
    };

    private static SevLevel? ParseSev(string? text) =>
        text is { Length: 4 } t && t.StartsWith("SEV", StringComparison.OrdinalIgnoreCase) && t[3] is >= '1' and <= '4' ? (SevLevel)(t[3] - '0') : null;

    private static IncidentSummary Summary(IncidentRecord r, ReceiverState state) => new(
        r.Id, r.Title, ParseSev(r.Triage?.Severity) ?? SevLevel.Sev3, r.Status != IncidentStatus.Resolved, r.CreatedAt, r.ResolvedAt,
        ObjectsOf(r), state.Alerts.Count(a => a.Firing), state.Escalated, r.Hypotheses.LastOrDefault()?.Statement);

    private static IReadOnlyList<ObjectRef> ObjectsOf(IncidentRecord r) =>
        KubeMedic.Observability.Receiver.AlertmanagerWebhook.Objects(r.Labels);

    private ReceiverState ReadState(string id)
    {
        var path = Path.Combine(store.FolderOf(id), AlertsFile);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<ReceiverState>(File.ReadAllText(path), Json) ?? new ReceiverState() : new ReceiverState();
        }
        catch (JsonException)
        {
            return new ReceiverState();
        }
    }

    private void WriteState(string id, ReceiverState state) =>
        AtomicFile.WriteAllText(Path.Combine(store.FolderOf(id), AlertsFile), JsonSerializer.Serialize(state, Json));
}
