using KubeMedic.Core.Findings;
using KubeMedic.Core.Incidents;

namespace KubeMedic.Core.Tests.Incidents;

public sealed class HypothesisEngineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 14, 14, 30, 0, TimeSpan.Zero);
    private static readonly ObjectRef Deploy = new("Deployment", "production", "order-service");
    private const double MiB = 1024 * 1024;

    private static readonly Finding Oom = new()
    {
        Code = FindingCodes.OomKilled,
        Severity = Severity.Critical,
        Object = Deploy,
        Summary = "OOMKilled",
        Cause = "container exceeds its 512Mi limit",
        Evidence = [new Evidence(EvidenceSource.Status, "reason=OOMKilled exitCode=137")],
    };

    private static MetricEvidence Series(Func<int, double> mibAt, int count = 12) => new()
    {
        Query = "q",
        Label = "memory",
        Unit = "bytes",
        Threshold = 512 * MiB,
        Points = [.. Enumerable.Range(0, count).Select(i => new MetricPoint(T0.AddMinutes(i), mibAt(i) * MiB))],
    };

    [Fact]
    public void A_steady_climb_from_low_confirms_the_leak_and_rules_out_a_low_limit()
    {
        var hs = HypothesisEngine.Evaluate(Oom, [Series(i => 100 + 20 * i)], [], null);
        hs.Single(h => h.Statement.StartsWith("A memory leak")).Verdict.ShouldBe(HypothesisVerdict.Confirmed);
        hs.Single(h => h.Statement.StartsWith("A memory leak")).Data.Single().ShouldContain("grows 20.0 MiB/min");
        hs.Single(h => h.Statement.StartsWith("The memory limit is too low")).Verdict.ShouldBe(HypothesisVerdict.RuledOut);
    }

    [Fact]
    public void A_flat_working_set_near_the_limit_confirms_the_low_limit_and_rules_out_a_leak()
    {
        var hs = HypothesisEngine.Evaluate(Oom, [Series(i => 480 + (i % 2))], [], null);
        hs.Single(h => h.Statement.StartsWith("The memory limit is too low")).Verdict.ShouldBe(HypothesisVerdict.Confirmed);
        hs.Single(h => h.Statement.StartsWith("A memory leak")).Verdict.ShouldBe(HypothesisVerdict.RuledOut);
    }

    [Fact]
    public void Restarts_split_the_series_and_the_slope_is_taken_within_one_run()
    {
        // 100 -> 500 MiB, OOM, back to 100 and climbing again: a saw-tooth.
        var hs = HypothesisEngine.Evaluate(Oom, [Series(i => 100 + 40 * (i % 11), 22)], [], null);
        var leak = hs.Single(h => h.Statement.StartsWith("A memory leak"));
        leak.Verdict.ShouldBe(HypothesisVerdict.Confirmed);
        leak.Data.Single().ShouldContain("grows 40.0 MiB/min");
    }

    [Fact]
    public void Without_data_nothing_is_confirmed()
    {
        var hs = HypothesisEngine.Evaluate(Oom, [], [], null);
        hs.ShouldAllBe(h => h.Verdict == HypothesisVerdict.Open);
        hs.Count.ShouldBe(2);
    }

    [Fact]
    public void The_deploy_hypothesis_is_confirmed_when_the_first_failure_follows_the_rollout()
    {
        var timeline = new List<TimelineEntry>
        {
            new() { At = T0, Source = TimelineSource.Cluster, Reason = "ScalingReplicaSet", Object = Deploy, Text = "Scaled up replica set order-service-2 to 2 (revision 2, image order-service:2.3.1)" },
            new() { At = T0.AddMinutes(15), Source = TimelineSource.Cluster, Reason = "OOMKilled", Object = new ObjectRef("Pod", "production", "order-service-2-x"), Text = "OOMKilled" },
        };
        var deploy = HypothesisEngine.Evaluate(Oom, [], timeline, null).Single(h => h.Statement.StartsWith("The problem started with the latest rollout"));
        deploy.Verdict.ShouldBe(HypothesisVerdict.Confirmed);
        deploy.Data[1].ShouldContain("15 min 0 s after the rollout");

        var before = timeline.Select(e => e.Reason == "OOMKilled" ? e with { At = T0.AddMinutes(-5) } : e).ToList();
        HypothesisEngine.Evaluate(Oom, [], before, null).Single(h => h.Statement.StartsWith("The problem started")).Verdict.ShouldBe(HypothesisVerdict.RuledOut);
    }

    [Fact]
    public void Other_findings_get_their_cause_as_the_hypothesis_backed_by_their_evidence()
    {
        var f = new Finding { Code = FindingCodes.ImagePull, Severity = Severity.High, Object = Deploy, Summary = "s", Cause = "tag 2.0 does not exist", Evidence = [new Evidence(EvidenceSource.Event, "Failed to pull image: manifest unknown")] };
        var h = HypothesisEngine.Evaluate(f, [], [], null).Single();
        h.Verdict.ShouldBe(HypothesisVerdict.Confirmed);
        h.Data.Single().ShouldBe("event: Failed to pull image: manifest unknown");
    }
}
