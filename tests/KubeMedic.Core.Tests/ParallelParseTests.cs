using System.Globalization;
using System.Text;
using KubeMedic.Core.Analysis;
using KubeMedic.Core.Model;

namespace KubeMedic.Core.Tests;

/// <summary>
/// A large pretty-printed kubectl List is parsed on several cores: the model (order included), the findings and the
/// errors must be exactly those of one sequential pass, and inputs that cannot be split safely are read in one pass.
/// </summary>
public sealed class ParallelParseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("km-par-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static (ClusterModel Model, int Ranges) Load(string path, int parallelism)
    {
        var builder = new ClusterModelBuilder { Parallelism = parallelism, MinParallelRangeBytes = 1 };
        builder.AddPath(path);
        return (builder.Build(), builder.ParallelRanges);
    }

    /// <summary>Everything the analyzers read, in model order, as text.</summary>
    private static string Describe(ClusterModel m)
    {
        var sb = new StringBuilder();
        foreach (var o in m.Pods.Cast<KubeObject>().Concat(m.Nodes).Concat(m.Deployments).Concat(m.ReplicaSets).Concat(m.StatefulSets)
            .Concat(m.DaemonSets).Concat(m.Jobs).Concat(m.CronJobs).Concat(m.Services).Concat(m.Endpoints).Concat(m.Ingresses)
            .Concat(m.PersistentVolumeClaims).Concat(m.HorizontalPodAutoscalers).Concat(m.PodDisruptionBudgets).Concat(m.Namespaces)
            .Concat(m.ConfigMaps).Concat(m.Secrets))
        {
            sb.Append(o.GetType().Name).Append(' ').Append(o.Namespace).Append('/').Append(o.Name).Append(' ').Append(o.Uid).Append('\n');
        }

        foreach (var e in m.Events)
        {
            sb.Append(CultureInfo.InvariantCulture, $"event {e.InvolvedObject} {e.Reason} {e.Type} x{e.Count} {e.FirstTimestamp:O} {e.LastTimestamp:O} {e.Message}\n");
        }

        foreach (var l in m.Logs)
        {
            sb.Append(CultureInfo.InvariantCulture, $"log {l.Namespace}/{l.Pod}/{l.Container} {string.Join("|", l.Lines)}\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"observed {m.ObservedAt:O} kinds {string.Join(",", m.KindsPresent.Order(StringComparer.Ordinal))}\n");
        foreach (var f in DiagnosisEngine.Default.Diagnose(m).Findings)
        {
            sb.Append(CultureInfo.InvariantCulture, $"finding {f.Code} {f.Severity} {f.Object} {f.SubReason} {f.Summary} | {f.Cause} | {string.Join(" / ", f.Evidence.Select(e => e.Text))}\n");
        }

        return sb.ToString();
    }

    [Theory]
    [InlineData("seed002-disasters.json")]
    [InlineData("seed000-oom.json")]
    [InlineData("healthy.json")]
    [InlineData("dump-seed000-stdout.txt")] // several documents with log sections between them
    public void Parallel_parse_gives_the_sequential_model_and_findings(string fixture)
    {
        var path = Fixtures.PathOf(fixture);
        var (sequential, none) = Load(path, parallelism: 1);
        var sequentialText = Describe(sequential);

        foreach (var parts in new[] { 2, 3, 8 })
        {
            var (parallel, ranges) = Load(path, parts);

            ranges.ShouldBeGreaterThan(1, $"{fixture} was not split into {parts}");
            Describe(parallel).ShouldBe(sequentialText, $"{fixture} in {parts} parts");
        }

        none.ShouldBe(0);
        sequential.ObjectCount.ShouldBeGreaterThan(0);
    }

    [Theory]
    [InlineData("seed002-disasters.json")]
    [InlineData("seed000-oom.json")]
    [InlineData("dump-seed000")]
    public void Analyzer_families_on_several_cores_give_the_sequential_findings(string fixture)
    {
        var model = Fixtures.Load(fixture);
        static string Text(DiagnosisResult r) => string.Join("\n", r.Findings.Select(f =>
            $"{f.Code} {f.Severity} {f.Object} {f.SubReason} {f.Summary} | {string.Join(" / ", f.Evidence.Select(e => e.Text))} | {string.Join(",", f.Related.Select(x => x.Code))}"));

        var sequential = Text(DiagnosisEngine.Default.Diagnose(model, new DiagnoseOptions { Parallel = false }));
        var parallel = Text(DiagnosisEngine.Default.Diagnose(model, new DiagnoseOptions { Parallel = true }));
        var podChunks = Text(DiagnosisEngine.Default.Diagnose(Fixtures.Load(fixture), new DiagnoseOptions { Parallel = true, PodsPerChunk = 1 }));

        parallel.ShouldBe(sequential);
        podChunks.ShouldBe(sequential, "pods analyzed in chunks of one, on all cores");
        sequential.ShouldNotBeEmpty();
    }

    [Fact]
    public void Duplicate_events_in_different_ranges_fold_into_one()
    {
        static string Event(int i) => $$"""
                    {
                        "apiVersion": "v1",
                        "count": 2,
                        "firstTimestamp": "2026-11-20T09:{{i:D2}}:00Z",
                        "involvedObject": {
                            "kind": "Pod",
                            "name": "web-1",
                            "namespace": "shop"
                        },
                        "kind": "Event",
                        "lastTimestamp": "2026-11-20T10:{{i:D2}}:00Z",
                        "message": "Back-off restarting failed container",
                        "metadata": {
                            "name": "web-1.{{i}}",
                            "namespace": "shop"
                        },
                        "reason": "BackOff",
                        "type": "Warning"
                    }
            """;
        var text = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n" + string.Join(",\n", Enumerable.Range(0, 40).Select(Event)) + "\n    ],\n    \"kind\": \"List\"\n}\n";
        var path = Write("events.json", text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n            ", "\n", StringComparison.Ordinal));

        var (model, ranges) = Load(path, parallelism: 4);

        ranges.ShouldBeGreaterThan(8); // the 40 events are spread over many ranges
        var ev = model.Events.ShouldHaveSingleItem();
        ev.Count.ShouldBe(80);
        ev.FirstTimestamp!.Value.Minute.ShouldBe(0);
        ev.LastTimestamp!.Value.Minute.ShouldBe(39);
    }

    [Fact]
    public void Compact_json_is_read_in_one_pass_and_typed_list_items_take_the_list_kind()
    {
        var items = string.Join(",", Enumerable.Range(0, 50).Select(i => $$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns-{{{i}}}"}}"""));
        var compact = Write("compact.json", "{\"apiVersion\":\"v1\",\"items\":[" + items + "],\"kind\":\"List\"}");
        var typedItems = string.Join(",\n", Enumerable.Range(0, 50).Select(i => $"    {{\n      \"metadata\": {{\n        \"name\": \"ns-{i}\"\n      }}\n    }}"));
        var typed = Write("typed.json", "{\n  \"kind\": \"NamespaceList\",\n  \"apiVersion\": \"v1\",\n  \"items\": [\n" + typedItems + "\n  ]\n}\n");

        var (compactModel, compactRanges) = Load(compact, parallelism: 4);
        var (typedModel, typedRanges) = Load(typed, parallelism: 4);

        compactRanges.ShouldBe(0);
        compactModel.Namespaces.Count.ShouldBe(50);
        typedRanges.ShouldBeGreaterThan(8); // the items omit kind: each range takes it from its NamespaceList
        typedModel.Namespaces.Select(n => n.Name).ShouldBe(Enumerable.Range(0, 50).Select(i => $"ns-{i}"));
    }

    [Fact]
    public void A_malformed_late_range_reports_the_sequential_error()
    {
        var text = File.ReadAllText(Fixtures.PathOf("seed002-disasters.json")).ReplaceLineEndings("\n");
        var at = text.LastIndexOf("\"kind\": \"Pod\"", StringComparison.Ordinal);
        var broken = Write("broken.json", text[..at] + "\"kind\": \"Pod\", ,\n" + text[(at + 13)..]);

        var sequential = Should.Throw<UserInputException>(() => Load(broken, parallelism: 1));
        var parallel = Should.Throw<UserInputException>(() => Load(broken, parallelism: 4));

        parallel.Message.ShouldBe(sequential.Message);
        parallel.Message.ShouldContain("malformed JSON near byte");
    }
    [Fact]
    public void Ranges_drop_indentation_keep_line_breaks_and_pass_log_sections_through()
    {
        const string Text = "{\n    \"items\": [\n        {\n            \"a\": \"x  y\",\n            \"b\": [\n                1\n            ]\n        }\n    ]\n}\n"
            + "==== START logs for container app of pod shop/web-1 ====\n    at Handler.Run()\n  {\"level\": \"error\"}\n==== END logs for container app of pod shop/web-1 ====\n"
            + "{\n    \"kind\": \"List\"\n}\n";
        const string Expected = "{\n\"items\": [\n{\n\"a\": \"x  y\",\n\"b\": [\n1\n]\n}\n]\n}\n"
            + "==== START logs for container app of pod shop/web-1 ====\n    at Handler.Run()\n  {\"level\": \"error\"}\n==== END logs for container app of pod shop/web-1 ====\n"
            + "{\n    \"kind\": \"List\"\n}\n";
        var path = Write("indent.txt", Text);

        foreach (var chunk in new[] { 1, 2, 3, 7, 64, 4096 })
        {
            using var file = File.OpenHandle(path);
            using var range = new KubeMedic.Core.Model.Parsing.RangeStream(file, new(0, Text.Length, Prefix: false, Suffix: false));
            var output = new MemoryStream();
            var buffer = new byte[chunk];
            int n;
            while ((n = range.Read(buffer)) > 0)
            {
                output.Write(buffer, 0, n);
            }

            Encoding.UTF8.GetString(output.ToArray()).ShouldBe(Expected, $"read {chunk} bytes at a time");
        }
    }

    [Fact]
    public void A_raw_line_break_inside_a_string_still_fails_in_a_range_as_it_does_in_one_pass()
    {
        var text = File.ReadAllText(Fixtures.PathOf("seed002-disasters.json")).ReplaceLineEndings("\n");
        var at = text.LastIndexOf("\"kind\": \"Pod\"", StringComparison.Ordinal);
        var broken = Write("linebreak.json", text[..at] + "\"note\": \"one\n            two\",\n" + text[at..]);

        var sequential = Should.Throw<UserInputException>(() => Load(broken, parallelism: 1));
        var parallel = Should.Throw<UserInputException>(() => Load(broken, parallelism: 4));

        parallel.Message.ShouldBe(sequential.Message);
    }

    [Fact]
    public void Comments_in_a_large_file_fall_back_to_the_lenient_pass()
    {
        var text = File.ReadAllText(Fixtures.PathOf("seed002-disasters.json")).ReplaceLineEndings("\n");
        var at = text.LastIndexOf("\"kind\": \"Pod\"", StringComparison.Ordinal);
        var commented = Write("commented.json", text[..at] + "// hand-edited\n            " + text[at..]);

        var (sequential, _) = Load(Fixtures.PathOf("seed002-disasters.json"), parallelism: 1);
        var (model, ranges) = Load(commented, parallelism: 4);

        ranges.ShouldBe(0, "a range rejects comments, so the whole file is read in one pass");
        Describe(model).ShouldBe(Describe(sequential));
    }
}
