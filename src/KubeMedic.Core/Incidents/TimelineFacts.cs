using System.Globalization;
using System.Text.RegularExpressions;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Incidents;

/// <summary>Questions asked of a cluster timeline: when was the latest rollout, when did this finding's symptom first show.</summary>
public static partial class TimelineFacts
{
    /// <summary>The first "Scaled up" entry of the highest revision rolled out for <paramref name="workload"/>, with that revision.</summary>
    public static (TimelineEntry Entry, int Revision)? LatestRollout(IEnumerable<TimelineEntry> timeline, ObjectRef workload)
    {
        var ups = timeline
            .Where(e => e.Source == TimelineSource.Cluster && e.Reason == "ScalingReplicaSet" && e.Object == workload && e.Text.Contains("Scaled up", StringComparison.Ordinal))
            .Select(e => (Entry: e, Revision: Revision().Match(e.Text) is { Success: true } m ? int.Parse(m.Groups["rev"].Value, CultureInfo.InvariantCulture) : 0))
            .ToList();
        if (ups.Count == 0)
        {
            return null;
        }

        var top = ups.Max(u => u.Revision);
        var first = ups.Where(u => u.Revision == top).OrderBy(u => u.Entry.At).First();
        return (first.Entry, first.Revision);
    }

    /// <summary>The event reasons that are the visible symptom of a finding code.</summary>
    public static IReadOnlySet<string> SymptomReasons(string code) => code switch
    {
        FindingCodes.OomKilled => new HashSet<string> { "OOMKilled", "OOMKilling" },
        FindingCodes.CrashLoop => new HashSet<string> { "BackOff", "Error" },
        FindingCodes.ImagePull => new HashSet<string> { "Failed", "ErrImagePull", "ImagePullBackOff" },
        FindingCodes.ConfigMissing => new HashSet<string> { "Failed", "FailedMount", "CreateContainerConfigError" },
        FindingCodes.ReadinessFailing or FindingCodes.LivenessRestarts => new HashSet<string> { "Unhealthy" },
        FindingCodes.Unschedulable or FindingCodes.NodeLost => new HashSet<string> { "FailedScheduling" },
        FindingCodes.RolloutStuck => new HashSet<string> { "ProgressDeadlineExceeded", "Failed", "BackOff", "Unhealthy" },
        _ => new HashSet<string> { "BackOff", "Failed", "Unhealthy", "FailedScheduling", "OOMKilled", "Evicted" },
    };

    /// <summary>
    /// The first entry that shows <paramref name="finding"/>'s symptom on its workload's pods (or a node event naming the
    /// workload, such as the kernel's OOMKilling), at or after <paramref name="after"/> when given.
    /// </summary>
    public static TimelineEntry? FirstSymptom(IEnumerable<TimelineEntry> timeline, Finding finding, DateTimeOffset? after = null)
    {
        var target = finding.Owner ?? finding.Object;
        var reasons = SymptomReasons(finding.Code);
        var podPrefix = target.Name + "-";
        return timeline
            .Where(e => e.Source == TimelineSource.Cluster && e.Reason is { } r && reasons.Contains(r) && (after is null || e.At >= after))
            .Where(e => e.Object == target
                || e.Object is { Kind: "Pod" } p && p.Namespace == target.Namespace && (p.Name.StartsWith(podPrefix, StringComparison.Ordinal) || finding.Pods.Contains(p.Name))
                || e.Object is { Kind: "Node" } && e.Text.Contains(target.Name, StringComparison.Ordinal))
            .OrderBy(e => e.At)
            .FirstOrDefault();
    }

    /// <summary>"first OOMKilled 12 min after revision 2 of deployment order-service (rolled out at 14:30:00)".</summary>
    public static string? Correlation(IEnumerable<TimelineEntry> timeline, Finding finding)
    {
        var list = timeline as IReadOnlyList<TimelineEntry> ?? [.. timeline];
        var target = finding.Owner ?? finding.Object;
        var rollout = LatestRollout(list, target);
        var symptom = FirstSymptom(list, finding, rollout?.Entry.At);
        if (symptom is null)
        {
            return null;
        }

        var at = symptom.At.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        return rollout is not { } r
            ? $"first {symptom.Reason} at {at}; no rollout of {target} in the recorded events"
            : $"first {symptom.Reason} at {at}, {StatusUpdate.FormatDuration(symptom.At - r.Entry.At)} after revision {r.Revision} of {target.Kind.ToLowerInvariant()} {target.Name} (rolled out at {r.Entry.At.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)})";
    }

    [GeneratedRegex(@"revision (?<rev>\d+)")]
    private static partial Regex Revision();
}
