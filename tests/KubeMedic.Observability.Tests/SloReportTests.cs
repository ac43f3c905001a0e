using KubeMedic.Observability.Slo;

namespace KubeMedic.Observability.Tests;

/// <summary><c>slo report</c> against the real Prometheus: from the spec's SLI queries, and from the recorded slo:* series.</summary>
[Collection("prometheus")]
public sealed class SloReportTests(PrometheusFixture prom)
{
    [Fact]
    public async Task Remaining_error_budget_from_the_spec()
    {
        // 50 min at 0.2 % errors then 20 min at 8 %: 1700 errors of 70000 requests = 2.43 % of a 5 % budget
        var status = (await SloReporter.FromSpecAsync(prom.Client, SloSpecReader.Parse(PrometheusFixture.SloSpec, "slo.yaml"), prom.End)).Single();
        status.Problem.ShouldBeNull();
        status.ErrorRatio!.Value.ShouldBe(0.0243, 0.002);
        status.BudgetRemaining!.Value.ShouldBe(0.514, 0.04);
        status.BurnRate1h!.Value.ShouldBe(0.56, 0.05);
        status.ExhaustedIn.ShouldNotBeNull();
    }

    [Fact]
    public async Task Remaining_error_budget_from_the_recording_rules()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        IReadOnlyList<SloStatus> statuses;
        while (true)
        {
            statuses = await SloReporter.FromRecordingsAsync(prom.Client);
            if (statuses.Count > 0 && statuses[0].BudgetRemaining is not null)
            {
                break;
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, "the SLO recording rules produced no slo:period_error_budget_remaining:ratio in 30 s:\n" + prom.Log);
            await Task.Delay(500);
        }

        var s = statuses.Single();
        s.Service.ShouldBe("checkout");
        s.Slo.ShouldBe("availability");
        s.Objective.ShouldBe(95, 0.0001);
        s.Window.ShouldBe("30d");
        // recorded since Prometheus started: the 5m ratio right after the deploy is ~8 %, over a 5 % budget
        s.BudgetRemaining!.Value.ShouldBeLessThan(0);
        s.BurnRate1h!.Value.ShouldBe(0.56, 0.1);
    }

    [Fact]
    public void Cli_slo_report_prints_the_budget_table_and_json()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("slo.yaml"), PrometheusFixture.SloSpec);
        var table = CliTests.Kubemedic(dir.Path, "slo", "report", "--prometheus", prom.Url.ToString(), "-f", "slo.yaml");
        table.Code.ShouldBe(0, table.Stderr);
        table.Stdout.ShouldContain("BUDGET LEFT");
        table.Stdout.ShouldContain("checkout");
        var json = CliTests.Kubemedic(dir.Path, "slo", "report", "--prometheus", prom.Url.ToString(), "-f", "slo.yaml", "-o", "json");
        json.Code.ShouldBe(0, json.Stderr);
        var row = System.Text.Json.Nodes.JsonNode.Parse(json.Stdout)!.AsArray().Single()!;
        row["service"]!.GetValue<string>().ShouldBe("checkout");
        row["budgetRemaining"]!.GetValue<double>().ShouldBeInRange(0.3, 0.7);
    }

    [Fact]
    public async Task No_traffic_is_reported_not_thrown()
    {
        var spec = SloSpecReader.Parse(PrometheusFixture.SloSpec.Replace("checkout", "ghost", StringComparison.Ordinal), "slo.yaml");
        var status = (await SloReporter.FromSpecAsync(prom.Client, spec, prom.End)).Single();
        status.Problem.ShouldNotBeNull().ShouldContain("no traffic");
        status.BudgetRemaining.ShouldBeNull();
    }
}
