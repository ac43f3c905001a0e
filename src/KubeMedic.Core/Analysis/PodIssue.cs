using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;

namespace KubeMedic.Core.Analysis;

/// <summary>One problem of one pod (or container) before pods are rolled up into a finding per workload.</summary>
internal sealed record PodIssue(
    PodInfo Pod,
    string Code,
    string? SubReason,
    Severity Severity,
    string Summary,
    string Cause,
    IReadOnlyList<Evidence> Evidence,
    Fix? Fix,
    IReadOnlyList<RelatedFinding> Related,
    string? Container = null);

/// <summary>Helpers shared by the analyzers for quoting evidence.</summary>
public static class Quote
{
    public static string Time(DateTimeOffset? t) => t is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) : "?";

    public static Evidence Event(EventInfo e) =>
        new(EvidenceSource.Event, $"{e.Type} {e.Reason} on {e.InvolvedObject.Kind}/{e.InvolvedObject.Name}" + (e.Count > 1 ? $" (x{e.Count}" : " (") + $", last {Time(e.When)}): {Trim(e.Message)}");

    public static Evidence State(PodInfo pod, ContainerStatusInfo cs, ContainerState state, string which)
    {
        var parts = new List<string> { $"reason={state.Reason ?? "-"}" };
        if (state.ExitCode is { } code)
        {
            parts.Add($"exitCode={code}");
        }

        if (state.FinishedAt is { } f)
        {
            parts.Add($"finishedAt={Time(f)}");
        }

        if (!string.IsNullOrWhiteSpace(state.Message))
        {
            parts.Add($"message=\"{Trim(state.Message)}\"");
        }

        return new(EvidenceSource.Status, $"pod {pod.Name} container {cs.Name} {which}.{state.Kind}: {string.Join(" ", parts)} (restartCount {cs.RestartCount})");
    }

    public static string Trim(string? text, int max = 300)
    {
        var s = (text ?? "").ReplaceLineEndings(" ").Trim();
        return s.Length <= max ? s : s[..max] + "…";
    }
}
