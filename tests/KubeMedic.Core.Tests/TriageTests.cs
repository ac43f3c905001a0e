using KubeMedic.Core.Analysis;
using KubeMedic.Core.Model;
using KubeMedic.Core.Triage;

namespace KubeMedic.Core.Tests;

/// <summary>Triage: SEV level from the rubric, impact, timeline correlation, hypotheses and the status message.</summary>
public sealed class TriageTests
{
    private static TriageReport Triage(string fixture, SeverityRubric? rubric = null)
    {
        var model = Fixtures.Load(fixture);
        return TriageEngine.Triage(model, DiagnosisEngine.Default.Diagnose(model), rubric);
    }

    [Fact]
    public void Oom_walkthrough_is_sev2_with_the_deploy_correlation_and_an_identified_status()
    {
        var report = Triage("seed000-oom.json");

        report.Severity.ShouldBe("SEV2");
        var impact = report.Impact.Single();
        impact.Object.ShouldBe(new KubeMedic.Core.Findings.ObjectRef("Deployment", "production", "order-service"));
        impact.CapacityLostPercent.ShouldBe(33.3);
        impact.UserFacing.ShouldBeTrue();
        impact.External.ShouldBeTrue();
        report.Correlation.ShouldStartWith("first OOMKilled 15 min after revision 2 of deployment order-service");
        report.LeadingHypothesis!.Code.ShouldBe("oom-killed");
        report.Checks.ShouldContain(c => c.Hypothesis.Contains("recent deploy") && c.Verdict == HypothesisCheck.Confirmed);
        report.Checks.ShouldContain(c => c.Hypothesis.Contains("node failure") && c.Verdict == HypothesisCheck.RuledOut);
        report.Status.State.ShouldBe("Identified");
        report.Status.Text.ShouldStartWith("[SEV2] Identified: order-service degraded (production)");
        report.Status.Text.ShouldContain("shop.example.com");
        report.Timeline.Select(e => e.Kind).ShouldContain("deploy");
        report.Timeline.Select(e => e.Kind).ShouldContain("oom");
        report.Timeline.Select(e => e.Time).ShouldBeInOrder();
    }

    [Fact]
    public void Four_disasters_are_sev1_with_every_down_workload_in_the_impact()
    {
        var report = Triage("seed002-disasters.json");

        report.Severity.ShouldBe("SEV1");
        report.Impact.Where(i => i.Available == 0).Select(i => i.Object.Name).ShouldBe(["api-server", "database", "frontend", "analytics"], ignoreOrder: true);
        report.Impact.Single(i => i.Object.Name == "analytics").UserFacing.ShouldBeFalse();
        report.Timeline.ShouldContain(e => e.Kind == "node" && e.Text.Contains("node-1 became NotReady"));
        report.Timeline.ShouldContain(e => e.Kind == "scheduling");
        report.OtherRootCauses.ShouldContain(c => c.StartsWith("node-not-ready", StringComparison.Ordinal));
        report.StartedAt.ShouldBe(DateTimeOffset.Parse("2026-11-20T14:21:00Z", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Healthy_cluster_is_sev4_resolved()
    {
        var report = Triage("healthy.json");

        report.Severity.ShouldBe("SEV4");
        report.Impact.ShouldBeEmpty();
        report.Status.State.ShouldBe("Resolved");
        report.LeadingHypothesis.ShouldBeNull();
    }

    [Fact]
    public void The_rubric_is_configurable_from_yaml()
    {
        var path = Path.Combine(Path.GetTempPath(), $"km-rubric-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, """
            levels:
              - level: SEV1
                meaning: any user-facing capacity loss is critical here
                rules:
                  - userFacingCapacityLostPercentAtLeast: 10
              - level: SEV4
                meaning: everything else
                rules: []
            """);
        try
        {
            var report = Triage("seed000-oom.json", SeverityRubric.Load(path));

            report.Severity.ShouldBe("SEV1");
            report.SeverityReason.ShouldContain(">= 10%");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_documented_rubric_file_matches_the_built_in_rubric()
    {
        var docs = Path.Combine(Fixtures.Dir, "..", "..", "..", "docs", "severity-rubric.yaml");
        var loaded = SeverityRubric.Load(docs);

        loaded.Levels.Select(l => l.Level).ShouldBe(SeverityRubric.Default.Levels.Select(l => l.Level));
        var model = Fixtures.Load("seed000-oom.json");
        TriageEngine.Triage(model, DiagnosisEngine.Default.Diagnose(model), loaded).Severity.ShouldBe("SEV2");
    }

    [Fact]
    public void A_malformed_rubric_is_a_one_line_input_error()
    {
        var path = Path.Combine(Path.GetTempPath(), $"km-rubric-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "levels: [ {level: SEV1, rules: [ {findingSeverityAtLeast: catastrophic} ] } ]");
        try
        {
            var ex = Should.Throw<UserInputException>(() => SeverityRubric.Load(path));
            ex.Message.ShouldContain("catastrophic");
            ex.Message.ShouldNotContain("\n");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
