using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace KubeMedic.Observability.Receiver;

/// <summary>Counters for <c>/metrics</c>, in the Prometheus text exposition format 0.0.4.</summary>
public sealed class ReceiverMetrics
{
    private readonly ConcurrentDictionary<string, long> requests = new();
    private readonly ConcurrentDictionary<string, long> alerts = new();
    private readonly ConcurrentDictionary<string, long> rejected = new();
    private readonly ConcurrentDictionary<string, long> incidents = new();
    private readonly ConcurrentDictionary<(string, string), long> notifications = new();
    private long escalations;

    public void Request(int code) => requests.AddOrUpdate(code.ToString(CultureInfo.InvariantCulture), 1, (_, v) => v + 1);

    public void Alert(bool firing) => alerts.AddOrUpdate(firing ? "firing" : "resolved", 1, (_, v) => v + 1);

    public void Rejected(string reason) => rejected.AddOrUpdate(reason, 1, (_, v) => v + 1);

    public void Incident(IncidentChangeKind kind) => incidents.AddOrUpdate(kind.ToString().ToLowerInvariant(), 1, (_, v) => v + 1);

    public void Notification(string notifier, string result) => notifications.AddOrUpdate((notifier, result), 1, (_, v) => v + 1);

    public void Escalation() => Interlocked.Increment(ref escalations);

    public string Render(int openIncidents)
    {
        var sb = new StringBuilder();
        void Counter(string name, string help, IEnumerable<(string Labels, long Value)> values)
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n').Append("# TYPE ").Append(name).Append(" counter\n");
            foreach (var (labels, value) in values)
            {
                sb.Append(name).Append(labels).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        Counter("kubemedic_receiver_requests_total", "Webhook requests by HTTP status.", requests.OrderBy(k => k.Key).Select(k => ($"{{code=\"{k.Key}\"}}", k.Value)));
        Counter("kubemedic_receiver_alerts_total", "Alerts received by status.", alerts.OrderBy(k => k.Key).Select(k => ($"{{status=\"{k.Key}\"}}", k.Value)));
        Counter("kubemedic_receiver_rejected_total", "Webhook requests rejected, by reason.", rejected.OrderBy(k => k.Key).Select(k => ($"{{reason=\"{k.Key}\"}}", k.Value)));
        Counter("kubemedic_receiver_incident_changes_total", "Incident changes by kind.", incidents.OrderBy(k => k.Key).Select(k => ($"{{kind=\"{k.Key}\"}}", k.Value)));
        Counter("kubemedic_receiver_notifications_total", "Notifications sent, by notifier and result.", notifications.OrderBy(k => k.Key).Select(k => ($"{{notifier=\"{k.Key.Item1}\",result=\"{k.Key.Item2}\"}}", k.Value)));
        Counter("kubemedic_receiver_escalations_total", "Incidents escalated.", [("", Interlocked.Read(ref escalations))]);
        sb.Append("# HELP kubemedic_receiver_open_incidents Open incidents.\n# TYPE kubemedic_receiver_open_incidents gauge\n")
          .Append("kubemedic_receiver_open_incidents ").Append(openIncidents.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return sb.ToString();
    }
}
