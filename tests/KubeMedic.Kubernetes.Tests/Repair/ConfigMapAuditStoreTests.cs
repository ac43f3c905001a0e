using KubeMedic.Kubernetes.Sources;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KubeMedic.Core.Policy;
using KubeMedic.Kubernetes.Repair;
using KubeMedic.Simulator;
using Microsoft.Extensions.Time.Testing;
using static KubeMedic.Kubernetes.Tests.Repair.AuditSamples;

namespace KubeMedic.Kubernetes.Tests.Repair;

/// <summary>The in-cluster audit store against the simulated API server (real resourceVersions, real 409 Conflicts).</summary>
public sealed class ConfigMapAuditStoreTests : IAsyncLifetime
{
    private const string Ns = "kubemedic";
    private const string Name = "kubemedic-audit";
    private SimulatedCluster _sim = null!;
    private IKubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _sim = await SimulatedCluster.StartAsync(new SimulatorOptions { Warmup = false });
        _client = KubeClients.Create(KubernetesClientConfiguration.BuildConfigFromConfigFile(_sim.KubeconfigPath));
        await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _sim.DisposeAsync();
    }

    private Task<ConfigMapAuditStore> Open(ConfigMapAuditOptions? options = null) => ConfigMapAuditStore.OpenAsync(_client, Ns, Name, options);

    private JsonObject Data() => _sim.Get("configmaps", Ns, Name)!["data"]!.AsObject();

    [Fact]
    public async Task Creates_the_configmap_appends_json_lines_per_day_and_a_new_instance_reads_them()
    {
        var store = await Open();
        await store.AppendAsync(Entry("a1", AuditPhase.Applying, T0));
        await store.AppendAsync(Entry("a1", AuditPhase.Applied, T0.AddSeconds(1)));
        await store.AppendAsync(Entry("a1", AuditPhase.Verified, T0.AddSeconds(30)) with { Verification = new VerificationResult(true, "ok", ["3/3 ready"]) });
        await store.AppendAsync(Entry("a2", AuditPhase.Applying, T0.AddDays(1)));

        var data = Data();
        data.Select(kv => kv.Key).Order().ShouldBe(["2026-11-23.jsonl", "2026-11-24.jsonl"]);
        var lines = data["2026-11-23.jsonl"]!.GetValue<string>().TrimEnd('\n').Split('\n');
        lines.Length.ShouldBe(3);
        JsonNode.Parse(lines[2])!["verification"]!["checks"]![0]!.GetValue<string>().ShouldBe("3/3 ready");
        _sim.Get("configmaps", Ns, Name)!["metadata"]!["labels"]!["app.kubernetes.io/component"]!.GetValue<string>().ShouldBe("audit");

        var restarted = await Open(); // a new process: only the ConfigMap remains
        restarted.Read().Select(e => (e.ActionId, e.Phase)).ShouldBe([("a1", AuditPhase.Applying), ("a1", AuditPhase.Applied), ("a1", AuditPhase.Verified), ("a2", AuditPhase.Applying)]);
        var history = ((IAuditStore)restarted).History(T0.AddDays(1).AddMinutes(1), TimeSpan.FromDays(2));
        history.Actions.Select(a => a.Outcome).ShouldBe([ActionOutcome.Succeeded, ActionOutcome.InProgress]);
    }

    [Fact]
    public async Task Never_writes_secret_values()
    {
        var deployment = AuditSamples.SecretBearingDeployment();
        var secret = JsonNode.Parse("""{"kind":"Secret","metadata":{"name":"api"},"data":{"token":"aHVudGVyMg=="}}""")!;
        var store = await Open();
        await store.AppendAsync(Entry("a1", AuditPhase.Applying, T0) with { Before = deployment, After = secret });

        var raw = Data().ToJsonString();
        raw.ShouldNotContain("hunter2");
        raw.ShouldNotContain("aHVudGVyMg==");
        raw.ShouldContain("debug");
        raw.ShouldContain("secretKeyRef");
        store.Read().ShouldHaveSingleItem().Before!.ToJsonString().ShouldContain(Redactor.Mask);
    }

    [Fact]
    public async Task A_stale_writer_gets_409_rereads_and_loses_nothing()
    {
        var a = await Open();
        var b = await Open();
        await a.AppendAsync(Entry("a1", AuditPhase.Applying, T0)); // creates it; b still believes it does not exist
        await b.AppendAsync(Entry("b1", AuditPhase.Applying, T0.AddSeconds(1))); // create -> 409 AlreadyExists -> re-read -> update
        await a.AppendAsync(Entry("a1", AuditPhase.Applied, T0.AddSeconds(2))); // a's resourceVersion is stale -> 409 Conflict -> re-read

        b.Conflicts.ShouldBe(1);
        a.Conflicts.ShouldBe(1);
        var all = (await Open()).Read();
        all.Select(e => $"{e.ActionId}/{e.Phase}").ShouldBe(["a1/applying", "b1/applying", "a1/applied"]);
    }

    [Fact]
    public async Task Two_concurrent_writers_never_lose_an_entry()
    {
        var a = await Open();
        var b = await Open();
        const int each = 25;
        async Task Write(ConfigMapAuditStore store, string who)
        {
            for (var i = 0; i < each; i++)
            {
                await store.AppendAsync(Entry($"{who}{i}", AuditPhase.Applying, T0.AddSeconds(i)));
            }
        }

        await Task.WhenAll(Task.Run(() => Write(a, "a")), Task.Run(() => Write(b, "b")));

        var all = (await Open()).Read();
        all.Count.ShouldBe(2 * each);
        all.Select(e => e.ActionId).Distinct().Count().ShouldBe(2 * each);
        (a.Conflicts + b.Conflicts).ShouldBeGreaterThan(0); // both started from the same (absent) version: at least one had to retry
        all.Where(e => e.ActionId.StartsWith('a')).Select(e => e.ActionId).ShouldBe(Enumerable.Range(0, each).Select(i => $"a{i}")); // each writer's order kept
    }

    [Fact]
    public async Task Rolls_to_a_new_key_when_one_is_full_and_evicts_only_days_older_than_the_retention()
    {
        var time = new FakeTimeProvider(T0.AddDays(3));
        var log = new StringWriter();
        var line = AuditRecords.Line(Entry("old0", AuditPhase.Applying, T0)).Length + 1; // every line below has this length
        var store = await Open(new ConfigMapAuditOptions { MaxKeyBytes = (line * 3) + 10, MaxTotalBytes = (line * 8) + 10, Time = time, Log = log });

        for (var i = 0; i < 4; i++)
        {
            await store.AppendAsync(Entry($"old{i}", AuditPhase.Applying, T0.AddMinutes(i))); // day 2026-11-23: 3 in .jsonl, 1 in .1.jsonl
        }

        Data().Select(kv => kv.Key).Order(StringComparer.Ordinal).ShouldBe(["2026-11-23.1.jsonl", "2026-11-23.jsonl"]);
        for (var i = 0; i < 6; i++)
        {
            await store.AppendAsync(Entry($"new{i}", AuditPhase.Applying, time.GetUtcNow().AddMinutes(i))); // day 2026-11-26
        }

        // 10 lines do not fit in 8: the oldest key (3 lines of 2026-11-23) was evicted, and written to the log
        Data().Select(kv => kv.Key).Order(StringComparer.Ordinal).ShouldBe(["2026-11-23.1.jsonl", "2026-11-26.1.jsonl", "2026-11-26.jsonl"]);
        log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(3);
        log.ToString().ShouldContain("audit-evicted kubemedic/kubemedic-audit 2026-11-23.jsonl {");
        store.Read().Select(e => e.ActionId).ShouldBe(["old3", "new0", "new1", "new2", "new3", "new4", "new5"]);

        await store.AppendAsync(Entry("new6", AuditPhase.Applying, time.GetUtcNow().AddMinutes(6)));
        await store.AppendAsync(Entry("new7", AuditPhase.Applying, time.GetUtcNow().AddMinutes(7)));
        // now only recent days remain: the store refuses rather than dropping a record the rate limits need
        var full = await Should.ThrowAsync<InvalidOperationException>(() => store.AppendAsync(Entry("new8", AuditPhase.Applying, time.GetUtcNow().AddMinutes(8))));
        full.Message.ShouldContain("is full");
        (await Open()).Read().Select(e => e.ActionId).ShouldNotContain("new8");
    }

    [Theory]
    [InlineData(true, "10.96.0.1", "https://10.96.0.1:443", "kubemedic")] // in a pod, the pod's own cluster: ConfigMap in the pod's namespace
    [InlineData(true, "10.96.0.1", "https://api.other.example:6443", null)] // in a pod, but a kubeconfig for another cluster: files
    [InlineData(false, "10.96.0.1", "https://10.96.0.1:443", null)] // not in a pod: files
    [InlineData(true, null, "https://10.96.0.1:443", null)]
    public void In_cluster_default_is_the_configmap_only_for_the_pods_own_cluster(bool inCluster, string? serviceHost, string url, string? expected)
    {
        using var client = KubeClients.Create(new KubernetesClientConfiguration { Host = url });
        AuditStores.DefaultNamespace(client, inCluster, serviceHost, "kubemedic").ShouldBe(expected);
    }

    [Fact]
    public void Bad_configmap_flag_is_a_one_line_user_error()
    {
        Should.Throw<KubeMedic.Core.UserInputException>(() => AuditStores.Validate(null, "just-a-name")).Message.ShouldContain("NAMESPACE/NAME");
        Should.Throw<KubeMedic.Core.UserInputException>(() => AuditStores.Validate(null, "Kube/Audit")).Message.ShouldContain("NAMESPACE/NAME");
        Should.Throw<KubeMedic.Core.UserInputException>(() => AuditStores.Validate("/tmp/a", "kubemedic/audit")).Message.ShouldContain("cannot be combined");
        AuditStores.ParseConfigMap("kubemedic/kubemedic-audit").ShouldBe(("kubemedic", "kubemedic-audit"));
    }
}
