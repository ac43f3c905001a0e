using KubeMedic.Core;
using KubeMedic.Observability.Rules;
using KubeMedic.Observability.Slo;
using KubeMedic.Observability.Yaml;

namespace KubeMedic.Observability.Tests;

public sealed class SloTests
{
    internal const string Spec = """
        service: order-service
        labels:
          team: shop
        slos:
        - name: requests-availability
          objective: 99.9
          sli:
            error_query: sum(rate(http_server_requests_seconds_count{service="order-service",status=~"5.."}[{{.window}}]))
            total_query: sum(rate(http_server_requests_seconds_count{service="order-service"}[{{.window}}]))
        """;

    private const string Id = "order-service-requests-availability";

    [Fact]
    public void Burn_factors_are_14_4_6_3_1_for_30_days_and_scale_for_28()
    {
        SloRuleGenerator.Windows.Select(w => w.Factor(TimeSpan.FromDays(30))).ShouldBe([14.4, 6, 3, 1]);
        SloRuleGenerator.Windows.Select(w => (w.Long, w.Short)).ShouldBe([("1h", "5m"), ("6h", "30m"), ("1d", "2h"), ("3d", "6h")]);
        SloRuleGenerator.Windows[0].Factor(TimeSpan.FromDays(28)).ShouldBe(13.44);
    }

    [Fact]
    public void Rules_have_sli_recordings_meta_recordings_and_page_and_ticket_alerts()
    {
        var rules = SloRuleGenerator.Generate(SloSpecReader.Parse(Spec, "slo.yaml"));
        rules.Records.Select(r => r.Record).ShouldBe(
        [
            "slo:sli_error:ratio_rate5m", "slo:sli_error:ratio_rate30m", "slo:sli_error:ratio_rate1h", "slo:sli_error:ratio_rate2h",
            "slo:sli_error:ratio_rate6h", "slo:sli_error:ratio_rate1d", "slo:sli_error:ratio_rate3d", "slo:sli_error:ratio_rate30d",
            "slo:objective:ratio", "slo:error_budget:ratio", "slo:time_period:days", "slo:current_burn_rate:ratio",
            "slo:period_burn_rate:ratio", "slo:period_error_budget_remaining:ratio", "sloth_slo_info",
        ]);
        rules.Records.First().Expr.ShouldContain("[5m]");
        rules.Records.First().Expr.ShouldNotContain("{{.window}}");
        var alerts = rules.Alerts.ToList();
        alerts.Select(a => a.Labels["sloth_severity"]).ShouldBe(["page", "ticket"]);
        alerts[0].Expr.ShouldContain("(14.4 * 0.001)");
        alerts[0].Expr.ShouldContain("(6 * 0.001)");
        alerts[1].Expr.ShouldContain("(3 * 0.001)");
        alerts[1].Expr.ShouldContain("(1 * 0.001)");
    }

    [Theory]
    [InlineData("slos: []", "'service' is required")]
    [InlineData("service: x\nobjective: 120\nsli: {error_query: 'a[{{.window}}]', total_query: 'b[{{.window}}]'}", "between 0 and 100")]
    [InlineData("service: x\nobjective: 99\nsli: {error_query: 'rate(a[5m])', total_query: 'rate(b[5m])'}", "{{.window}} placeholder")]
    [InlineData("service: x\nwindow: 1h\nobjective: 99\nsli: {error_query: 'a[{{.window}}]', total_query: 'b[{{.window}}]'}", "shorter than a day")]
    [InlineData("service: x\nobjective: [1", "invalid SLO spec")]
    [InlineData("service: x\nobjectiv: 99", "invalid SLO spec")]
    [InlineData("service: x", "no SLO defined")]
    public void Bad_specs_are_one_line_user_errors(string yaml, string message)
    {
        var ex = Should.Throw<UserInputException>(() => SloSpecReader.Parse(yaml, "slo.yaml"));
        ex.Message.ShouldContain(message);
        ex.Message.ShouldStartWith("slo.yaml");
    }

    [Fact]
    public void Inline_single_slo_form_is_accepted()
    {
        var spec = SloSpecReader.Parse("service: cart\nwindow: 28d\nobjective: 99.5\nsli:\n  error_query: sum(rate(e[{{.window}}]))\n  total_query: sum(rate(t[{{.window}}]))\n", "s");
        spec.Slos.Single().Name.ShouldBe("availability");
        spec.Slos.Single().ErrorBudget.ShouldBe(0.005);
        spec.Window.ShouldBe(TimeSpan.FromDays(28));
    }

    [Fact]
    public void Promtool_checks_the_rules_and_the_burn_rate_alerts_fire_as_designed()
    {
        using var dir = new TempDir();
        var rules = SloRuleGenerator.Generate(SloSpecReader.Parse(Spec, "slo.yaml"));
        File.WriteAllText(dir.File("slo.yaml"), RuleFileWriter.ToPlain(rules));
        var check = Tools.Run(Tools.Promtool, dir.Path, "check", "rules", "slo.yaml");
        check.Code.ShouldBe(0, check.Output);
        check.Output.ShouldContain("SUCCESS: 17 rules found");

        var alerts = rules.Alerts.ToList();
        var page = alerts.Single(a => a.Labels["sloth_severity"] == "page");
        var ticket = alerts.Single(a => a.Labels["sloth_severity"] == "ticket");
        var series = new Dictionary<string, string> { ["sloth_id"] = Id, ["sloth_service"] = "order-service", ["sloth_slo"] = "requests-availability", ["team"] = "shop" };

        object Traffic(string name, double okPerMinute, double errorsPerMinute, string eval, params AlertingRule[] firing) => new Dictionary<string, object>
        {
            ["name"] = name,
            ["interval"] = "1m",
            ["input_series"] = new List<object>
            {
                new Dictionary<string, string> { ["series"] = "http_server_requests_seconds_count{service=\"order-service\",status=\"200\"}", ["values"] = $"0+{okPerMinute}x300" },
                new Dictionary<string, string> { ["series"] = "http_server_requests_seconds_count{service=\"order-service\",status=\"500\"}", ["values"] = $"0+{errorsPerMinute}x300" },
            },
            ["alert_rule_test"] = new List<object>
            {
                new Dictionary<string, object>
                {
                    ["eval_time"] = eval,
                    ["alertname"] = page.Alert,
                    ["exp_alerts"] = firing.Select(a =>
                    {
                        var labels = new Dictionary<string, string>(series);
                        foreach (var (k, v) in a.Labels)
                        {
                            labels[k] = v;
                        }

                        return (object)new Dictionary<string, object>
                        {
                            ["exp_labels"] = labels,
                            ["exp_annotations"] = a.Annotations.ToDictionary(x => x.Key, x => AnnotationTemplate.Render(x.Value, labels, 0)),
                        };
                    }).ToList(),
                },
            },
        };

        var budgetTest = new Dictionary<string, object>
        {
            ["name"] = "no errors: the whole budget remains",
            ["interval"] = "1m",
            ["input_series"] = new List<object>
            {
                new Dictionary<string, string> { ["series"] = "http_server_requests_seconds_count{service=\"order-service\",status=\"200\"}", ["values"] = "0+600x120" },
                new Dictionary<string, string> { ["series"] = "http_server_requests_seconds_count{service=\"order-service\",status=\"500\"}", ["values"] = "0x120" },
            },
            ["promql_expr_test"] = new List<object>
            {
                new Dictionary<string, object>
                {
                    ["expr"] = "slo:period_error_budget_remaining:ratio",
                    ["eval_time"] = "90m",
                    ["exp_samples"] = new List<object>
                    {
                        new Dictionary<string, object>
                        {
                            ["labels"] = $"slo:period_error_budget_remaining:ratio{{sloth_id=\"{Id}\",sloth_service=\"order-service\",sloth_slo=\"requests-availability\",sloth_window=\"30d\",team=\"shop\"}}",
                            ["value"] = 1,
                        },
                    },
                },
            },
        };

        var tests = YamlText.Serialize(new Dictionary<string, object>
        {
            ["rule_files"] = new List<string> { "slo.yaml" },
            ["evaluation_interval"] = "1m",
            ["tests"] = new List<object>
            {
                Traffic("10 % errors: page and ticket", 540, 60, "70m", page, ticket),
                Traffic("0.4 % errors: ticket only", 996, 4, "3h", ticket),
                Traffic("0.05 % errors: within budget", 999.5, 0.5, "3h"),
                budgetTest,
            },
        });
        File.WriteAllText(dir.File("tests.yaml"), tests);
        var run = Tools.Run(Tools.Promtool, dir.Path, "test", "rules", "tests.yaml");
        run.Code.ShouldBe(0, run.Output + "\n" + tests);
    }
}
