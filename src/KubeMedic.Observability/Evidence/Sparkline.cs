namespace KubeMedic.Observability.Evidence;

/// <summary>Renders a series as a one-line terminal sparkline (▁▂▃▄▅▆▇█). Buckets keep their maximum so spikes stay visible.</summary>
public static class Sparkline
{
    private const string Bars = "▁▂▃▄▅▆▇█";

    /// <param name="values">The values, oldest first; NaN renders as a space.</param>
    /// <param name="width">Maximum characters; longer series are bucketed.</param>
    /// <param name="min">Bottom of the scale (default: the series minimum).</param>
    /// <param name="max">Top of the scale (default: the series maximum), e.g. a memory limit.</param>
    public static string Render(IReadOnlyList<double> values, int width = 48, double? min = null, double? max = null)
    {
        if (values.Count == 0 || width <= 0)
        {
            return "";
        }

        var buckets = new List<double>();
        var n = Math.Min(width, values.Count);
        for (var b = 0; b < n; b++)
        {
            var from = b * values.Count / n;
            var to = Math.Max(from + 1, (b + 1) * values.Count / n);
            var slice = values.Skip(from).Take(to - from).Where(v => !double.IsNaN(v)).ToList();
            buckets.Add(slice.Count == 0 ? double.NaN : slice.Max());
        }

        var real = buckets.Where(v => !double.IsNaN(v)).ToList();
        if (real.Count == 0)
        {
            return new string(' ', buckets.Count);
        }

        var lo = min ?? real.Min();
        var hi = Math.Max(max ?? real.Max(), real.Max());
        var chars = buckets.Select(v =>
        {
            if (double.IsNaN(v))
            {
                return ' ';
            }

            if (hi - lo <= 0)
            {
                return Bars[0];
            }

            var i = (int)Math.Round((v - lo) / (hi - lo) * (Bars.Length - 1));
            return Bars[Math.Clamp(i, 0, Bars.Length - 1)];
        });
        return string.Concat(chars);
    }
}
