using System.Text.Json.Nodes;
using KubeMedic.Core.Remedies;
using KubeMedic.Kubernetes.Repair;

namespace KubeMedic.Kubernetes.Tests.Repair;

public sealed class ObjectDiffTests
{
    [Fact]
    public void Diff_shows_only_the_changed_lines_with_colour_when_asked()
    {
        var before = JsonNode.Parse("""{"kind":"Deployment","metadata":{"name":"web","resourceVersion":"7"},"spec":{"template":{"spec":{"containers":[{"name":"web","resources":{"limits":{"memory":"512Mi"}}}]}}},"status":{"replicas":3}}""")!.AsObject();
        var patch = JsonNode.Parse("""{"spec":{"template":{"spec":{"containers":[{"name":"web","resources":{"limits":{"memory":"768Mi"}}}]}}}}""")!;
        var after = PatchApplier.Apply(before, patch, PatchKind.Strategic);

        var plain = ObjectDiff.Unified(before, after, "Deployment/default/web", color: false);
        plain.ShouldContain("-                \"memory\": \"512Mi\"");
        plain.ShouldContain("+                \"memory\": \"768Mi\"");
        plain.ShouldNotContain("status");
        plain.ShouldNotContain("resourceVersion");
        plain.ShouldNotContain("\u001b[");

        var coloured = ObjectDiff.Unified(before, after, "Deployment/default/web", color: true);
        coloured.ShouldContain("\u001b[31m-");
        coloured.ShouldContain("\u001b[32m+");
    }
}
