using System.Globalization;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Incidents;

/// <summary>
/// The hypothesis cycle of seed 000 / 004 (hypothesis → verify with data): for the primary finding, the competing
/// explanations and the verdict the available data supports. A hypothesis without deciding data stays open; nothing is
/// confirmed on a guess.
/// </summary>
public static class HypothesisEngine
{
    /// <summary>Least-squares slope in MiB per minute above which memory is "growing".</summary>
    public const double LeakSlopeMiBPerMinute = 1.0;

    public static IReadOnlyList<Hypothesis> Evaluate(
        Finding primary,
        IReadOnlyList<MetricEvidence> metrics,
        IReadOnlyList<TimelineEntry> clusterTimeline,
        WorkloadFacts? workload)
    {
        var list = new List<Hypothesis>();
        var memory = metrics.FirstOrDefault(m => m.Unit == "bytes" && m.Points.Count >= 3);
        switch (primary.Code)
        {
            case FindingCodes.OomKilled:
                list.AddRange(OomHypotheses(primary, memory, workload));
                break;
            default:
                list.Add(new Hypothesis
                {
                    Statement = $"{primary.Object}: {Trim(primary.Cause)}",
                    Verdict = primary.Evidence.Count > 0 ? HypothesisVerdict.Confirmed : HypothesisVerdict.Open,
                    Data = [.. primary.Evidence.Take(3).Select(e => $"{e.Source}: {e.Text}")],
                    FindingCode = primary.Code,
                });
                break;
        }

        if (DeployHypothesis(primary, clusterTimeline) is { } deploy)
        {
            list.Add(deploy);
        }

        return list;
    }

    private static IEnumerable<Hypothesis> OomHypotheses(Finding f, MetricEvidence? memory, WorkloadFacts? workload)
    {
        var limit = memory?.Threshold;
        if (memory is null)
        {
            var evidence = f.Evidence.Where(e => e.Source is EvidenceSource.Status or EvidenceSource.Spec or EvidenceSource.Metric).Take(3).Select(e => $"{e.Source}: {e.Text}").ToList();
            yield return new Hypothesis { Statement = "The memory limit is too low for the normal working set", Verdict = HypothesisVerdict.Open, Data = [.. evidence, "no memory time series available to tell a low limit from a leak"], FindingCode = f.Code };
            yield return new Hypothesis { Statement = "A memory leak: the working set grows until it reaches the limit", Verdict = HypothesisVerdict.Open, Data = ["no memory time series available"], FindingCode = f.Code };
            yield break;
        }

        var (slope, first, peak, segment) = Trend(memory);
        var mib = 1024.0 * 1024;
        var limitText = limit is { } l ? $"{l / mib:0} MiB" : workload?.MemoryLimit ?? "unknown";
        var startData = $"working set {first / mib:0} MiB right after start, limit {limitText}";
        var slopeData = string.Create(CultureInfo.InvariantCulture, $"working set grows {slope:0.0} MiB/min over {segment.Count} samples ({segment[0].At.UtcDateTime:HH:mm:ss}–{segment[^1].At.UtcDateTime:HH:mm:ss}), peak {peak / mib:0} MiB");
        var growing = slope >= LeakSlopeMiBPerMinute;
        var startsLow = limit is { } lim && first < 0.85 * lim;
        var startsHigh = limit is { } lim2 && first >= 0.85 * lim2;

        yield return new Hypothesis
        {
            Statement = "The memory limit is too low for the normal working set",
            Verdict = startsHigh && !growing ? HypothesisVerdict.Confirmed : startsLow && growing ? HypothesisVerdict.RuledOut : HypothesisVerdict.Open,
            Data = [startData],
            FindingCode = f.Code,
        };
        yield return new Hypothesis
        {
            Statement = "A memory leak: the working set grows steadily until it reaches the limit",
            Verdict = growing ? HypothesisVerdict.Confirmed : segment.Count >= 5 ? HypothesisVerdict.RuledOut : HypothesisVerdict.Open,
            Data = [slopeData],
            FindingCode = f.Code,
        };
    }

    private static Hypothesis? DeployHypothesis(Finding f, IReadOnlyList<TimelineEntry> timeline)
    {
        var target = f.Owner ?? f.Object;
        var rollout = TimelineFacts.LatestRollout(timeline, target);
        var symptom = TimelineFacts.FirstSymptom(timeline, f);
        if (rollout is not { } r || symptom is null)
        {
            return null;
        }

        var confirmed = symptom.At >= r.Entry.At;
        return new Hypothesis
        {
            Statement = $"The problem started with the latest rollout of {target} (revision {r.Revision})",
            Verdict = confirmed ? HypothesisVerdict.Confirmed : HypothesisVerdict.RuledOut,
            Data =
            [
                $"{r.Entry.At.UtcDateTime:HH:mm:ss} {r.Entry.Text}",
                $"{symptom.At.UtcDateTime:HH:mm:ss} first {symptom.Reason}: {symptom.Text}" + (confirmed ? $" ({StatusUpdate.FormatDuration(symptom.At - r.Entry.At)} after the rollout)" : " (before the rollout)"),
            ],
            FindingCode = f.Code,
        };
    }

    /// <summary>
    /// The slope (MiB/min) of the longest run of samples without a drop (a restart resets the working set), the first value
    /// of that run, the overall peak, and the run itself.
    /// </summary>
    internal static (double SlopeMiBPerMinute, double First, double Peak, IReadOnlyList<MetricPoint> Segment) Trend(MetricEvidence m)
    {
        var points = m.Points.OrderBy(p => p.At).ToList();
        var best = new List<MetricPoint> { points[0] };
        var current = new List<MetricPoint> { points[0] };
        for (var i = 1; i < points.Count; i++)
        {
            if (points[i].Value < points[i - 1].Value * 0.7)
            {
                current = [points[i]];
            }
            else
            {
                current.Add(points[i]);
            }

            if (current.Count > best.Count)
            {
                best = [.. current];
            }
        }

        var slope = 0.0;
        if (best.Count >= 2)
        {
            var t0 = best[0].At;
            var xs = best.Select(p => (p.At - t0).TotalMinutes).ToArray();
            var ys = best.Select(p => p.Value / (1024.0 * 1024)).ToArray();
            var mx = xs.Average();
            var my = ys.Average();
            var sxx = xs.Sum(x => (x - mx) * (x - mx));
            slope = sxx <= 0 ? 0 : xs.Zip(ys).Sum(p => (p.First - mx) * (p.Second - my)) / sxx;
        }

        return (slope, best[0].Value, points.Max(p => p.Value), best);
    }

    private static string Trim(string s) => s.Trim().TrimEnd('.');
}
