using System.Globalization;
using System.Text;

namespace KubeMedic.Core.Incidents;

/// <summary>A paste-ready stakeholder message for the incident's current state (Statuspage style).</summary>
public sealed record StatusUpdateMessage(IncidentStatus Status, string Title, string Body, string ComponentStatus)
{
    /// <summary>Title, component status and body as one block of text, ready for Slack or a status page.</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        sb.AppendLine(Title);
        sb.AppendLine($"Component status: {ComponentStatus}");
        sb.AppendLine();
        sb.AppendLine(Body);
        return sb.ToString();
    }
}

/// <summary>
/// Composes status updates. The wording follows the Statuspage states (Investigating / Identified / Monitoring /
/// Resolved) and PagerDuty's stakeholder guidance: what is affected, what we know, what we are doing, when the next update is.
/// Every fact comes from the record; nothing is invented.
/// </summary>
public static class StatusUpdate
{
    public static StatusUpdateMessage Compose(IncidentRecord record) => Compose(record, record.Status);

    public static StatusUpdateMessage Compose(IncidentRecord record, IncidentStatus status)
    {
        var sev = record.Triage?.Severity ?? "SEV?";
        var services = record.Triage?.AffectedServices is { Count: > 0 } s ? string.Join(", ", s) : Subject(record);
        var impact = record.Triage?.Impact;
        var title = $"[{sev}] {status}: {record.Title}";
        var sb = new StringBuilder();
        switch (status)
        {
            case IncidentStatus.Investigating:
                sb.Append(CultureInfo.InvariantCulture, $"We are investigating a problem affecting {services}.");
                if (impact is not null)
                {
                    sb.Append(" Impact: ").Append(TrimDot(impact)).Append('.');
                }

                if (record.Triage?.Correlation is { } corr)
                {
                    sb.Append(" What we see so far: ").Append(TrimDot(corr)).Append('.');
                }

                sb.Append(" Next update in 30 minutes or sooner if anything changes.");
                break;
            case IncidentStatus.Identified:
                sb.Append(CultureInfo.InvariantCulture, $"The cause of the problem affecting {services} has been identified");
                sb.Append(record.RootCause is { } cause ? $": {TrimDot(cause)}." : ".");
                var planned = record.Actions.LastOrDefault(a => a.DryRun);
                sb.Append(planned is not null ? $" A fix is being applied: {TrimDot(planned.Description)}." : " A fix is being prepared.");
                sb.Append(" Next update in 30 minutes.");
                break;
            case IncidentStatus.Monitoring:
                var applied = record.Actions.LastOrDefault(a => !a.DryRun);
                sb.Append(applied is not null ? $"A fix has been applied to {services}: {TrimDot(applied.Description)}." : $"A fix has been applied to {services}.");
                if (applied?.Verification is { } v)
                {
                    sb.Append(CultureInfo.InvariantCulture, $" Verification: {TrimDot(v.Summary)}.");
                }

                sb.Append(" We are monitoring the results.");
                break;
            case IncidentStatus.Resolved:
                sb.Append(CultureInfo.InvariantCulture, $"This incident has been resolved. {Capital(services)} is operating normally.");
                if (record.RootCause is { } rc)
                {
                    sb.Append(CultureInfo.InvariantCulture, $" Cause: {TrimDot(rc)}.");
                }

                if (record.ResolvedAt is { } at)
                {
                    var duration = at - record.CreatedAt;
                    sb.Append(CultureInfo.InvariantCulture, $" Duration: {FormatDuration(duration)} from the incident being opened.");
                }

                sb.Append(" A postmortem will follow.");
                break;
        }

        return new StatusUpdateMessage(status, title, sb.ToString(), ComponentStatus(record, status));
    }

    /// <summary>Statuspage component status: Operational / Degraded Performance / Partial Outage / Major Outage.</summary>
    public static string ComponentStatus(IncidentRecord record, IncidentStatus status)
    {
        if (status == IncidentStatus.Resolved)
        {
            return "Operational";
        }

        if (status == IncidentStatus.Monitoring)
        {
            return "Degraded Performance";
        }

        var lost = record.Triage?.CapacityLostPercent;
        return record.Triage?.Severity switch
        {
            "SEV1" => "Major Outage",
            _ when lost >= 100 => "Major Outage",
            "SEV2" => "Partial Outage",
            _ when lost > 0 => "Partial Outage",
            _ => "Degraded Performance",
        };
    }

    public static string FormatDuration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        if (span.TotalHours >= 1)
        {
            return $"{(int)span.TotalHours} h {span.Minutes} min";
        }

        if (span.TotalMinutes >= 1)
        {
            return $"{(int)span.TotalMinutes} min {span.Seconds} s";
        }

        return $"{span.Seconds} s";
    }

    private static string Subject(IncidentRecord record)
    {
        var primary = record.PrimaryFinding();
        if (primary is not null)
        {
            var o = primary.Owner ?? primary.Object;
            return o.Namespace is null ? o.Name : $"{o.Name} ({o.Namespace})";
        }

        return "the affected service";
    }

    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private static string TrimDot(string s) => s.Trim().TrimEnd('.');
}
