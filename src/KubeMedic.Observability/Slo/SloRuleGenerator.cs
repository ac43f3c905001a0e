using System.Globalization;
using System.Text;
using KubeMedic.Observability.Rules;

namespace KubeMedic.Observability.Slo;

/// <summary>One multi-window burn-rate alert condition: both windows above factor × budget.</summary>
public sealed record BurnWindow(string Long, string Short, double BudgetConsumed, string Severity)
{
    /// <summary>Burn factor = budget consumed × SLO window / long window (14.4, 6, 3, 1 for 30 days).</summary>
    public double Factor(TimeSpan sloWindow) => Math.Round(BudgetConsumed * sloWindow.TotalHours / SloSpecReader.ParseDuration(Long)!.Value.TotalHours, 4);
}

/// <summary>
/// Multi-window multi-burn-rate SLO rules, as Sloth generates them (Google SRE workbook): SLI error-ratio recording rules per window,
/// meta recordings (objective, budget, burn rates, remaining budget) and a page alert (14.4× over 1h/5m or 6× over 6h/30m) and a
/// ticket alert (3× over 1d/2h or 1× over 3d/6h). Record names and sloth_* labels match Sloth, so Sloth's Grafana dashboards work.
/// </summary>
public static class SloRuleGenerator
{
    public static readonly IReadOnlyList<BurnWindow> Windows =
    [
        new("1h", "5m", 0.02, "page"),
        new("6h", "30m", 0.05, "page"),
        new("1d", "2h", 0.10, "ticket"),
        new("3d", "6h", 0.10, "ticket"),
    ];

    private static readonly string[] SliWindows = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

    public static RuleSet Generate(SloSpec spec, string runbookBase = RunbookCodes.DefaultBase)
    {
        var groups = new List<RuleGroup>();
        foreach (var slo in spec.Slos)
        {
            var id = $"{spec.Service}-{slo.Name}";
            var ids = new Dictionary<string, string> { ["sloth_id"] = id, ["sloth_service"] = spec.Service, ["sloth_slo"] = slo.Name };
            var sel = $"{{sloth_id=\"{id}\", sloth_service=\"{spec.Service}\", sloth_slo=\"{slo.Name}\"}}";
            var period = spec.WindowText;

            Dictionary<string, string> Labels(params (string K, string V)[] extra)
            {
                var d = new Dictionary<string, string>(spec.Labels);
                foreach (var (k, v) in ids)
                {
                    d[k] = v;
                }

                foreach (var (k, v) in extra)
                {
                    d[k] = v;
                }

                return d;
            }

            var sli = SliWindows.Select(w => (Rule)new RecordingRule($"slo:sli_error:ratio_rate{w}",
                $"({slo.ErrorQueryFor(w)})\n/\n({slo.TotalQueryFor(w)})", Labels(("sloth_window", w)))).ToList();
            sli.Add(new RecordingRule($"slo:sli_error:ratio_rate{period}",
                $"sum_over_time(slo:sli_error:ratio_rate5m{sel}[{period}])\n/ ignoring (sloth_window)\ncount_over_time(slo:sli_error:ratio_rate5m{sel}[{period}])",
                Labels(("sloth_window", period))));
            groups.Add(new RuleGroup($"kubemedic-slo-sli-recordings-{id}", sli));

            var budget = slo.ErrorBudget;
            var on = "on (sloth_id, sloth_slo, sloth_service) group_left";
            groups.Add(new RuleGroup($"kubemedic-slo-meta-recordings-{id}",
            [
                new RecordingRule("slo:objective:ratio", $"vector({N(slo.Objective / 100)})", Labels()),
                new RecordingRule("slo:error_budget:ratio", $"vector(1 - {N(slo.Objective / 100)})", Labels()),
                new RecordingRule("slo:time_period:days", $"vector({N(spec.Window.TotalDays)})", Labels()),
                new RecordingRule("slo:current_burn_rate:ratio", $"slo:sli_error:ratio_rate5m{sel}\n/ {on}\nslo:error_budget:ratio{sel}", Labels()),
                new RecordingRule("slo:period_burn_rate:ratio", $"slo:sli_error:ratio_rate{period}{sel}\n/ {on}\nslo:error_budget:ratio{sel}", Labels()),
                new RecordingRule("slo:period_error_budget_remaining:ratio", $"1 - slo:period_burn_rate:ratio{sel}", Labels()),
                new RecordingRule("sloth_slo_info", "vector(1)", Labels(("sloth_objective", N(slo.Objective)))),
            ]));

            var alertName = slo.AlertName ?? Pascal(spec.Service) + Pascal(slo.Name) + "ErrorBudgetBurn";
            var alerts = new List<Rule>();
            foreach (var (severity, promSeverity, pairs) in new[] { ("page", "critical", Windows.Where(w => w.Severity == "page").ToList()), ("ticket", "warning", Windows.Where(w => w.Severity == "ticket").ToList()) })
            {
                var expr = new StringBuilder();
                foreach (var w in pairs)
                {
                    var threshold = $"({N(w.Factor(spec.Window))} * {N(budget)})";
                    if (expr.Length > 0)
                    {
                        expr.Append("\nor\n");
                    }

                    expr.Append(CultureInfo.InvariantCulture,
                        $"(\n  max(slo:sli_error:ratio_rate{w.Short}{sel} > {threshold}) without (sloth_window)\n  and\n  max(slo:sli_error:ratio_rate{w.Long}{sel} > {threshold}) without (sloth_window)\n)");
                }

                var windowsText = string.Join(" or ", pairs.Select(w => $"{N(w.Factor(spec.Window))}x over {w.Long}/{w.Short}"));
                alerts.Add(new AlertingRule(alertName, expr.ToString(), null,
                    new Dictionary<string, string>(spec.Labels)
                    {
                        ["severity"] = promSeverity,
                        ["sloth_severity"] = severity,
                        [AlertRuleGenerator.CodeLabel] = RunbookCodes.SloBudgetBurn,
                    },
                    new Dictionary<string, string>
                    {
                        ["summary"] = $"{spec.Service} is burning its {slo.Name} error budget too fast ({severity})",
                        ["description"] = $"SLO {{{{ $labels.sloth_slo }}}} of {{{{ $labels.sloth_service }}}} (objective {N(slo.Objective)} % over {period}) burns its error budget at {windowsText}. "
                            + (severity == "page" ? "At this rate the budget is gone within days: act now." : "Budget consumption is above plan: open a ticket."),
                        ["runbook_url"] = RunbookCodes.Url(runbookBase, RunbookCodes.SloBudgetBurn),
                    }));
            }

            groups.Add(new RuleGroup($"kubemedic-slo-alerts-{id}", alerts));
        }

        return new RuleSet(groups);
    }

    internal static string N(double v) => Math.Round(v, 10).ToString("0.##########", CultureInfo.InvariantCulture);

    private static string Pascal(string s) => string.Concat(s.Split('-', '_').Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
}
