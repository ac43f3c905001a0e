using KubeMedic.Observability.Evidence;
using KubeMedic.Observability.Prometheus;

namespace KubeMedic.Observability.Tests;

/// <summary>The classifier over many generated shapes (seeded, so failures reproduce): not tuned to one example.</summary>
public sealed class MemoryClassifierPropertyTests
{
    private const double MiB = 1024d * 1024;
    private static readonly DateTimeOffset End = new(2026, 11, 23, 15, 0, 0, TimeSpan.Zero);

    private static List<Sample> Shape(Random rng, int minutes, Func<double, double> mibAt, double noiseMiB) =>
        Enumerable.Range(0, minutes * 4 + 1).Select(i =>
        {
            var m = i / 4.0;
            return new Sample(End.AddMinutes(m - minutes), Math.Max(1, (mibAt(m) + (rng.NextDouble() * 2 - 1) * noiseMiB) * MiB));
        }).ToList();

    [Fact]
    public void Steady_climbs_are_leaks()
    {
        var rng = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            var limit = rng.Next(256, 2048);
            var start = limit * (0.1 + 0.3 * rng.NextDouble());
            var minutes = rng.Next(20, 90);
            var slope = (limit * 0.95 - start) / minutes * (0.5 + 0.5 * rng.NextDouble()); // reaches 50-95 % of the way up
            var noise = limit * 0.01 * rng.NextDouble();
            var v = MemoryTrendClassifier.Classify(Shape(rng, minutes, m => start + slope * m, noise), limit * MiB);
            v.Pattern.ShouldBe(MemoryPattern.Leak, $"case {i}: limit {limit}, start {start:0}, slope {slope:0.0}/min over {minutes} min, noise {noise:0.0}: {v.Summary}");
            v.SlopeMiBPerMinute!.Value.ShouldBe(slope, slope * 0.15 + 0.2, $"case {i}");
        }
    }

    [Fact]
    public void Steps_to_a_plateau_near_the_limit_are_limit_too_low()
    {
        var rng = new Random(11);
        for (var i = 0; i < 200; i++)
        {
            var limit = rng.Next(256, 2048);
            var plateau = limit * (0.86 + 0.12 * rng.NextDouble());
            var start = limit * 0.2 * rng.NextDouble();
            var stepMinutes = 0.5 + 3 * rng.NextDouble();
            var minutes = rng.Next(20, 90);
            var noise = plateau * 0.015 * rng.NextDouble();
            var v = MemoryTrendClassifier.Classify(Shape(rng, minutes, m => m < stepMinutes ? start + (plateau - start) * m / stepMinutes : plateau, noise), limit * MiB);
            v.Pattern.ShouldBe(MemoryPattern.LimitTooLow, $"case {i}: plateau {plateau / limit:P0} after {stepMinutes:0.0} min over {minutes} min: {v.Summary}");
        }
    }

    [Fact]
    public void Late_jumps_from_a_flat_baseline_are_spikes()
    {
        var rng = new Random(13);
        for (var i = 0; i < 200; i++)
        {
            var limit = rng.Next(256, 2048);
            var baseline = limit * (0.1 + 0.5 * rng.NextDouble());
            var peak = limit * (0.9 + 0.1 * rng.NextDouble());
            var minutes = rng.Next(30, 90);
            var jump = 0.5 + 3 * rng.NextDouble();
            var noise = baseline * 0.02 * rng.NextDouble();
            var v = MemoryTrendClassifier.Classify(Shape(rng, minutes, m => m < minutes - jump ? baseline : peak, noise), limit * MiB);
            v.Pattern.ShouldBe(MemoryPattern.Spike, $"case {i}: baseline {baseline / limit:P0} → {peak / limit:P0} in the last {jump:0.0} of {minutes} min: {v.Summary}");
        }
    }

    [Fact]
    public void Flat_series_well_below_the_limit_are_never_called_leaks()
    {
        var rng = new Random(17);
        for (var i = 0; i < 200; i++)
        {
            var limit = rng.Next(256, 2048);
            var level = limit * (0.1 + 0.6 * rng.NextDouble());
            var v = MemoryTrendClassifier.Classify(Shape(rng, rng.Next(20, 90), _ => level, level * 0.03 * rng.NextDouble()), limit * MiB);
            v.Pattern.ShouldBe(MemoryPattern.Steady, $"case {i}: {v.Summary}");
        }
    }
}
