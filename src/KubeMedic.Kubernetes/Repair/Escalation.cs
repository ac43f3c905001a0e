using KubeMedic.Core.Findings;

namespace KubeMedic.Kubernetes.Repair;

/// <summary>Something the autopilot may not or cannot fix: a human must look.</summary>
public sealed record Escalation(
    string FindingId,
    string FindingCode,
    Severity Severity,
    ObjectRef Object,
    string Reason,
    DateTimeOffset At,
    string? SuggestedKubectl = null);

/// <summary>Where escalations are sent. The observability work adds Slack and webhook sinks; implement this to add another.</summary>
public interface INotificationSink
{
    Task NotifyAsync(Escalation escalation, CancellationToken cancellationToken);
}

/// <summary>Writes escalations as one line each to a text writer (stderr by default).</summary>
public sealed class ConsoleNotificationSink(TextWriter? writer = null) : INotificationSink
{
    private readonly TextWriter _writer = writer ?? Console.Error;

    public Task NotifyAsync(Escalation e, CancellationToken cancellationToken) =>
        _writer.WriteLineAsync($"ESCALATION {e.Severity} {e.FindingId}: {e.Reason}");
}
