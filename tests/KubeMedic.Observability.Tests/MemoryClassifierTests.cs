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
}
