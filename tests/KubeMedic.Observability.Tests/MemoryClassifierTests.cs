using KubeMedic.Observability.Evidence;
using KubeMedic.Observability.Prometheus;

namespace KubeMedic.Observability.Tests;

public sealed class MemoryClassifierTests
{
    private static readonly DateTimeOffset End = new(2026, 11, 23, 15, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Leak_gives_slope_and_time_to_limit()
    {
        var v = MemoryTrendClassifier.Classify(Synthetic.Leak(End), Synthetic.Limit);
        v.Pattern.ShouldBe(MemoryPattern.Leak, v.Summary);
        v.SlopeMiBPerMinute!.Value.ShouldBe(8, 0.5);
        v.Restarts.ShouldBe(1);
        // the current container started 14.75 min ago at 150 MiB: ~268 MiB now, (512-268)/8 ≈ 30 min left
        v.TimeToLimit!.Value.TotalMinutes.ShouldBe(30.5, 2.5);
        v.Summary.ShouldContain("MiB/min");
        v.Summary.ShouldContain("reaches the limit in");
        v.Summary.ShouldContain("the run that ended in the last restart was analysed");
    }

    [Fact]
    public void Step_to_a_plateau_near_the_limit_is_limit_too_low()
    {
        var v = MemoryTrendClassifier.Classify(Synthetic.LimitTooLow(End), Synthetic.Limit);
        v.Pattern.ShouldBe(MemoryPattern.LimitTooLow, v.Summary);
        v.PeakOfLimit!.Value.ShouldBeGreaterThan(0.9);
        v.Summary.ShouldContain("not leaking");
    }

    [Fact]
    public void Late_jump_from_a_flat_baseline_is_a_spike()
    {
        var v = MemoryTrendClassifier.Classify(Synthetic.Spike(End), Synthetic.Limit);
        v.Pattern.ShouldBe(MemoryPattern.Spike, v.Summary);
        v.Summary.ShouldContain("jumped");
    }

    [Fact]
    public void A_spike_is_still_found_after_the_container_restarted_and_runs_flat_again()
    {
        var spike = Synthetic.Spike(End.AddMinutes(-5));
        var restarted = Enumerable.Range(1, 20).Select(i => new Sample(End.AddMinutes(-5).AddSeconds(15 * i), 181 * Synthetic.MiB)).ToList();
        var v = MemoryTrendClassifier.Classify([.. spike, .. restarted], Synthetic.Limit);
        v.Pattern.ShouldBe(MemoryPattern.Spike, v.Summary);
        v.Restarts.ShouldBe(1);
    }

    [Fact]
    public void Flat_and_low_is_steady()
    {
        MemoryTrendClassifier.Classify(Synthetic.Steady(End), Synthetic.Limit).Pattern.ShouldBe(MemoryPattern.Steady);
    }

    [Fact]
    public void A_slow_leak_without_restarts_in_the_window_is_still_a_leak()
    {
        var v = MemoryTrendClassifier.Classify(Synthetic.Leak(End, TimeSpan.FromMinutes(40)), Synthetic.Limit);
        v.Pattern.ShouldBe(MemoryPattern.Leak, v.Summary);
        v.Restarts.ShouldBe(0);
    }

    [Fact]
    public void Too_few_samples_is_inconclusive_and_says_why()
    {
        var v = MemoryTrendClassifier.Classify([new Sample(End, 1), new Sample(End.AddMinutes(1), 2)], Synthetic.Limit);
        v.Pattern.ShouldBe(MemoryPattern.Inconclusive);
        v.Summary.ShouldContain("only 2 samples");
    }

    [Fact]
    public void Sparkline_scales_to_the_limit_and_keeps_spikes()
    {
        Sparkline.Render([0, 1, 2, 3, 4, 5, 6, 7], 8).ShouldBe("▁▂▃▄▅▆▇█");
        Sparkline.Render([1, 1, 1, 1], 4, 0, 2).ShouldBe("▅▅▅▅");
        var spiky = Enumerable.Repeat(0.0, 100).ToList();
        spiky[57] = 10;
        Sparkline.Render(spiky, 10).ShouldContain("█");
        Sparkline.Render([1, double.NaN, 3], 3).ShouldBe("▁ █");
        Sparkline.Render([], 5).ShouldBe("");
    }

    /// <summary>
    /// A fast leak sampled coarsely (seed 000 at clock x30: 24 MiB per 1 s sample), three runs with a 10 s back-off between them;
    /// the first sample of each run comes <paramref name="lateMiB"/> into it.
    /// </summary>
    private static List<List<Sample>> FastLeakRuns(double startMiB, double perSampleMiB, double lateMiB = 0)
    {
        var runs = new List<List<Sample>>();
        var t = End.AddSeconds(-60);
        for (var run = 0; run < 3; run++)
        {
            var samples = new List<Sample>();
            for (var v = startMiB + lateMiB * run; v <= 512; v += perSampleMiB)
            {
                samples.Add(new Sample(t, v * Synthetic.MiB));
                t = t.AddSeconds(1);
            }

            runs.Add(samples);
            t = t.AddSeconds(10);
        }

        return runs;
    }

    [Fact]
    public void A_restart_that_sampling_caught_late_still_splits_the_runs()
    {
        // 392 -> 512 MiB in 6 samples, then back to 392: a fall of 23 % of the value (under the 30 % rule), 23 % of the limit
        var v = MemoryTrendClassifier.Classify(FastLeakRuns(392, 24).SelectMany(r => r).ToList(), Synthetic.Limit);
        v.Pattern.ShouldBe(MemoryPattern.Leak, v.Summary);
        v.Restarts.ShouldBe(2);
        v.SlopeMiBPerMinute!.Value.ShouldBe(24 * 60, 1);
    }

    [Fact]
    public void Runs_too_short_to_judge_alone_are_judged_together()
    {
        // 5 samples per run
        var runs = FastLeakRuns(400, 24, lateMiB: 8);
        runs.ShouldAllBe(r => r.Count < 6);
        var v = MemoryTrendClassifier.Classify(runs.Cast<IReadOnlyList<Sample>>().ToList(), Synthetic.Limit);
        v.Pattern.ShouldBe(MemoryPattern.Leak, v.Summary);
        v.SlopeMiBPerMinute!.Value.ShouldBe(24 * 60, 1);
        v.Summary.ShouldContain("each of 3 short runs");

        // the same runs flat are no leak
        var flat = runs.Select(r => (IReadOnlyList<Sample>)r.Select(p => p with { Value = 480 * Synthetic.MiB }).ToList()).ToList();
        MemoryTrendClassifier.Classify(flat, Synthetic.Limit).Pattern.ShouldNotBe(MemoryPattern.Leak);
    }

    [Fact]
    public void Each_container_instance_is_its_own_run_even_without_a_drop()
    {
        // 440 -> 510 MiB in 8 samples per run: the fall at a restart is 70 MiB (14 % of the limit, 14 % of the value), no drop rule splits there
        var runs = FastLeakRuns(440, 10);
        MemoryTrendClassifier.Classify(runs.SelectMany(r => r).ToList(), Synthetic.Limit).Pattern.ShouldNotBe(MemoryPattern.Leak);

        var v = MemoryTrendClassifier.Classify(runs.Cast<IReadOnlyList<Sample>>().Reverse().ToList(), Synthetic.Limit);
        v.Pattern.ShouldBe(MemoryPattern.Leak, v.Summary);
        v.Restarts.ShouldBe(2);
        v.Summary.ShouldContain("the run that ended in the last restart was analysed");
    }
}
