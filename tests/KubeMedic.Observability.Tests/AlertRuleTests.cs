using System.Reflection;
using KubeMedic.Core.Findings;
using KubeMedic.Observability.Capacity;
using KubeMedic.Observability.Rules;
using YamlDotNet.RepresentationModel;

namespace KubeMedic.Observability.Tests;

public sealed class AlertRuleTests
{
    private const long Gi = 1024L * 1024 * 1024;

    [Fact]
    public void Thresholds_for_a_t3_medium_match_seed_001()
    {
        var t = AlertThresholds.ForNode(new NodeCapacity("ip-10-0-1-34", 2, 4 * Gi));
        t.NodeCpuWarningPercent.ShouldBe(80);
        t.NodeCpuCriticalPercent.ShouldBe(95);
        t.NodeMemoryWarningPercent.ShouldBe(85);
        t.NodeMemoryCriticalPercent.ShouldBe(94);
    }

    [Fact]
    public void Small_nodes_get_lower_thresholds_and_large_nodes_higher()
    {
        var small = AlertThresholds.ForNode(new NodeCapacity("a", 1, 2 * Gi));
        var large = AlertThresholds.ForNode(new NodeCapacity("b", 16, 64 * Gi));
        small.NodeCpuCriticalPercent.ShouldBe(90);
        small.NodeMemoryWarningPercent.ShouldBe(70);
        large.NodeMemoryWarningPercent.ShouldBe(90);
        large.NodeMemoryCriticalPercent.ShouldBe(95);
        large.NodeCpuWarningPercent.ShouldBe(80);
    }

    [Fact]
    public void Nodes_file_is_tuned_to_the_smallest_node()
    {
        var nodes = NodesFile.Parse(NodesJson(("big", "8", "32Gi"), ("small", "2", "3985740Ki")), "nodes.json");
        nodes.Count.ShouldBe(2);
        nodes[1].CpuCores.ShouldBe(2);
        nodes[1].MemoryBytes.ShouldBe(3985740L * 1024);
        var t = AlertThresholds.ForNodes(nodes);
        t.TunedFor!.Name.ShouldBe("small");
        t.NodeMemoryWarningPercent.ShouldBe(84);
    }

    [Theory]
    [InlineData("{}", "no kind")]
    [InlineData("{\"kind\":\"Pod\"}", "expected kind List or Node")]
    [InlineData("not json", "not JSON")]
    public void Bad_nodes_files_are_user_errors(string json, string message)
    {
        var ex = Should.Throw<KubeMedic.Core.UserInputException>(() => NodesFile.Parse(json, "nodes.json"));
        ex.Message.ShouldContain(message);
    }

    [Fact]
    public void Bad_quantity_names_the_problem()
    {
        Should.Throw<KubeMedic.Core.UserInputException>(() => NodesFile.Parse(NodesJson(("n", "two", "4Gi")), "nodes.json")).Message.ShouldContain("'two'");
    }

    [Fact]
    public void Every_alert_has_severity_code_summary_description_and_a_runbook()
    {
        var rules = AlertRuleGenerator.Generate(new AlertRuleOptions { RunbookBase = "https://runbooks.example/kubemedic/" });
        var codes = typeof(FindingCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToHashSet();
        var alerts = rules.Alerts.ToList();
        alerts.Count.ShouldBeGreaterThanOrEqualTo(20);
        foreach (var a in alerts)
        {
            a.Labels["severity"].ShouldBeOneOf("critical", "warning", "info");
            codes.ShouldContain(a.Labels[AlertRuleGenerator.CodeLabel]);
            a.Annotations["summary"].ShouldNotBeNullOrWhiteSpace();
            a.Annotations["description"].ShouldNotBeNullOrWhiteSpace();
            a.Annotations["runbook_url"].ShouldBe($"https://runbooks.example/kubemedic/{a.Labels[AlertRuleGenerator.CodeLabel]}.md");
            a.Firing.ShouldNotBeNull();
            a.Quiet.ShouldNotBeNull();
        }

        // the groups the issue asks for
        var names = alerts.Select(a => a.Alert).ToHashSet();
        names.ShouldContain("KubeMedicPodOOMKilled");
        names.ShouldContain("KubeMedicPodCrashLooping");
        names.ShouldContain("KubeMedicPodImagePullFailing");
        names.ShouldContain("KubeMedicPodNotReady");
        names.ShouldContain("KubeMedicDeploymentRolloutStuck");
        names.ShouldContain("KubeMedicNodeNotReady");
        names.ShouldContain("KubeMedicNodePressure");
        names.ShouldContain("KubeMedicServiceHighErrorRate");
        names.ShouldContain("KubeMedicServiceHighLatency");
        names.ShouldContain("KubeMedicCPUThrottlingHigh");
    }

    [Fact]
    public void Every_alert_code_has_a_KubeMedic_runbook_and_the_alert_maps_back_to_it()
    {
        foreach (var alert in AlertRuleGenerator.Generate(new AlertRuleOptions()).Alerts)
        {
            var code = alert.Labels[AlertRuleGenerator.CodeLabel];
            KubeMedic.Core.Runbooks.RunbookCatalog.ForCode(code).ShouldNotBeNull($"no runbook for {code}");
        }

        foreach (var (alert, code) in new[] { ("KubeMedicServiceHighErrorRate", FindingCodes.HighErrorRate), ("KubeMedicServiceHighLatency", FindingCodes.HighLatency), ("KubeMedicCPUThrottlingHigh", FindingCodes.CpuThrottling) })
        {
            KubeMedic.Core.Runbooks.RunbookCatalog.CodeForAlert(alert).ShouldBe(code);
        }

        KubeMedic.Core.Runbooks.RunbookCatalog.ForCode(RunbookCodes.SloBudgetBurn).ShouldNotBeNull();
    }

    [Fact]
    public void Seed_003_RED_thresholds_are_in_the_expressions()
    {
        var alerts = AlertRuleGenerator.Generate(new AlertRuleOptions()).Alerts.ToDictionary(a => a.Alert);
        alerts["KubeMedicServiceHighErrorRate"].Expr.ShouldEndWith("> 1");
        alerts["KubeMedicServiceHighErrorRate"].Labels["severity"].ShouldBe("critical");
        alerts["KubeMedicServiceHighLatency"].Expr.ShouldEndWith("> 0.5");
        alerts["KubeMedicServiceHighLatency"].Labels["severity"].ShouldBe("warning");
    }

    [Fact]
    public void PrometheusRule_has_the_CRD_shape_and_no_fields_2_42_rejects()
    {
        var text = RuleFileWriter.ToPrometheusRule(AlertRuleGenerator.Generate(new AlertRuleOptions()), new PrometheusRuleMetadata("kubemedic-alerts"));
        var root = (YamlMappingNode)Load(text);
        root["apiVersion"].ToString().ShouldBe("monitoring.coreos.com/v1");
        root["kind"].ToString().ShouldBe("PrometheusRule");
        ((YamlMappingNode)root["metadata"])["namespace"].ToString().ShouldBe("monitoring");
        var groups = (YamlSequenceNode)((YamlMappingNode)root["spec"])["groups"];
        groups.Children.Count.ShouldBe(6);
        foreach (YamlMappingNode g in groups.Children.Cast<YamlMappingNode>())
        {
            g.Children.Keys.Select(k => k.ToString()).ShouldBeSubsetOf(["name", "interval", "limit", "rules"]);
        }

        text.ShouldNotContain("query_offset");
        text.ShouldNotContain("keep_firing_for");
    }

    [Theory]
    [InlineData(2, 4)]
    [InlineData(1, 2)]
    [InlineData(16, 64)]
    public void Promtool_accepts_the_rules_and_the_generated_suite_passes(double cpu, long memGi)
    {
        using var dir = new TempDir();
        var rules = AlertRuleGenerator.Generate(new AlertRuleOptions { Thresholds = AlertThresholds.ForNode(new NodeCapacity("n", cpu, memGi * Gi)) });
        File.WriteAllText(dir.File("rules.yaml"), RuleFileWriter.ToPlain(rules));
        File.WriteAllText(dir.File("tests.yaml"), RuleTestWriter.Write(rules, "rules.yaml"));

        var check = Tools.Run(Tools.Promtool, dir.Path, "check", "rules", "rules.yaml");
        check.Code.ShouldBe(0, check.Output);
        check.Output.ShouldContain($"SUCCESS: {rules.Alerts.Count()} rules found");
        check.Output.ShouldNotContain("lint error");

        var test = Tools.Run(Tools.Promtool, dir.Path, "test", "rules", "tests.yaml");
        test.Code.ShouldBe(0, test.Output);
        test.Output.ShouldContain("SUCCESS");
    }

    [Fact]
    public void The_PrometheusRule_spec_extracted_to_a_plain_file_passes_promtool()
    {
        using var dir = new TempDir();
        var text = RuleFileWriter.ToPrometheusRule(AlertRuleGenerator.Generate(new AlertRuleOptions()), new PrometheusRuleMetadata("x"));
        var spec = ((YamlMappingNode)Load(text))["spec"];
        var stream = new YamlStream(new YamlDocument(spec));
        using (var w = new StreamWriter(dir.File("spec.yaml")))
        {
            stream.Save(w, assignAnchors: false);
        }

        var check = Tools.Run(Tools.Promtool, dir.Path, "check", "rules", "spec.yaml");
        check.Code.ShouldBe(0, check.Output);
    }

    [Fact]
    public void The_generated_suite_catches_a_wrong_threshold()
    {
        // Tests generated for 2 vCPU (CPU warning 80 %) run against rules tuned for 1 vCPU (warning 60 %):
        // the quiet case (70 % busy) now fires, so promtool must fail.
        using var dir = new TempDir();
        var forTwo = AlertRuleGenerator.Generate(new AlertRuleOptions { Thresholds = AlertThresholds.ForNode(new NodeCapacity("n", 2, 4 * Gi)) });
        var forOne = AlertRuleGenerator.Generate(new AlertRuleOptions { Thresholds = AlertThresholds.ForNode(new NodeCapacity("n", 1, 4 * Gi)) with { NodeCpuCriticalPercent = 95 } });
        File.WriteAllText(dir.File("rules.yaml"), RuleFileWriter.ToPlain(forOne));
        File.WriteAllText(dir.File("tests.yaml"), RuleTestWriter.Write(forTwo, "rules.yaml"));
        var test = Tools.Run(Tools.Promtool, dir.Path, "test", "rules", "tests.yaml");
        test.Code.ShouldNotBe(0);
        test.Output.ShouldContain("KubeMedicNodeHighCPU: node below the warning threshold");
    }

    [Fact]
    public void Inconsistent_threshold_overrides_are_rejected()
    {
        var bad = new AlertThresholds { NodeCpuWarningPercent = 96, NodeCpuCriticalPercent = 95 };
        Should.Throw<KubeMedic.Core.UserInputException>(() => AlertRuleGenerator.Generate(new AlertRuleOptions { Thresholds = bad }))
            .Message.ShouldContain("node CPU warning");
    }

    private static YamlNode Load(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents[0].RootNode;
    }

    internal static string NodesJson(params (string Name, string Cpu, string Memory)[] nodes) =>
        "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[" + string.Join(",", nodes.Select(n =>
            $"{{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{{\"name\":\"{n.Name}\"}},\"status\":{{\"capacity\":{{\"cpu\":\"{n.Cpu}\",\"memory\":\"{n.Memory}\",\"pods\":\"110\"}},\"allocatable\":{{\"cpu\":\"{n.Cpu}\",\"memory\":\"{n.Memory}\",\"pods\":\"110\"}}}}}}")) + "]}";
}
