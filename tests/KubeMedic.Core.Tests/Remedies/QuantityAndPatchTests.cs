using System.Text.Json.Nodes;
using KubeMedic.Core.Remedies;

namespace KubeMedic.Core.Tests.Remedies;

public sealed class QuantityAndPatchTests
{
    [Theory]
    [InlineData("512Mi", 536870912L)]
    [InlineData("1Gi", 1073741824L)]
    [InlineData("1G", 1000000000L)]
    [InlineData("128974848", 128974848L)]
    [InlineData("129e6", 129000000L)]
    [InlineData("1.5Gi", 1610612736L)]
    public void Parses_memory(string text, long bytes) => Quantity.ParseBytes(text).ShouldBe(bytes);

    [Theory]
    [InlineData("250m", 250L)]
    [InlineData("2", 2000L)]
    [InlineData("0.5", 500L)]
    public void Parses_cpu(string text, long milli) => Quantity.ParseMillicores(text).ShouldBe(milli);

    [Theory]
    [InlineData(805306368L, "768Mi")]
    [InlineData(1073741824L, "1Gi")]
    [InlineData(1000L, "1Mi")]
    public void Formats_memory(long bytes, string text) => Quantity.FormatBytes(bytes).ShouldBe(text);

    [Fact]
    public void Strategic_merge_merges_containers_by_name_and_null_deletes()
    {
        var target = JsonNode.Parse("""{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}],"nodeSelector":{"k":"v"}}}""")!.AsObject();
        var patch = JsonNode.Parse("""{"spec":{"containers":[{"name":"b","image":"z"}],"nodeSelector":{"k":null}}}""")!;
        var after = PatchApplier.Apply(target, patch, PatchKind.Strategic);
        after.ToJsonString().ShouldBe("""{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"z"}],"nodeSelector":{}}}""");
        // an RFC 7386 merge patch replaces the list instead
        PatchApplier.Apply(target, patch, PatchKind.Merge)["spec"]!["containers"]!.AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public void Json_patch_test_failure_throws()
    {
        var target = JsonNode.Parse("""{"a":1}""")!.AsObject();
        Should.Throw<InvalidOperationException>(() => PatchApplier.Apply(target, JsonNode.Parse("""[{"op":"test","path":"/a","value":2}]""")!, PatchKind.Json));
        PatchApplier.Apply(target, JsonNode.Parse("""[{"op":"add","path":"/b","value":2},{"op":"remove","path":"/a"}]""")!, PatchKind.Json).ToJsonString().ShouldBe("""{"b":2}""");
    }
}
