using System.Reflection;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Runbooks;

namespace KubeMedic.Core.Tests.Runbooks;

public sealed class RunbookCatalogTests
{
    private static List<string> Codes() =>
        [.. typeof(FindingCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!)];

    public static TheoryData<string> AllCodes() => new(Codes());

    [Theory]
    [MemberData(nameof(AllCodes))]
    public void Every_finding_code_has_a_runbook_with_the_four_sections(string code)
    {
        var runbook = RunbookCatalog.ForCode(code);
        runbook.ShouldNotBeNull($"no runbook for finding code '{code}' (add src/KubeMedic.Core/Runbooks/Content/{code}.md)");
        foreach (var section in Runbook.Sections)
        {
            var body = runbook.Section(section);
            body.ShouldNotBeNull($"{code}: missing ## {section}");
            body.Length.ShouldBeGreaterThan(80, $"{code}: ## {section} is too thin to be useful");
        }

        runbook.Section("Diagnosis")!.ShouldContain("kubectl ");
        runbook.Template.ShouldStartWith($"# {code}:");
    }

    [Fact]
    public void The_catalog_has_no_runbook_for_an_unknown_code()
    {
        var codes = Codes().ToHashSet();
        codes.Count.ShouldBeGreaterThan(20);
        RunbookCatalog.All.Select(r => r.Code).ShouldAllBe(c => codes.Contains(c));
        RunbookCatalog.ForCode("no-such-code").ShouldBeNull();
    }

    [Theory]
    [InlineData("KubePodCrashLooping", FindingCodes.CrashLoop)]
    [InlineData("kubepodcrashlooping", FindingCodes.CrashLoop)]
    [InlineData("KubeDeploymentRolloutStuck", FindingCodes.RolloutStuck)]
    [InlineData("KubeNodeNotReady", FindingCodes.NodeNotReady)]
    [InlineData("KubeNodeUnreachable", FindingCodes.NodeLost)]
    [InlineData("KubeJobFailed", FindingCodes.JobFailed)]
    [InlineData("KubeHpaMaxedOut", FindingCodes.HpaAtMax)]
    [InlineData("KubeDeploymentReplicasMismatch", FindingCodes.ReplicasUnavailable)]
    [InlineData("CPUThrottlingHigh", FindingCodes.CpuThrottling)]
    [InlineData("KubeMedicCPUThrottlingHigh", FindingCodes.CpuThrottling)]
    [InlineData("KubeMedicServiceHighErrorRate", FindingCodes.HighErrorRate)]
    [InlineData("KubeMedicServiceHighLatency", FindingCodes.HighLatency)]
    public void Kube_prometheus_alerts_map_to_their_runbook(string alert, string code)
    {
        RunbookCatalog.CodeForAlert(alert).ShouldBe(code);
        RunbookCatalog.Find(alert)!.Code.ShouldBe(code);
    }

    [Fact]
    public void Rendering_for_an_object_fills_its_commands()
    {
        var text = RunbookCatalog.ForCode(FindingCodes.OomKilled)!.Render(new ObjectRef("Deployment", "production", "order-service"));
        text.ShouldContain("kubectl rollout history deployment/order-service -n production");
        text.ShouldContain("kubectl set resources deployment/order-service -n production");
        text.ShouldNotContain("$NAMESPACE");
        text.ShouldNotContain("$NAME");
        text.ShouldContain("Still to fill: `$POD`");
    }

    [Fact]
    public void Rendering_for_a_pod_fills_the_pod_and_a_node_fills_the_node()
    {
        RunbookCatalog.ForCode(FindingCodes.CrashLoop)!.Render(new ObjectRef("Pod", "shop", "web-7d9f-abcde"))
            .ShouldContain("kubectl logs web-7d9f-abcde -n shop --previous");
        RunbookCatalog.ForCode(FindingCodes.NodeNotReady)!.Render(new ObjectRef("Node", null, "worker-2"))
            .ShouldContain("kubectl describe node worker-2");
    }

    [Fact]
    public void Export_writes_one_file_per_code_and_an_index_that_links_them()
    {
        var dir = Path.Combine(Path.GetTempPath(), "km-runbooks-" + Guid.NewGuid().ToString("N"));
        try
        {
            var files = RunbookCatalog.Export(dir);
            files.Count.ShouldBe(Codes().Count + 1);
            var index = File.ReadAllText(Path.Combine(dir, "README.md"));
            foreach (var code in Codes())
            {
                File.Exists(Path.Combine(dir, code + ".md")).ShouldBeTrue();
                index.ShouldContain($"({code}.md)");
            }

            File.ReadAllText(Path.Combine(dir, "oom-killed.md")).ShouldContain("## Mitigation");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Each_alert_is_primary_in_exactly_one_runbook()
    {
        var duplicates = RunbookCatalog.All.SelectMany(r => r.Alerts.Select(a => (a, r.Code))).GroupBy(x => x.a, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        duplicates.ShouldBeEmpty();
        RunbookCatalog.All.SelectMany(r => r.RelatedAlerts).ShouldAllBe(a => RunbookCatalog.CodeForAlert(a) != null);
    }

    [Fact]
    public void Url_for_a_code_is_base_slash_code_md()
    {
        RunbookCatalog.UrlFor("oom-killed", "https://example.com/runbooks/").ShouldBe("https://example.com/runbooks/oom-killed.md");
    }
}
