using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using KubeMedic.Simulator.Chaos;

namespace KubeMedic.Simulator.Tests.Chaos;

/// <summary>Fault injection through the simulator's chaos endpoint, observed through the Kubernetes API it serves.</summary>
public sealed class ChaosTests : IAsyncLifetime
{
    private SimulatedCluster _sim = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _sim = await SimulatedCluster.StartAsync(new SimulatorOptions { Scenario = "healthy" });
        _http = new HttpClient { BaseAddress = _sim.Url, Timeout = TimeSpan.FromSeconds(20) };
        _http.DefaultRequestHeaders.Authorization = new("Bearer", "kubemedic-sim-token");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sim.DisposeAsync();
    }

    private async Task<string> Chaos(object request)
    {
        var resp = await _http.PostAsJsonAsync(ChaosControl.Path, request);
        var body = JsonNode.Parse(await resp.Content.ReadAsStringAsync())!;
        resp.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToJsonString());
        return body["result"]!.GetValue<string>();
    }

    private List<JsonObject> Pods(string ns, string selector) => _sim.List("pods", ns, selector).Where(p => p["metadata"]?["deletionTimestamp"] is null).ToList();

    [Fact]
    public async Task Api_error_hits_only_the_chosen_verb_until_cleared()
    {
        (await _http.GetAsync("/api/v1/namespaces/shop/pods")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Chaos(new { action = "api-fault", kind = "error", status = 503, verbs = new[] { "list" }, resource = "pods" })).ShouldContain("error on list pods");

        var list = await _http.GetAsync("/api/v1/namespaces/shop/pods");
        list.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var status = JsonNode.Parse(await list.Content.ReadAsStringAsync())!;
        status["kind"]!.GetValue<string>().ShouldBe("Status");
        status["code"]!.GetValue<int>().ShouldBe(503);
        status["reason"]!.GetValue<string>().ShouldBe("ServiceUnavailable");
        (await _http.GetAsync("/api/v1/namespaces/shop/services")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var name = Pods("shop", "app=web")[0]["metadata"]!["name"]!.GetValue<string>();
        (await _http.GetAsync($"/api/v1/namespaces/shop/pods/{name}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await _http.DeleteAsync(ChaosControl.Path)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _http.GetAsync("/api/v1/namespaces/shop/pods")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Throttle_answers_429_with_retry_after_and_count_limits_the_hits()
    {
        await Chaos(new { action = "api-fault", kind = "throttle", verbs = new[] { "get", "list" }, delayMs = 2000, count = 2 });
        var first = await _http.GetAsync("/api/v1/nodes");
        first.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        first.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(2));
        (await _http.GetAsync("/api/v1/nodes")).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        (await _http.GetAsync("/api/v1/nodes")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Latency_delays_matching_requests()
    {
        await Chaos(new { action = "api-fault", kind = "latency", verbs = new[] { "list" }, delayMs = 600 });
        var watch = Stopwatch.StartNew();
        (await _http.GetAsync("/api/v1/namespaces/shop/pods")).StatusCode.ShouldBe(HttpStatusCode.OK);
        watch.Elapsed.ShouldBeGreaterThan(TimeSpan.FromMilliseconds(550));
    }

    [Fact]
    public async Task Gone_sends_a_410_expired_event_on_watches()
    {
        await Chaos(new { action = "api-fault", kind = "gone" });
        var body = await _http.GetStringAsync("/api/v1/namespaces/shop/pods?watch=true&resourceVersion=1");
        var ev = JsonNode.Parse(body.Split('\n')[0])!;
        ev["type"]!.GetValue<string>().ShouldBe("ERROR");
        ev["object"]!["code"]!.GetValue<int>().ShouldBe(410);
        ev["object"]!["reason"]!.GetValue<string>().ShouldBe("Expired");
        (await _http.GetAsync("/api/v1/namespaces/shop/pods")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Drop_watch_cuts_watch_streams()
    {
        await Chaos(new { action = "api-fault", kind = "drop-watch", delayMs = 300 });
        var watch = Stopwatch.StartNew();
        using var resp = await _http.GetAsync("/api/v1/namespaces/shop/pods?watch=true", HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await resp.Content.ReadAsStreamAsync();
        var buffer = new byte[8192];
        var cut = false;
        try
        {
            while (await stream.ReadAsync(buffer) > 0)
            {
                if (watch.Elapsed > TimeSpan.FromSeconds(10)) break;
            }

            cut = watch.Elapsed < TimeSpan.FromSeconds(10);
        }
        catch (HttpRequestException)
        {
            cut = true;
        }
        catch (IOException)
        {
            cut = true;
        }

        cut.ShouldBeTrue("the watch should have been cut after ~300 ms");
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Kill_pod_is_replaced_by_its_replicaset()
    {
        var victim = Pods("shop", "app=web")[0]["metadata"]!["name"]!.GetValue<string>();
        (await Chaos(new { action = "kill-pod", @namespace = "shop", name = victim })).ShouldBe($"pod shop/{victim} killed");
        await _sim.WaitForAsync(s => Pods("shop", "app=web").Count == 3 && Pods("shop", "app=web").All(p => p["metadata"]!["name"]!.GetValue<string>() != victim), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Oom_kills_the_container_with_exit_137()
    {
        var pod = Pods("shop", "app=api")[0]["metadata"]!["name"]!.GetValue<string>();
        (await Chaos(new { action = "oom", @namespace = "shop", name = pod })).ShouldContain("OOM-killed");
        await _sim.WaitForAsync(s => s.Get("pods", "shop", pod)?["status"]?["containerStatuses"]?[0]?["lastState"]?["terminated"]?["reason"]?.GetValue<string>() == "OOMKilled", TimeSpan.FromSeconds(15));
        var cs = _sim.Get("pods", "shop", pod)!["status"]!["containerStatuses"]![0]!;
        cs["lastState"]!["terminated"]!["exitCode"]!.GetValue<int>().ShouldBe(137);
        cs["restartCount"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task Break_image_leaves_the_new_pods_unable_to_pull()
    {
        (await Chaos(new { action = "break-image", @namespace = "shop", name = "web" })).ShouldContain("nginx:1.27-broken");
        await _sim.AdvanceAsync(TimeSpan.FromSeconds(30));
        await _sim.WaitForAsync(s => Pods("shop", "app=web").Any(p => p["status"]?["containerStatuses"]?[0]?["state"]?["waiting"]?["reason"]?.GetValue<string>() is "ErrImagePull" or "ImagePullBackOff"), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Stop_heartbeat_loses_the_node_and_its_kubelet_target()
    {
        (await _http.GetAsync("/api/v1/nodes/node-2/proxy/metrics")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await Chaos(new { action = "stop-heartbeat", node = "node-2" });
        (await _http.GetAsync("/api/v1/nodes/node-2/proxy/metrics")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        await _sim.AdvanceAsync(TimeSpan.FromMinutes(2));
        await _sim.WaitForAsync(s => s.Get("nodes", null, "node-2")!["status"]!["conditions"]!.AsArray().Any(c => c!["type"]!.GetValue<string>() == "Ready" && c["status"]!.GetValue<string>() == "Unknown"), TimeSpan.FromSeconds(15));
        var ksm = await _http.GetStringAsync("/metrics/kube-state-metrics");
        ksm.ShouldContain("kube_node_status_condition{node=\"node-2\",condition=\"Ready\",status=\"unknown\"} 1");
    }

    [Fact]
    public async Task Fill_memory_taints_the_node_and_evicts_pods()
    {
        var result = await Chaos(new { action = "fill-memory", node = "node-1", percent = 100 });
        result.ShouldContain("evicted ");
        var node = _sim.Get("nodes", null, "node-1")!;
        node["spec"]!["taints"]!.AsArray().ShouldContain(t => t!["key"]!.GetValue<string>() == "node.kubernetes.io/memory-pressure");
        var evicted = _sim.List("pods").Where(p => p["status"]?["reason"]?.GetValue<string>() == "Evicted").ToList();
        evicted.ShouldNotBeEmpty();
        evicted[0]["status"]!["phase"]!.GetValue<string>().ShouldBe("Failed");
        evicted[0]["status"]!["message"]!.GetValue<string>().ShouldStartWith("The node was low on resource: memory.");
        (await _http.GetStringAsync("/api/v1/nodes/node-1/proxy/metrics")).ShouldContain("kubelet_evictions{eviction_signal=\"memory.available\"}");
        (await _http.GetStringAsync("/api/v1/nodes/node-1:9100/proxy/metrics")).ShouldContain("node_memory_MemAvailable_bytes 0");
    }

    [Fact]
    public async Task Bad_chaos_requests_are_rejected_with_a_message()
    {
        var resp = await _http.PostAsJsonAsync(ChaosControl.Path, new { action = "api-fault", kind = "error", status = 404 });
        resp.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await resp.Content.ReadAsStringAsync()).ShouldContain("error status must be 5xx");
        var missing = await _http.PostAsJsonAsync(ChaosControl.Path, new { action = "kill-pod", @namespace = "shop", name = "nope" });
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var unknown = await _http.PostAsJsonAsync(ChaosControl.Path, new { action = "meteor" });
        (await unknown.Content.ReadAsStringAsync()).ShouldContain("unknown chaos action");
    }
}
