using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace KubeMedic.Observability.Receiver;

/// <summary>opened, updated, resolved or escalated.</summary>
public sealed record IncidentNotification(string Event, IncidentSummary Incident, AlertSignal? Alert, AlertDiagnosis? Diagnosis);

public interface INotifier
{
    string Name { get; }

    Task NotifyAsync(IncidentNotification notification, CancellationToken ct);
}

/// <summary>Shared HTTP posting with one retry; failures throw <see cref="HttpRequestException"/> for the dispatcher to count and log.</summary>
public abstract class WebhookNotifier(Uri url, HttpClient http) : INotifier
{
    public abstract string Name { get; }

    protected abstract JsonObject Body(IncidentNotification n);

    public async Task NotifyAsync(IncidentNotification notification, CancellationToken ct)
    {
        var body = Body(notification).ToJsonString();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using var response = await http.PostAsync(url, content, ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                if (attempt >= 2 || (int)response.StatusCode < 500)
                {
                    throw new HttpRequestException($"{Name} webhook answered HTTP {(int)response.StatusCode}");
                }
            }
            catch (HttpRequestException) when (attempt < 2)
            {
            }
            catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
            {
                if (attempt >= 2)
                {
                    throw new HttpRequestException($"{Name} webhook timed out", ex);
                }
            }
        }
    }

    internal static string Text(IncidentNotification n)
    {
        var i = n.Incident;
        var sev = AlertSignal.SevText(i.Severity);
        var what = i.Objects.Count > 0 ? string.Join(", ", i.Objects.Take(3)) : "cluster";
        return n.Event switch
        {
            "opened" => $":rotating_light: *[{sev}] {i.Id} opened*: {i.Title}\nObjects: {what}",
            "updated" => $":warning: *[{sev}] {i.Id} updated*: {n.Alert?.Summary ?? i.Title} ({i.FiringAlerts} alert(s) firing)",
            "resolved" => $":white_check_mark: *[{sev}] {i.Id} resolved*: {i.Title}",
            "escalated" => $":fire: *[{sev}] {i.Id} ESCALATED*: unresolved since {i.OpenedAt:HH:mm} UTC — {i.Title}",
            _ => $"[{sev}] {i.Id} {n.Event}: {i.Title}",
        } + (n.Diagnosis is { } d ? $"\nDiagnosis: {d.Summary}" : "");
    }
}

/// <summary>A Slack incoming-webhook message: <c>text</c> plus a mrkdwn section block (also accepted by Mattermost and Rocket.Chat).</summary>
public sealed class SlackNotifier(Uri url, HttpClient http) : WebhookNotifier(url, http)
{
    public override string Name => "slack";

    protected override JsonObject Body(IncidentNotification n)
    {
        var text = Text(n);
        var blocks = new JsonArray(new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = text } });
        if (n.Diagnosis is { Evidence.Count: > 0 } d)
        {
            blocks.Add(new JsonObject
            {
                ["type"] = "context",
                ["elements"] = new JsonArray(d.Evidence.Take(3).Select(e => (JsonNode)new JsonObject { ["type"] = "mrkdwn", ["text"] = e }).ToArray()),
            });
        }

        return new JsonObject { ["text"] = text, ["blocks"] = blocks };
    }
}

/// <summary>A generic JSON webhook: <c>{event, incident{...}, alert{...}, diagnosis{...}}</c>.</summary>
public sealed class JsonWebhookNotifier(Uri url, HttpClient http) : WebhookNotifier(url, http)
{
    public override string Name => "webhook";

    protected override JsonObject Body(IncidentNotification n)
    {
        var i = n.Incident;
        var body = new JsonObject
        {
            ["event"] = n.Event,
            ["incident"] = new JsonObject
            {
                ["id"] = i.Id, ["title"] = i.Title, ["severity"] = AlertSignal.SevText(i.Severity), ["status"] = i.Open ? "open" : "resolved",
                ["openedAt"] = i.OpenedAt, ["resolvedAt"] = i.ResolvedAt, ["firingAlerts"] = i.FiringAlerts, ["escalated"] = i.Escalated,
                ["objects"] = new JsonArray(i.Objects.Select(o => (JsonNode)JsonValue.Create(o.ToString())).ToArray()),
            },
        };
        if (n.Alert is { } a)
        {
            body["alert"] = new JsonObject
            {
                ["name"] = a.AlertName, ["status"] = a.Firing ? "firing" : "resolved", ["fingerprint"] = a.Fingerprint, ["code"] = a.Code,
                ["summary"] = a.Summary, ["labels"] = new JsonObject(a.Labels.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
            };
        }

        if (n.Diagnosis is { } d)
        {
            body["diagnosis"] = new JsonObject
            {
                ["summary"] = d.Summary,
                ["evidence"] = new JsonArray(d.Evidence.Select(e => (JsonNode)JsonValue.Create(e)).ToArray()),
                ["missing"] = new JsonArray(d.Missing.Select(e => (JsonNode)JsonValue.Create(e)).ToArray()),
            };
        }

        return body;
    }
}

/// <summary>Sends a notification to every notifier; a failing notifier is logged and counted, never fatal.</summary>
public sealed class NotificationDispatcher(IReadOnlyList<INotifier> notifiers, ReceiverMetrics metrics, ILogger logger)
{
    public async Task SendAsync(IncidentNotification n, CancellationToken ct)
    {
        foreach (var notifier in notifiers)
        {
            try
            {
                await notifier.NotifyAsync(n, ct);
                metrics.Notification(notifier.Name, "ok");
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                metrics.Notification(notifier.Name, "error");
                logger.LogWarning("notification {Event} for {Incident} via {Notifier} failed: {Error}", n.Event, n.Incident.Id, notifier.Name, ex.Message);
            }
        }
    }
}

/// <summary>Escalates SEV1/SEV2 incidents that stay open longer than <c>after</c>, once each.</summary>
public sealed class EscalationMonitor(IIncidentSink sink, NotificationDispatcher dispatcher, ReceiverMetrics metrics, TimeProvider time, TimeSpan after, ILogger logger)
{
    public async Task<int> CheckAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var escalated = 0;
        foreach (var incident in await sink.OpenIncidentsAsync(ct))
        {
            if (incident.Severity <= SevLevel.Sev2 && !incident.Escalated && now - incident.OpenedAt >= after)
            {
                await sink.MarkEscalatedAsync(incident.Id, ct);
                logger.LogWarning("escalating {Incident} ({Severity}): open for {Minutes:0} min", incident.Id, AlertSignal.SevText(incident.Severity), (now - incident.OpenedAt).TotalMinutes);
                await dispatcher.SendAsync(new IncidentNotification("escalated", incident with { Escalated = true }, null, null), ct);
                metrics.Escalation();
                escalated++;
            }
        }

        return escalated;
    }

    /// <summary>Checks every <paramref name="interval"/> until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, ct);
                await CheckAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                logger.LogError("escalation check failed: {Error}", ex.Message);
            }
        }
    }
}
