using System.Globalization;
using System.Text;
using KubeMedic.Observability.Prometheus;

namespace KubeMedic.Observability.Tests;

/// <summary>Synthetic metric histories for known failure shapes, and their OpenMetrics text for promtool backfill.</summary>
internal static class Synthetic
{
    public const double MiB = 1024d * 1024;
    public const double Limit = 512 * MiB;
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(15);

    /// <summary>Deterministic noise in [-1, 1].</summary>
    private static double Noise(int i, int seed) => Math.Sin(i * 12.9898 + seed * 78.233) * 43758.5453 % 1;

    private static List<Sample> Build(DateTimeOffset end, TimeSpan span, Func<double, int, double> valueAtMinute)
    {
        var n = (int)(span / Step);
        return Enumerable.Range(0, n + 1).Select(i =>
        {
            var t = end - span + i * Step;
            return new Sample(t, valueAtMinute(i * Step.TotalMinutes, i));
        }).ToList();
    }

    public const double LeakCycleMinutes = (512 - 150) / 8.0; // 45.25 min from start to OOM

    /// <summary>Leak: 150 MiB after a start, +8 MiB/min, OOM at the 512 MiB limit, restart (sawtooth).</summary>
    public static List<Sample> Leak(DateTimeOffset end, TimeSpan? span = null) => Build(end, span ?? TimeSpan.FromHours(1), (m, i) =>
    {
        var cycle = LeakCycleMinutes;
        var inCycle = m % cycle;
        return (150 + 8 * inCycle) * MiB + Noise(i, 1) * 2 * MiB;
    });

    public const double LimitTooLowCycleMinutes = 33;

    /// <summary>Limit too low: a step from 100 MiB to a ~492 MiB plateau within 2 minutes of each start; OOM kill every 33 minutes.</summary>
    public static List<Sample> LimitTooLow(DateTimeOffset end, TimeSpan? span = null) => Build(end, span ?? TimeSpan.FromHours(1), (m, i) =>
    {
        var inCycle = m % LimitTooLowCycleMinutes;
        var level = inCycle < 2 ? 100 + (492 - 100) * inCycle / 2 : 492;
        return level * MiB + Noise(i, 2) * 3 * MiB;
    });

    /// <summary>Spike: flat at 180 MiB, then a jump to ~505 MiB in the last 2 minutes.</summary>
    public static List<Sample> Spike(DateTimeOffset end, TimeSpan? span = null)
    {
        var total = (span ?? TimeSpan.FromHours(1)).TotalMinutes;
        return Build(end, span ?? TimeSpan.FromHours(1), (m, i) =>
            (m < total - 2 ? 180 + Noise(i, 3) * 3 : 180 + (505 - 180) * Math.Min(1, (m - (total - 2)) / 1.5)) * MiB);
    }

    public static List<Sample> Steady(DateTimeOffset end) => Build(end, TimeSpan.FromHours(1), (_, i) => (200 + Noise(i, 4) * 5) * MiB);

    /// <summary>Collects OpenMetrics lines grouped by metric name (families must not interleave).</summary>
    public sealed class OpenMetrics
    {
        private readonly Dictionary<string, StringBuilder> families = new();

        public void Add(string name, string labels, IEnumerable<Sample> samples)
        {
            if (!families.TryGetValue(name, out var sb))
            {
                families[name] = sb = new StringBuilder();
            }

            foreach (var s in samples)
            {
                sb.Append(name).Append('{').Append(labels).Append("} ")
                  .Append(s.Value.ToString("R", CultureInfo.InvariantCulture)).Append(' ')
                  .Append((s.Time.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        public void Constant(string name, string labels, double value, DateTimeOffset end, TimeSpan span) =>
            Add(name, labels, Series(end, span, _ => value));

        public override string ToString() => string.Concat(families.Values.Select(v => v.ToString())) + "# EOF\n";
    }

    public static IEnumerable<Sample> Series(DateTimeOffset end, TimeSpan span, Func<double, double> valueAtMinute, TimeSpan? step = null)
    {
        var st = step ?? Step;
        var n = (int)(span / st);
        for (var i = 0; i <= n; i++)
        {
            yield return new Sample(end - span + i * st, valueAtMinute((i * st).TotalMinutes));
        }
    }
}
