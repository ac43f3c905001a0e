using System.Globalization;
using System.Text.Json.Serialization;
using KubeMedic.Observability.Prometheus;

namespace KubeMedic.Observability.Evidence;

/// <summary>What the memory working set did before the OOM kill (seed 000's two hypotheses, settled by data).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MemoryPattern>))]
public enum MemoryPattern
{
    /// <summary>Steady climb: memory is never released (seed 000: a goroutine leak). Raising the limit only delays the OOM.</summary>
    Leak,

    /// <summary>A step up to a plateau near the limit: the working set the app needs does not fit. Raise the limit.</summary>
    LimitTooLow,

    /// <summary>Flat well below the limit, then a sudden jump: one request or batch needs far more memory.</summary>
    Spike,

    /// <summary>Flat and comfortably below the limit.</summary>
    Steady,

    /// <summary>The data fits none of the patterns clearly.</summary>
    Inconclusive,
}

/// <summary>The verdict on a memory working-set series.</summary>
public sealed record MemoryVerdict(
    MemoryPattern Pattern,
    string Summary,
    double? SlopeMiBPerMinute,
    TimeSpan? TimeToLimit,
    double? LimitBytes,
    double PeakBytes,
    double? PeakOfLimit,
    double? RSquared,
    int Restarts,
    TimeSpan Analyzed,
    string Sparkline);

/// <summary>
/// Classifies a working-set series (oldest first) against the container's memory limit. The series is split at restarts: where one
/// container instance's series ends and the next one's begins (cAdvisor labels each instance with its own cgroup <c>id</c>), and
/// within a series at a drop of more than 30 % of the last value or 15 % of the limit (sampling can miss the start of a run, so a
/// restart need not look like a fall back to the baseline). The run that ended in the last restart is analysed when it is long
/// enough to judge, otherwise the current run:
/// <list type="bullet">
/// <item><b>spike</b>: the median of the first 75 % is below 70 % of the limit and every sample above half-way to the peak lies in the last 20 %;</item>
/// <item><b>limit too low</b>: the second half is a flat plateau (coefficient of variation under 5 %, drift under 5 % of the limit) at 85 % of the limit or more, reached within the first 40 %;</item>
/// <item><b>leak</b>: a linear fit with positive slope and R² ≥ 0.85 that rises by 10 % of the limit or more; the slope gives MiB/min and the time to the limit;</item>
/// <item><b>steady</b>: the peak stays under 80 % of the limit with no clear trend.</item>
/// </list>
/// </summary>
public static class MemoryTrendClassifier
{
    private const double MiB = 1024d * 1024;

    /// <summary>Classifies one series, split at restarts by its drops only.</summary>
    public static MemoryVerdict Classify(IReadOnlyList<Sample> samples, double? limitBytes) => Classify([samples], limitBytes);

    /// <summary>Classifies the series of a container's instances (one per run; in any order, each oldest first).</summary>
    public static MemoryVerdict Classify(IReadOnlyList<IReadOnlyList<Sample>> runs, double? limitBytes)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var instances = runs.Select(r => r.Where(s => !double.IsNaN(s.Value)).OrderBy(s => s.Time).ToList()).Where(r => r.Count > 0).OrderBy(r => r[0].Time).ToList();
        var points = instances.SelectMany(r => r).OrderBy(s => s.Time).ToList();
        var spark = Sparkline.Render(points.Select(p => p.Value).ToList(), 48, 0, limitBytes);
        if (points.Count < 6)
        {
            return new MemoryVerdict(MemoryPattern.Inconclusive, $"only {points.Count} samples of memory working set; need at least 6", null, null, limitBytes,
                points.Count > 0 ? points.Max(p => p.Value) : 0, null, null, 0, TimeSpan.Zero, spark);
        }

        // split at restarts: a new instance, or a drop within one
        var dropOfLimit = limitBytes is > 0 ? 0.15 * limitBytes.Value : double.PositiveInfinity;
        var segments = new List<List<Sample>>();
        foreach (var run in instances)
        {
            segments.Add([run[0]]);
            for (var i = 1; i < run.Count; i++)
            {
                if (run[i].Value < run[i - 1].Value * 0.7 || run[i - 1].Value - run[i].Value >= dropOfLimit)
                {
                    segments.Add([]);
                }

                segments[^1].Add(run[i]);
            }
        }

        var restarts = segments.Count - 1;
        // the run that ended in the last restart is the one the OOM killer ended: judge it when it is long enough;
        // otherwise the current run
        var judged = segments.Take(segments.Count - 1).LastOrDefault(s => s.Count >= 6) ?? segments.LastOrDefault(s => s.Count >= 6);
        if (judged is null && PooledLeak(segments, limitBytes, points[^1].Value, spark) is { } pooled)
        {
            return pooled;
        }

        var segment = judged ?? points;
        var peak = segment.Max(p => p.Value);
        var reference = limitBytes is > 0 ? limitBytes.Value : peak;
        var t0 = segment[0].Time;
        var xs = segment.Select(p => (p.Time - t0).TotalMinutes).ToArray();
        var ys = segment.Select(p => p.Value).ToArray();
        var duration = segment[^1].Time - t0;
        var (slope, intercept, r2) = Fit(xs, ys);
        var peakOfLimit = limitBytes is > 0 ? peak / limitBytes : null;
        var limitText = LimitText(limitBytes);
        var restartText = restarts > 0 ? $" ({restarts} restart(s) in the window; {(segment == segments[^1] ? "the current run" : "the run that ended in the last restart")} was analysed)" : "";

        MemoryVerdict Verdict(MemoryPattern pattern, string summary, double? slopeMiB = null, TimeSpan? ttl = null) =>
            new(pattern, summary + restartText, slopeMiB, ttl, limitBytes, peak, peakOfLimit, r2, restarts, duration, spark);

        // spike: flat low baseline, then a late jump
        var n = segment.Count;
        var head = ys.Take(Math.Max(1, n * 3 / 4)).OrderBy(v => v).ToArray();
        var baseline = head[head.Length / 2];
        var halfway = baseline + (peak - baseline) / 2;
        var firstHigh = Array.FindIndex(ys, v => v > halfway);
        if (baseline < 0.7 * reference && peak - baseline > 0.25 * reference && firstHigh >= (int)(n * 0.8))
        {
            var jumpMinutes = (segment[^1].Time - segment[firstHigh].Time).TotalMinutes;
            return Verdict(MemoryPattern.Spike,
                $"spike: working set flat at ~{Mi(baseline)} then jumped to {Mi(peak)} ({Pct(peak / reference)} of {limitText}) within the last {Num(Math.Max(jumpMinutes, 0.5))} min");
        }

        // limit too low: quick step to a flat plateau near the limit
        var plateau = ys.Skip(n / 2).ToArray();
        var plateauMean = plateau.Average();
        var cv = Math.Sqrt(plateau.Select(v => (v - plateauMean) * (v - plateauMean)).Average()) / plateauMean;
        var (plateauSlope, _, _) = Fit(xs.Skip(n / 2).ToArray(), plateau);
        var plateauDrift = Math.Abs(plateauSlope * (xs[^1] - xs[n / 2]));
        var reached = Array.FindIndex(ys, v => v >= 0.9 * plateauMean);
        if (plateauMean >= 0.85 * reference && cv < 0.05 && plateauDrift < 0.05 * reference && reached <= (int)(n * 0.4))
        {
            return Verdict(MemoryPattern.LimitTooLow,
                $"limit too low: working set stepped up to a plateau of ~{Mi(plateauMean)} ({Pct(plateauMean / reference)} of {limitText}) within {Num((segment[reached].Time - t0).TotalMinutes)} min and stayed flat (drift {Mi(plateauDrift)} over {Num(xs[^1] - xs[n / 2])} min): the app needs more than the limit allows, it is not leaking");
        }

        // leak: steady climb
        var rise = slope * xs[^1];
        if (slope > 0 && r2 >= 0.85 && rise >= 0.10 * reference)
        {
            var last = ys[^1];
            var current = points[^1].Value; // the running container, which may have restarted since the analysed run
            var ttl = TimeToLimit(limitBytes, current, slope);
            var fromStart = limitBytes is > 0 ? TimeSpan.FromMinutes(Math.Max(0, (limitBytes.Value - intercept) / slope)) : (TimeSpan?)null;
            var cycle = fromStart is { } f ? $" (about {Num(f.TotalMinutes)} min from a fresh start to the limit)" : "";
            return Verdict(MemoryPattern.Leak,
                $"leak: working set rose steadily by {Num(slope / MiB)} MiB/min for {Num(xs[^1])} min (R² {r2.ToString("0.00", CultureInfo.InvariantCulture)}), from {Mi(ys[0])} to {Mi(last)} of {limitText}{TimeToLimitText(ttl)}{cycle}. Raising the limit only delays the OOM",
                slope / MiB, ttl);
        }

        if (peak < 0.8 * reference || limitBytes is null)
        {
            return Verdict(MemoryPattern.Steady, $"steady: working set between {Mi(ys.Min())} and {Mi(peak)} ({Pct(peak / reference)} of {limitText}), no clear trend");
        }

        return Verdict(MemoryPattern.Inconclusive, $"inconclusive: working set peaked at {Mi(peak)} ({Pct(peak / reference)} of {limitText}) without a steady trend (R² {r2.ToString("0.00", CultureInfo.InvariantCulture)}) or a clear plateau");
    }

    /// <summary>
    /// Runs too short to judge alone (a fast leak restarts every few samples): the leak test on all runs of 3 or more samples at once,
    /// each centred on its own mean, so that every run must climb at the same rate and the restarts in between do not count.
    /// </summary>
    private static MemoryVerdict? PooledLeak(List<List<Sample>> segments, double? limitBytes, double current, string spark)
    {
        var runs = segments.Where(s => s.Count >= 3).ToList();
        if (runs.Count < 2 || runs.Sum(r => r.Count) < 6)
        {
            return null;
        }

        // each run's minutes and bytes relative to its own means: one fit over them all is the within-runs fit
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (var run in runs)
        {
            var minutes = run.Select(p => (p.Time - run[0].Time).TotalMinutes).ToList();
            var (mx, my) = (minutes.Average(), run.Average(p => p.Value));
            xs.AddRange(minutes.Select(x => x - mx));
            ys.AddRange(run.Select(p => p.Value - my));
        }

        var (slope, _, r2) = Fit([.. xs], [.. ys]);
        var peak = runs.Max(r => r.Max(p => p.Value));
        var reference = limitBytes is > 0 ? limitBytes.Value : peak;
        var longest = runs.Max(r => (r[^1].Time - r[0].Time).TotalMinutes);
        if (!(slope > 0 && r2 >= 0.85 && slope * longest >= 0.10 * reference))
        {
            return null;
        }

        var ttl = TimeToLimit(limitBytes, current, slope);
        var restarts = segments.Count - 1;
        return new MemoryVerdict(MemoryPattern.Leak,
            $"leak: working set rose steadily by {Num(slope / MiB)} MiB/min in each of {runs.Count} short runs (R² {r2.ToString("0.00", CultureInfo.InvariantCulture)} within runs), up to {Mi(peak)} of {LimitText(limitBytes)}{TimeToLimitText(ttl)}. Raising the limit only delays the OOM ({restarts} restart(s) in the window; the runs were too short to judge one alone, so all were analysed)",
            slope / MiB, ttl, limitBytes, peak, limitBytes is > 0 ? peak / limitBytes : null, r2, restarts, runs[^1][^1].Time - runs[0][0].Time, spark);
    }

    private static string LimitText(double? limitBytes) => limitBytes is > 0 ? $"the {Mi(limitBytes.Value)} limit" : "the observed peak (no memory limit known)";

    /// <summary>How long until <paramref name="current"/> reaches the limit at <paramref name="slopePerMinute"/> bytes a minute.</summary>
    private static TimeSpan? TimeToLimit(double? limitBytes, double current, double slopePerMinute) =>
        limitBytes is > 0 ? TimeSpan.FromMinutes(Math.Max(0, (limitBytes.Value - current) / slopePerMinute)) : null;

    private static string TimeToLimitText(TimeSpan? ttl) => ttl is { } t
        ? t.TotalMinutes < 0.5 ? "; it is at the limit now" : $"; at this rate the running container reaches the limit in {Num(t.TotalMinutes)} min"
        : "";

    internal static (double Slope, double Intercept, double RSquared) Fit(double[] xs, double[] ys)
    {
        var n = xs.Length;
        if (n < 2)
        {
            return (0, ys.FirstOrDefault(), 0);
        }

        var mx = xs.Average();
        var my = ys.Average();
        var sxx = xs.Sum(x => (x - mx) * (x - mx));
        var sxy = xs.Zip(ys).Sum(p => (p.First - mx) * (p.Second - my));
        var syy = ys.Sum(y => (y - my) * (y - my));
        if (sxx == 0)
        {
            return (0, my, 0);
        }

        var slope = sxy / sxx;
        var r2 = syy == 0 ? 0 : sxy * sxy / (sxx * syy);
        return (slope, my - slope * mx, r2);
    }

    internal static string Mi(double bytes) => $"{(bytes / MiB).ToString("0", CultureInfo.InvariantCulture)} MiB";

    private static string Pct(double ratio) => $"{(ratio * 100).ToString("0", CultureInfo.InvariantCulture)} %";

    private static string Num(double v) => v.ToString(v >= 10 ? "0" : "0.#", CultureInfo.InvariantCulture);
}
