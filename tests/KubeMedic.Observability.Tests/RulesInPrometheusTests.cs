using System.Text.Json.Nodes;

namespace KubeMedic.Observability.Tests;

/// <summary>The generated alert rules loaded into the real Prometheus 2.42 over the synthetic cluster history.</summary>
[Collection("prometheus")]
public sealed class RulesInPrometheusTests(PrometheusFixture prom)
{
    [Fact]
    public async Task Generated_alerts_go_active_on_the_right_objects_only()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var expected = new (string Alert, string Key, string State)[]
        {
            ("KubeMedicPodOOMKilled", "tight-5c8b", "firing"),             // for: 0s, OOM-killed and restarted 4 min before the data ends
            ("KubeMedicContainerMemoryNearLimit", "tight-5c8b", "pending"), // plateau at 96 % of the limit
            ("KubeMedicContainerMemoryNearLimit", "spiky-9a1e", "pending"), // the spike at 99 %
            ("KubeMedicCPUThrottlingHigh", "tight-5c8b", "pending"),       // 60 % throttled, for: 15m
            ("KubeMedicServiceHighErrorRate", "checkout", "pending"),      // 8 % 5xx after the deploy, for: 5m
            ("KubeMedicServiceHighLatency", "checkout", "pending"),        // p99 ~990 ms
            ("KubeMedicDeploymentReplicasUnavailable", "checkout", "pending"),
        };
        List<(string Alert, string Key, string State)> active = [];
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var body = JsonNode.Parse(await http.GetStringAsync(new Uri(prom.Url, "api/v1/alerts")))!;
            active = body["data"]!["alerts"]!.AsArray().Select(a =>
            {
                var labels = a!["labels"]!.AsObject();
                var key = labels["pod"]?.GetValue<string>() ?? labels["service"]?.GetValue<string>() ?? labels["deployment"]?.GetValue<string>() ?? labels["instance"]?.GetValue<string>() ?? "";
                return (labels["alertname"]!.GetValue<string>(), key, a["state"]!.GetValue<string>());
            }).ToList();
            if (expected.All(active.Contains) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(500);
        }

        foreach (var e in expected)
        {
            active.ShouldContain(e, string.Join("\n", active));
        }

        // and nothing where it does not belong: the leaky pod restarted 25 min ago (outside the 10 min window) and is at 68 % of
        // its limit; the spiky pod never restarted; nodes are at 70 % CPU and 75 % memory
        active.ShouldNotContain(a => a.Key == "leaky-7d9f");
        active.ShouldNotContain(a => a.Alert == "KubeMedicPodOOMKilled" && a.Key == "spiky-9a1e");
        active.ShouldNotContain(a => a.Alert.StartsWith("KubeMedicNode", StringComparison.Ordinal));
        active.ShouldNotContain(a => a.Alert == "KubeMedicCPUThrottlingHigh" && a.Key != "tight-5c8b");
    }
}
