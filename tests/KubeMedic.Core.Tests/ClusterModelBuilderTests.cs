using System.Text;
using KubeMedic.Core.Model;

namespace KubeMedic.Core.Tests;

/// <summary>Every input form the snapshot source accepts, and one-line errors for bad input.</summary>
public sealed class ClusterModelBuilderTests
{
    private const string Pod = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p1","namespace":"ns","labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"nginx:1"}]},"status":{"phase":"Running"}}""";
    private const string Node = """{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},"status":{"conditions":[{"type":"Ready","status":"True"}],"allocatable":{"cpu":"4","memory":"8Gi"}}}""";

    [Fact]
    public void Reads_a_v1_list_with_kind_after_items_as_kubectl_prints_it()
    {
        var model = Fixtures.Load("seed000-oom.json");

        model.Pods.Count.ShouldBe(3);
        model.Nodes.Count.ShouldBe(3);
        model.Deployments.Single().Revision.ShouldBe(2);
        model.ReplicaSets.Count.ShouldBe(2);
        model.Ingresses.Single().BackendServices.ShouldBe(["order-service"]);
        model.ObservedAt.ShouldBe(DateTimeOffset.Parse("2026-11-20T15:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var pod = model.FindPod("production", "order-service-7c9d8e6f4-m9q4z")!;
        pod.ContainerStatuses[0].LastState!.Reason.ShouldBe("OOMKilled");
        pod.ContainerStatuses[0].LastState!.ExitCode.ShouldBe(137);
        pod.Spec.Containers[0].Limits.MemoryBytes.ShouldBe(512L * 1024 * 1024);
        pod.Spec.Containers[0].Readiness!.Path.ShouldBe("/ready");
        pod.ControllerOwner!.Name.ShouldBe("order-service-7c9d8e6f4");
    }

    [Fact]
    public void Reads_a_single_object_and_concatenated_documents_and_a_json_array()
    {
        Fixtures.FromText(Pod).Pods.Single().Name.ShouldBe("p1");
        var concatenated = Fixtures.FromText(Pod + "\n" + Node + "\n");
        concatenated.Pods.Count.ShouldBe(1);
        concatenated.Nodes.Single().Allocatable.CpuMillis.ShouldBe(4000);
        Fixtures.FromText("[" + Pod + "," + Node + "]").ObjectCount.ShouldBe(2);
    }

    [Fact]
    public void Reads_multi_document_yaml()
    {
        var yaml = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              namespace: shop
            spec:
              containers:
              - name: web
                image: nginx:1.25
                resources:
                  limits: {memory: 256Mi}
            status:
              phase: Running
              containerStatuses:
              - name: web
                ready: true
                restartCount: 3
                lastState:
                  terminated: {reason: OOMKilled, exitCode: 137}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: shop}
            spec: {replicas: 2}
            """;

        var model = Fixtures.FromText(yaml);

        model.Pods.Single().ContainerStatuses[0].RestartCount.ShouldBe(3);
        model.Pods.Single().ContainerStatuses[0].LastState!.ExitCode.ShouldBe(137);
        model.Pods.Single().Spec.Containers[0].Limits.MemoryBytes.ShouldBe(256L * 1024 * 1024);
        model.Deployments.Single().Replicas.ShouldBe(2);
    }

    [Fact]
    public void Reads_a_cluster_info_dump_directory_with_its_logs()
    {
        var model = ClusterModelBuilder.Load(Fixtures.PathOf("dump-seed000"));

        model.Pods.Count.ShouldBe(3);
        model.Nodes.Count.ShouldBe(3);
        model.Events.ShouldNotBeEmpty();
        model.FindLog("production", "order-service-7c9d8e6f4-x7k2p", "order-service", previous: false)!.Lines.ShouldContain(l => l.Contains("out of memory"));
    }

    [Fact]
    public void Reads_the_cluster_info_dump_stdout_form_from_a_non_seekable_stream()
    {
        using var stdin = new NonSeekableStream(File.ReadAllBytes(Fixtures.PathOf("dump-seed000-stdout.txt")));

        var model = ClusterModelBuilder.Load("-", stdin);

        model.Pods.Count.ShouldBe(3);
        model.Deployments.Count.ShouldBe(1);
        model.Logs.Single().Lines.Count.ShouldBe(3);
    }

    [Fact]
    public void Secret_values_never_enter_the_model_but_keys_do()
    {
        var model = Fixtures.Load("healthy.json");

        model.Secrets.Single().Keys.ShouldBe(["password", "username"]);
        var envRefs = model.Pods.SelectMany(p => p.Spec.Containers).SelectMany(c => c.EnvRefs).ToList();
        envRefs.ShouldContain(r => r.Kind == ConfigRefKind.Secret && r.Name == "db-credentials" && r.Key == "password" && r.EnvName == "DB_PASSWORD");
        envRefs.ShouldNotContain(r => r.EnvName == "API_TOKEN");
    }

    [Fact]
    public void Events_are_deduplicated_by_object_reason_and_message()
    {
        const string ev1 = """{"kind":"Event","apiVersion":"v1","count":2,"firstTimestamp":"2026-01-01T10:00:00Z","lastTimestamp":"2026-01-01T10:05:00Z","involvedObject":{"kind":"Pod","name":"p","namespace":"ns"},"reason":"BackOff","message":"Back-off","type":"Warning","metadata":{"name":"p.1","namespace":"ns"}}""";
        const string ev2 = """{"kind":"Event","apiVersion":"v1","count":3,"firstTimestamp":"2026-01-01T09:00:00Z","lastTimestamp":"2026-01-01T11:00:00Z","involvedObject":{"kind":"Pod","name":"p","namespace":"ns"},"reason":"BackOff","message":"Back-off","type":"Warning","metadata":{"name":"p.2","namespace":"ns"}}""";

        var ev = Fixtures.FromItems(ev1, ev2).Events.Single();

        ev.Count.ShouldBe(5);
        ev.FirstTimestamp!.Value.Hour.ShouldBe(9);
        ev.LastTimestamp!.Value.Hour.ShouldBe(11);
    }

    [Fact]
    public void Streams_across_buffer_boundaries_with_long_strings()
    {
        var longMessage = new string('x', 3_000_000);
        var text = Pod.Replace("\"phase\":\"Running\"", $"\"phase\":\"Running\",\"message\":\"{longMessage}\"", StringComparison.Ordinal);
        var many = string.Join("\n", Enumerable.Range(0, 2000).Select(i => Pod.Replace("\"p1\"", $"\"p{i}\"", StringComparison.Ordinal))) + "\n" + text;

        var model = Fixtures.FromText(many);

        model.Pods.Count.ShouldBe(2001);
        model.Pods[^1].Message!.Length.ShouldBe(3_000_000);
    }

    [Theory]
    [InlineData("""{"apiVersion":"v1","items":[{"kind":"Pod","metadata":{"name":"a""", "truncated or malformed JSON")]
    [InlineData("", "empty")]
    [InlineData("   \n  ", "empty")]
    [InlineData("""{"kind":"PrometheusRule","apiVersion":"monitoring.coreos.com/v1","metadata":{"name":"x"},"spec":{}}""", "no Kubernetes objects of a kind kubemedic reads")]
    [InlineData("""{"foo": 1}""", "no 'kind'")]
    [InlineData("""{"kind":"Pod","metadata":{"name":"a"},"spec":"oops"}""", "expected an object for spec")]
    [InlineData("just: [unclosed", "malformed YAML")]
    [InlineData("- a\n- b\n", "expected an object")]
    public void Bad_input_is_one_line_naming_the_file_and_the_problem(string text, string problem)
    {
        var path = Path.Combine(Path.GetTempPath(), $"km-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, text);
        try
        {
            var ex = Should.Throw<UserInputException>(() => ClusterModelBuilder.Load(path));

            ex.Message.ShouldContain(path);
            ex.Message.ShouldContain(problem);
            ex.Message.ShouldNotContain("\n");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_directory_without_dump_files_is_rejected()
    {
        var dir = Directory.CreateTempSubdirectory("km-empty-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "README.txt"), "nothing here");

            Should.Throw<UserInputException>(() => ClusterModelBuilder.Load(dir.FullName)).Message.ShouldContain("no cluster-info dump files");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("500m", 1000, 500L)]
    [InlineData("2", 1000, 2000L)]
    [InlineData("512Mi", 1, 536870912L)]
    [InlineData("1G", 1, 1000000000L)]
    [InlineData("1.5Gi", 1, 1610612736L)]
    [InlineData("100k", 1, 100000L)]
    public void Parses_quantities(string text, long scale, long expected) => Quantity.Parse(text, scale).ShouldBe(expected);

    [Fact]
    public void Label_selectors_restrict_the_model()
    {
        var model = Fixtures.Load("seed002-disasters.json");

        var scoped = model.Restrict(new ClusterScope("default", "app in (frontend,api-server),tier!=db"));

        scoped.Pods.Select(p => p.Labels["app"]).Distinct().ShouldBe(["frontend", "api-server"], ignoreOrder: true);
        scoped.Nodes.Count.ShouldBe(3);
        model.Restrict(new ClusterScope("nope")).Pods.ShouldBeEmpty();
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
