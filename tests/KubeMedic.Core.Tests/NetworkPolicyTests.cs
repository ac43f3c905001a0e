using KubeMedic.Core.Analysis;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;

namespace KubeMedic.Core.Tests;

/// <summary>
/// network-policy-blocks: a default-deny ingress NetworkPolicy isolates a backend (pods Ready, endpoints present,
/// connections time out). Fixture: Fixtures/networkpolicy-shop.json (namespace shop: frontend and catalog, both Ready,
/// with Services and Endpoints) plus the policies of each case as kubectl JSON.
/// </summary>
public sealed class NetworkPolicyTests
{
    private static readonly ObjectRef Catalog = new("Service", "shop", "catalog");

    private const string DenyAll = """
        {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"default-deny-ingress","namespace":"shop","uid":"np-1","creationTimestamp":"2026-11-23T10:05:00Z"},
         "spec":{"podSelector":{},"policyTypes":["Ingress"]}}
        """;

    private const string AllowFromFrontend = """
        {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"catalog-from-frontend","namespace":"shop","uid":"np-2"},
         "spec":{"podSelector":{"matchLabels":{"app":"catalog"}},"policyTypes":["Ingress"],
                 "ingress":[{"from":[{"podSelector":{"matchLabels":{"app":"frontend"}}},{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"ingress-nginx"}}},{"ipBlock":{"cidr":"10.0.0.0/8","except":["10.1.0.0/16"]}}],
                             "ports":[{"protocol":"TCP","port":8080}]}]}}
        """;

    private const string AllowAllToCatalog = """
        {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"catalog-open","namespace":"shop","uid":"np-3"},
         "spec":{"podSelector":{"matchLabels":{"app":"catalog"}},"policyTypes":["Ingress"],"ingress":[{}]}}
        """;

    private const string DenyPaymentsOnly = """
        {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"payments-deny","namespace":"shop","uid":"np-4"},
         "spec":{"podSelector":{"matchLabels":{"app":"payments"}},"policyTypes":["Ingress"]}}
        """;

    private const string DenyAllEgressOnly = """
        {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"default-deny-egress","namespace":"shop","uid":"np-5"},
         "spec":{"podSelector":{},"policyTypes":["Egress"]}}
        """;

    private const string DenyAllOtherNamespace = """
        {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"default-deny-ingress","namespace":"billing","uid":"np-6"},
         "spec":{"podSelector":{},"policyTypes":["Ingress"]}}
        """;

    private static ClusterModel Model(params string[] policies) =>
        Fixtures.FromText(File.ReadAllText(Fixtures.PathOf("networkpolicy-shop.json")) + "\n" + string.Join("\n", policies), "networkpolicy-shop");

    public static TheoryData<string, string[], bool> Cases => new()
    {
        { "default deny ingress, no allow rule", [DenyAll], true },
        { "default deny + allow catalog from frontend", [DenyAll, AllowFromFrontend], false },
        { "default deny + empty {} rule for catalog", [DenyAll, AllowAllToCatalog], false },
        { "deny-all selecting other pods only", [DenyPaymentsOnly], false },
        { "default deny egress only", [DenyAllEgressOnly], false },
        { "default deny in another namespace", [DenyAllOtherNamespace], false },
        { "no NetworkPolicy at all", [], false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Catalog_is_flagged_only_when_no_rule_admits_anything(string variant, string[] policies, bool flagged)
    {
        var diagnosis = DiagnosisEngine.Default.Diagnose(Model(policies));
        var finding = diagnosis.Find(FindingCodes.NetworkPolicyBlocks, Catalog);
        if (flagged)
        {
            finding.ShouldNotBeNull(variant);
        }
        else
        {
            finding.ShouldBeNull(variant);
        }

        diagnosis.Findings.ShouldNotContain(f => f.Code == FindingCodes.ServiceNoEndpoints, variant);
    }

    [Fact]
    public void Default_deny_finding_names_the_policy_quotes_its_spec_and_proposes_an_allow_policy()
    {
        var diagnosis = DiagnosisEngine.Default.Diagnose(Model(DenyAll));
        var f = diagnosis.Find(FindingCodes.NetworkPolicyBlocks, Catalog)!;

        f.Severity.ShouldBe(Severity.High);
        f.SubReason.ShouldBe("default-deny");
        f.Pods.ShouldBe(["catalog-5b8c4d-m7q2z", "catalog-5b8c4d-r9t1w"], ignoreOrder: true);
        f.Cause.ShouldContain("NetworkPolicy default-deny-ingress");
        f.Cause.ShouldContain("connection times out");
        f.Evidence.ShouldContain(e => e.Source == EvidenceSource.Spec && e.Text.Contains("networkpolicy default-deny-ingress spec: podSelector {} (all), policyTypes [Ingress], ingress: []"));
        f.Evidence.ShouldContain(e => e.Source == EvidenceSource.Status && e.Text.StartsWith("Endpoints catalog: 2 ready address(es)"));
        f.Related.ShouldContain(r => r.Object == new ObjectRef("NetworkPolicy", "shop", "default-deny-ingress"));
        f.Docs.ShouldBe(FindingCatalog.DocsFor(FindingCodes.NetworkPolicyBlocks));

        f.Fix.ShouldNotBeNull();
        f.Fix.Commands.ShouldContain("kubectl describe networkpolicy default-deny-ingress -n shop");
        var manifest = f.Fix.Commands.Single(c => c.StartsWith("kubectl apply -f - <<'EOF'"));
        manifest.ShouldContain("kind: NetworkPolicy");
        manifest.ShouldContain("podSelector: {matchLabels: {app: catalog}}");
        manifest.ShouldContain("- from:\n        - podSelector: {}");
        f.Fix.Description.ShouldContain("other workloads in shop: app=frontend");
        manifest.ShouldContain("- {protocol: TCP, port: 8080}");

        // the allow policy the fix proposes, applied, clears the finding
        var yaml = manifest["kubectl apply -f - <<'EOF'\n".Length..^"\nEOF".Length];
        var fixedModel = new ClusterModelBuilder()
            .AddStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(File.ReadAllText(Fixtures.PathOf("networkpolicy-shop.json")) + DenyAll)), "base")
            .AddStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(yaml)), "fix.yaml")
            .Build();
        DiagnosisEngine.Default.Diagnose(fixedModel).Find(FindingCodes.NetworkPolicyBlocks, Catalog).ShouldBeNull();
    }

    [Fact]
    public void NetworkPolicy_is_parsed_into_the_model()
    {
        var model = Model(DenyAll, AllowFromFrontend);
        model.KindsPresent.ShouldContain("NetworkPolicy");
        model.NetworkPolicies.Count.ShouldBe(2);

        var deny = model.NetworkPolicies.Single(p => p.Name == "default-deny-ingress");
        deny.Namespace.ShouldBe("shop");
        deny.PodSelector.IsEmpty.ShouldBeTrue();
        deny.PolicyTypes.ShouldBe(["Ingress"]);
        deny.AffectsIngress.ShouldBeTrue();
        deny.Ingress.ShouldBeEmpty();

        var allow = model.NetworkPolicies.Single(p => p.Name == "catalog-from-frontend");
        allow.PodSelector.MatchLabels["app"].ShouldBe("catalog");
        var rule = allow.Ingress.ShouldHaveSingleItem();
        rule.Peers.Count.ShouldBe(3);
        rule.Peers[0].PodSelector!.MatchLabels["app"].ShouldBe("frontend");
        rule.Peers[0].NamespaceSelector.ShouldBeNull();
        rule.Peers[1].NamespaceSelector!.MatchLabels["kubernetes.io/metadata.name"].ShouldBe("ingress-nginx");
        rule.Peers[2].IpBlockCidr.ShouldBe("10.0.0.0/8");
        rule.Peers[2].IpBlockExcept.ShouldBe(["10.1.0.0/16"]);
        rule.Ports.ShouldBe([new NetworkPolicyPort("TCP", "8080", null)]);

        model.Restrict(new ClusterScope("billing")).NetworkPolicies.ShouldBeEmpty();
    }
}
