using System.Text.RegularExpressions;
using KubeMedic.Core.Incidents;
using KubeMedic.Core.Model;

namespace KubeMedic.Cli.Commands;

/// <summary>Builds the <see cref="Observation"/> of a diagnosed model: the incident window, the trigger, the correlation.</summary>
internal static partial class ObservationBuilder
{
    /// <summary>The observation, and where the incident window starts (the rollout before the symptom, or 10 min before it).</summary>
    public static (Observation Observation, DateTimeOffset WindowStart) Build(ClusterModel model, RespondDiagnosis diagnosis, TimeProvider time)
    {
        var timeline = ModelAdapters.Timeline(model);
        var workloads = ModelAdapters.Workloads(model, diagnosis.Findings);
        var primary = diagnosis.Findings.Count > 0 ? ResponseFlow.Primary(diagnosis.Findings) : null;
        var target = primary?.Owner ?? primary?.Object;
        string? trigger = null;
        var triage = diagnosis.Triage;
        var windowStart = DateTimeOffset.MinValue;
        if (primary is not null && target is not null)
        {
            var rollout = TimelineFacts.LatestRollout(timeline, target);
            var first = TimelineFacts.FirstSymptom(timeline, primary);
            if (rollout is { } r && first is not null && first.At >= r.Entry.At)
            {
                var image = ImageOf().Match(r.Entry.Text) is { Success: true } m ? m.Groups["image"].Value : "?";
                trigger = $"rollout of {target} revision {r.Revision} (image {image}) at {r.Entry.At.UtcDateTime:HH:mm:ss}";
            }

            windowStart = rollout is { } r2 && (first is null || first.At >= r2.Entry.At) ? r2.Entry.At
                : first is not null ? first.At.AddMinutes(-10) : DateTimeOffset.MinValue;
            if (triage is not null && triage.Correlation is null && TimelineFacts.Correlation(timeline, primary) is { } correlation)
            {
                triage = triage with { Correlation = correlation };
            }
        }

        return (new Observation
        {
            Findings = diagnosis.Findings,
            Triage = triage,
            ClusterTimeline = [.. timeline.Where(e => e.At >= windowStart)],
            Workloads = workloads,
            Trigger = trigger,
            LeadingHypothesis = diagnosis.LeadingHypothesis,
            ObservedAt = model.ObservedAt ?? time.GetUtcNow(),
        }, windowStart);
    }

    [GeneratedRegex(@"image (?<image>[^,)]+)")]
    private static partial Regex ImageOf();
}
