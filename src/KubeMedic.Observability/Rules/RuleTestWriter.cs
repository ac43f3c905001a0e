using KubeMedic.Observability.Yaml;

namespace KubeMedic.Observability.Rules;

/// <summary>
/// Builds a <c>promtool test rules</c> file from the test cases attached to each alerting rule: one group where the alert fires
/// with exact labels and annotations, one where it must stay silent. Timed for Prometheus 2.42 semantics.
/// </summary>
public static class RuleTestWriter
{
    public static string Write(RuleSet rules, string ruleFile, IEnumerable<object>? extraTests = null)
    {
        var tests = new List<object>();
        foreach (var alert in rules.Alerts)
        {
            if (alert.Firing is { } firing)
            {
                tests.Add(TestGroup(alert, firing));
            }

            if (alert.Quiet is { } quiet)
            {
                tests.Add(TestGroup(alert, quiet));
            }
        }

        if (extraTests is not null)
        {
            tests.AddRange(extraTests);
        }

        return YamlText.Serialize(new Dictionary<string, object>
        {
            ["rule_files"] = new List<string> { ruleFile },
            ["evaluation_interval"] = "1m",
            ["tests"] = tests,
        });
    }

    public static Dictionary<string, object> TestGroup(AlertingRule alert, RuleTestCase test) => new()
    {
        ["name"] = $"{alert.Alert}: {test.Name}",
        ["interval"] = "1m",
        ["input_series"] = test.Input.Select(s => (object)new Dictionary<string, string> { ["series"] = s.Series, ["values"] = s.Values }).ToList(),
        ["alert_rule_test"] = new List<object>
        {
            new Dictionary<string, object>
            {
                ["eval_time"] = test.EvalTime,
                ["alertname"] = alert.Alert,
                ["exp_alerts"] = test.Expected.Select(e => (object)ExpectedAlertNode(alert, e)).ToList(),
            },
        },
    };

    private static Dictionary<string, object> ExpectedAlertNode(AlertingRule alert, ExpectedAlert expected)
    {
        var labels = new Dictionary<string, string>(expected.Labels);
        foreach (var (k, v) in alert.Labels)
        {
            labels[k] = v;
        }

        var annotations = alert.Annotations.ToDictionary(a => a.Key, a => AnnotationTemplate.Render(a.Value, labels, expected.Value));
        return new Dictionary<string, object> { ["exp_labels"] = labels, ["exp_annotations"] = annotations };
    }
}
