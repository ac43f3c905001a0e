using System.Net;
using System.Text.Json.Nodes;
using KubeMedic.Simulator.Api;
using KubeMedic.Simulator.Patching;
using KubeMedic.Simulator.Printing;
using KubeMedic.Simulator.Scenarios;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Tests;

public sealed class StrategicMergePatchTests
{
    private static JsonObject Deploy() => (JsonObject)JsonNode.Parse("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web","tier":"fe"}},
         "spec":{"template":{"spec":{
           "containers":[{"name":"web","image":"nginx:1.25","ports":[{"containerPort":80,"protocol":"TCP"}],"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},
                         {"name":"side","image":"envoy:1"}],
           "tolerations":[{"key":"a","operator":"Exists"}]}}}}
        """)!;

    [Fact]
    public void Containers_merge_by_name_and_keep_other_fields()
    {
        var patch = (JsonObject)JsonNode.Parse("""{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"side"}],"containers":[{"name":"web","image":"nginx:1.26"}]}}}}""")!;
        var result = StrategicMergePatch.Apply("Deployment", Deploy(), patch);
        var containers = result["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        containers.Count.ShouldBe(2);
        containers[0]!["image"]!.GetValue<string>().ShouldBe("nginx:1.26");
        containers[0]!["ports"]!.AsArray().Count.ShouldBe(1);
        containers[1]!["name"]!.GetValue<string>().ShouldBe("side");
    }

    [Fact]
    public void Tolerations_are_replaced_null_deletes_and_patch_delete_removes()
    {
        var patch = (JsonObject)JsonNode.Parse("""
            {"metadata":{"labels":{"tier":null}},
             "spec":{"template":{"spec":{"tolerations":[{"key":"b","operator":"Exists"}],
               "containers":[{"name":"side","$patch":"delete"},{"name":"web","env":[{"name":"A","$patch":"delete"},{"name":"C","value":"3"}]}]}}}}
            """)!;
        var result = StrategicMergePatch.Apply("Deployment", Deploy(), patch);
        result["metadata"]!["labels"]!.AsObject().ContainsKey("tier").ShouldBeFalse();
        var spec = result["spec"]!["template"]!["spec"]!;
        spec["tolerations"]!.AsArray().Count.ShouldBe(1);
        spec["tolerations"]![0]!["key"]!.GetValue<string>().ShouldBe("b");
        spec["containers"]!.AsArray().Count.ShouldBe(1);
        spec["containers"]![0]!["env"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()).ShouldBe(["B", "C"]);
    }

    [Fact]
    public void Retain_keys_and_replace_directive()
    {
        var d = (JsonObject)JsonNode.Parse("""{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}""")!;
        var patch = (JsonObject)JsonNode.Parse("""{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":null}}}""")!;
        var result = StrategicMergePatch.Apply("Deployment", d, patch);
        result["spec"]!["strategy"]!.ToJsonString().ShouldBe("""{"type":"Recreate"}""");

        var replace = (JsonObject)JsonNode.Parse("""{"metadata":{"labels":{"$patch":"replace","only":"this"}}}""")!;
        StrategicMergePatch.Apply("Deployment", Deploy(), replace)["metadata"]!["labels"]!.ToJsonString().ShouldBe("""{"only":"this"}""");
    }

    [Fact]
    public void Media_types_match_exactly_ignoring_parameters()
    {
        var body = JsonNode.Parse("""{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"x"}]}}}}""")!;
        var smp = ApiHandlers.ApplyPatch("Deployment", ApiHandlers.MediaType("application/strategic-merge-patch+json; charset=utf-8"), Deploy(), body);
        smp["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Count.ShouldBe(2);
        var merge = ApiHandlers.ApplyPatch("Deployment", ApiHandlers.MediaType("application/merge-patch+json"), Deploy(), body);
        merge["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Count.ShouldBe(1, "a merge patch replaces lists");
        Should.Throw<ApiException>(() => ApiHandlers.ApplyPatch("Deployment", "application/apply-patch+yaml", Deploy(), body)).Code.ShouldBe(415);
        Should.Throw<ApiException>(() => ApiHandlers.ApplyPatch("Deployment", "text/plain", Deploy(), body)).Code.ShouldBe(415);
    }

    [Fact]
    public void Json_patch_operations()
    {
        var doc = JsonNode.Parse("""{"a":{"b":[1,2]},"c":1}""")!;
        var ops = JsonNode.Parse("""[{"op":"add","path":"/a/b/-","value":3},{"op":"remove","path":"/c"},{"op":"copy","from":"/a","path":"/d"},{"op":"move","from":"/d/b","path":"/e"},{"op":"test","path":"/e/2","value":3}]""")!.AsArray();
        JsonPatch.Apply(doc, ops).ToJsonString().ShouldBe("""{"a":{"b":[1,2,3]},"d":{},"e":[1,2,3]}""");
        Should.Throw<ApiException>(() => JsonPatch.Apply(doc, JsonNode.Parse("""[{"op":"replace","path":"/nope","value":1}]""")!.AsArray())).Code.ShouldBe(422);
    }

    [Fact]
    public void Strict_validation_lists_unknown_fields_with_paths()
    {
        var obj = Deploy();
        obj["spec"]!["template"]!["spec"]!["containers"]![0]!["imagex"] = "oops";
        obj["spec"]!["replicaz"] = 1;
        Schema.UnknownFields("Deployment", obj).ShouldBe(["spec.replicaz", "spec.template.spec.containers[0].imagex"], ignoreOrder: true);
    }
}

public sealed class SelectorAndPrinterTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "fe" };

    [Theory]
    [InlineData("app=web", true)]
    [InlineData("app==web,tier!=be", true)]
    [InlineData("app in (web,api),tier notin (be)", true)]
    [InlineData("app,!missing", true)]
    [InlineData("!app", false)]
    [InlineData("tier in (be)", false)]
    public void Label_selectors(string selector, bool matches) => LabelSelector.Parse(selector).Matches(Labels).ShouldBe(matches);

    [Fact]
    public void Field_selectors_check_supported_fields()
    {
        var pod = JsonNode.Parse("""{"kind":"Pod","metadata":{"name":"p"},"spec":{"nodeName":"n1"},"status":{"phase":"Running"}}""")!;
        FieldSelector.Parse("spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed", "Pod").Matches(pod).ShouldBeTrue();
        FieldSelector.Parse("metadata.name=q", "Pod").Matches(pod).ShouldBeFalse();
        Should.Throw<FieldSelectorException>(() => FieldSelector.Parse("spec.bogus=1", "Pod")).Message.ShouldBe("field label not supported: spec.bogus");
    }

    [Theory]
    [InlineData(59, "59s")]
    [InlineData(119, "119s")]
    [InlineData(150, "2m30s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600 + 600, "3h10m")]
    [InlineData(9 * 3600, "9h")]
    [InlineData(50 * 3600, "2d2h")]
    public void Human_durations_like_kubectl(int seconds, string expected) => Durations.Human(TimeSpan.FromSeconds(seconds)).ShouldBe(expected);

    [Theory]
    [InlineData("""{"state":{"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{"terminated":{"reason":"OOMKilled","exitCode":137,"finishedAt":"2026-01-01T00:00:00Z"}},"ready":false,"restartCount":3}""", null, "0/1", "CrashLoopBackOff", 3)]
    [InlineData("""{"state":{"terminated":{"reason":"OOMKilled","exitCode":137}},"ready":false,"restartCount":1}""", null, "0/1", "OOMKilled", 1)]
    [InlineData("""{"state":{"terminated":{"exitCode":2}},"ready":false,"restartCount":0}""", null, "0/1", "ExitCode:2", 0)]
    [InlineData("""{"state":{"running":{}},"ready":true,"restartCount":0}""", "Terminating", "1/1", "Terminating", 0)]
    [InlineData("""{"state":{"running":{}},"ready":true,"restartCount":0}""", "NodeLost", "1/1", "Unknown", 0)]
    [InlineData("""{"state":{"terminated":{"reason":"Completed","exitCode":0}},"ready":false,"restartCount":0}""", null, "0/1", "Completed", 0)]
    public void Pod_status_column(string containerStatus, string? deletion, string ready, string status, int restarts)
    {
        var pod = (JsonObject)JsonNode.Parse("""{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Running"}}""")!;
        pod["status"]!["containerStatuses"] = new JsonArray(JsonNode.Parse(containerStatus));
        if (deletion is not null) pod["metadata"]!["deletionTimestamp"] = "2026-01-01T00:00:00Z";
        if (deletion == "NodeLost") pod["status"]!["reason"] = "NodeLost";
        var row = TablePrinter.PodStatus(pod);
        row.Ready.ShouldBe(ready);
        row.Status.ShouldBe(status);
        row.Restarts.ShouldBe(restarts);
    }

    [Fact]
    public void Init_container_status()
    {
        var pod = (JsonObject)JsonNode.Parse("""
            {"metadata":{"name":"p"},"spec":{"initContainers":[{"name":"i"}],"containers":[{"name":"c"}]},
             "status":{"phase":"Pending","initContainerStatuses":[{"name":"i","state":{"waiting":{"reason":"CrashLoopBackOff"}},"restartCount":2}],
                       "containerStatuses":[{"name":"c","state":{"waiting":{"reason":"PodInitializing"}}}]}}
            """)!;
        TablePrinter.PodStatus(pod).Status.ShouldBe("Init:CrashLoopBackOff");
    }
}

public sealed class ScenarioLoaderTests
{
    [Fact]
    public void Bundled_scenarios_load()
    {
        // lab (issue 6) adds more scenarios beside these three
        foreach (var name in new[] { "deploy-disaster", "healthy", "order-service-oom" }) ScenarioLoader.Bundled().ShouldContain(name);
        foreach (var name in ScenarioLoader.Bundled())
        {
            var s = ScenarioLoader.Load(name);
            s.Nodes.Count.ShouldBe(3);
            s.Manifests.ShouldNotBeEmpty();
        }
    }

    [Theory]
    [InlineData("name: x\nnodes:\n  - name: n1\n    cpu: lots\n", 4, "\"lots\" is not a quantity")]
    [InlineData("name: x\nnodez: []\n", 2, "unknown field \"nodez\"")]
    [InlineData("name: x\nnodes:\n  - name: n1\nfaults:\n  - at: 1m\n    action: explode\n", 6, "unknown fault action \"explode\"")]
    [InlineData("name: x\nnodes:\n  - name: n1\nfaults:\n  - at: soon\n    action: stopHeartbeat\n    node: n1\n", 5, "\"soon\" is not a duration")]
    [InlineData("name: x\nnodes:\n  - name: n1\nfaults:\n  - at: 1m\n    action: stopHeartbeat\n    node: n9\n", 5, "no node \"n9\"")]
    [InlineData("name: x\nnodes:\n  - name: n1\nmanifests: |\n  apiVersion: v1\n  kind: Pod\n  metadata: {}\n", 5, "Pod manifest has no metadata.name")]
    [InlineData("name: x\nnodes:\n  - name: n1\nmanifests: |\n  apiVersion: v1\n  kind: Gadget\n  metadata: {name: g}\n", 5, "kind \"Gadget\" (v1) is not served")]
    [InlineData("name: x\nnodes: [\n", 3, "")]
    public void Malformed_scenarios_name_file_line_and_reason(string yaml, int line, string reason)
    {
        var ex = Should.Throw<ScenarioException>(() => ScenarioLoader.Parse(yaml, "bad.yaml"));
        ex.Message.ShouldStartWith($"bad.yaml:{line}: ");
        ex.Message.ShouldContain(reason);
        ex.Message.ShouldNotContain("\n");
    }

    [Fact]
    public async Task Unknown_scenario_is_rejected_before_serving()
    {
        var ex = await Should.ThrowAsync<ScenarioException>(() => SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = "no-such-scenario" }));
        ex.Message.ShouldContain("scenario \"no-such-scenario\" not found");
        ex.Message.ShouldContain("deploy-disaster");
    }
}

public sealed class ApiTests(EmptyFixture sim) : IClassFixture<EmptyFixture>
{
    private HttpClient Http() => new() { BaseAddress = sim.Cluster.Url, Timeout = TimeSpan.FromSeconds(20) };

    [Fact]
    public async Task Version_and_aggregated_discovery()
    {
        using var http = Http();
        var version = JsonNode.Parse(await http.GetStringAsync("/version"))!;
        version["minor"]!.GetValue<string>().ShouldBe("32");
        using var req = new HttpRequestMessage(HttpMethod.Get, "/apis");
        req.Headers.TryAddWithoutValidation("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");
        using var resp = await http.SendAsync(req);
        resp.Content.Headers.ContentType!.ToString().Replace(" ", "", StringComparison.Ordinal).ShouldBe(Discovery.AggregatedContentType);
        var body = JsonNode.Parse(await resp.Content.ReadAsStringAsync())!;
        body["kind"]!.GetValue<string>().ShouldBe("APIGroupDiscoveryList");
        var legacy = JsonNode.Parse(await http.GetStringAsync("/api/v1"))!;
        legacy["resources"]!.AsArray().ShouldContain(r => r!["name"]!.GetValue<string>() == "pods/eviction" && r["group"]!.GetValue<string>() == "policy");
    }

    [Fact]
    public async Task Watch_resumes_from_history_sends_bookmarks_and_410_when_too_old()
    {
        using var http = Http();
        await http.PostAsync("/api/v1/namespaces/default/configmaps", Content("""{"metadata":{"name":"w1"}}"""));
        var list = JsonNode.Parse(await http.GetStringAsync("/api/v1/namespaces/default/configmaps"))!;
        var rv = list["metadata"]!["resourceVersion"]!.GetValue<string>();
        await http.PostAsync("/api/v1/namespaces/default/configmaps", Content("""{"metadata":{"name":"w2"}}"""));
        using var watch = await http.GetAsync($"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}&allowWatchBookmarks=true&timeoutSeconds=1", HttpCompletionOption.ResponseContentRead);
        var lines = (await watch.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        lines[0]["type"]!.GetValue<string>().ShouldBe("ADDED");
        lines[0]["object"]!["metadata"]!["name"]!.GetValue<string>().ShouldBe("w2");
        lines[^1]["type"]!.GetValue<string>().ShouldBe("BOOKMARK");

        using var gone = await http.GetAsync("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1");
        gone.StatusCode.ShouldBe(HttpStatusCode.Gone);
        JsonNode.Parse(await gone.Content.ReadAsStringAsync())!["reason"]!.GetValue<string>().ShouldBe("Expired");
    }

    [Fact]
    public async Task Errors_are_status_objects()
    {
        using var http = Http();
        var created = await http.PostAsync("/api/v1/namespaces/default/configmaps", Content("""{"metadata":{"name":"dup"}}"""));
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var dup = await http.PostAsync("/api/v1/namespaces/default/configmaps", Content("""{"metadata":{"name":"dup"}}"""));
        dup.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        JsonNode.Parse(await dup.Content.ReadAsStringAsync())!["reason"]!.GetValue<string>().ShouldBe("AlreadyExists");
        var invalid = await http.PostAsync("/api/v1/namespaces/default/pods", Content("""{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]}}"""));
        invalid.StatusCode.ShouldBe((HttpStatusCode)422);
        JsonNode.Parse(await invalid.Content.ReadAsStringAsync())!["message"]!.GetValue<string>().ShouldBe("Pod \"p\" is invalid: spec.containers[0].image: Required value");
        var unsupported = new HttpRequestMessage(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/dup") { Content = new StringContent("{}") };
        unsupported.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/apply-patch+yaml");
        (await http.SendAsync(unsupported)).StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Pod_with_missing_configmap_is_create_container_config_error()
    {
        using var http = Http();
        var resp = await http.PostAsync("/api/v1/namespaces/default/pods", Content("""
            {"metadata":{"name":"cfg"},"spec":{"containers":[{"name":"c","image":"nginx:1.27","env":[{"name":"X","valueFrom":{"configMapKeyRef":{"name":"missing","key":"k"}}}]}]}}
            """));
        resp.StatusCode.ShouldBe(HttpStatusCode.Created);
        await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(5));
        var pod = sim.Cluster.Get("pods", "default", "cfg")!;
        pod["status"]!["containerStatuses"]![0]!["state"]!["waiting"]!["reason"]!.GetValue<string>().ShouldBe("CreateContainerConfigError");
        pod["status"]!["containerStatuses"]![0]!["state"]!["waiting"]!["message"]!.GetValue<string>().ShouldBe("configmap \"missing\" not found");
        await http.PostAsync("/api/v1/namespaces/default/configmaps", Content("""{"metadata":{"name":"missing"},"data":{"k":"v"}}"""));
        await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(15));
        sim.Cluster.Get("pods", "default", "cfg")!["status"]!["phase"]!.GetValue<string>().ShouldBe("Running");
    }

    [Fact]
    public async Task Foreground_deletion_removes_dependents_first()
    {
        using var http = Http();
        await http.PostAsync("/apis/apps/v1/namespaces/default/replicasets", Content("""
            {"metadata":{"name":"fg"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"fg"}},"template":{"metadata":{"labels":{"app":"fg"}},"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}}}
            """));
        await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(5));
        sim.Cluster.List("pods", "default", "app=fg").Count.ShouldBe(2);
        var del = new HttpRequestMessage(HttpMethod.Delete, "/apis/apps/v1/namespaces/default/replicasets/fg") { Content = Content("""{"propagationPolicy":"Foreground"}""") };
        (await http.SendAsync(del)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(10));
        sim.Cluster.List("pods", "default", "app=fg").ShouldBeEmpty();
        sim.Cluster.Get("replicasets", "default", "fg").ShouldBeNull();
    }

    private static StringContent Content(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
