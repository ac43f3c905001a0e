using System.Globalization;
using System.Text.Json.Nodes;
using KubeMedic.Core.Analysis;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Triage;

namespace KubeMedic.Core.Tests;

/// <summary>
/// Repeated OOM kills: a container that OOMs in a loop is Ready between kills, so the current Ready state must not
/// downgrade it. Variants of the seed 000 fixture (same Deployment, Service and Ingress; the pods' statuses rewritten).
/// </summary>
public sealed class OomLoopTests
{
    /// <summary>The variants' "now": the latest timestamp of the model (kept by a Deployment event at 15:00).</summary>
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-20T15:00:00Z", CultureInfo.InvariantCulture);

    private static readonly ObjectRef OrderService = new("Deployment", "production", "order-service");

    /// <summary>
    /// Pods are "restarts/minutesSinceLastOom/state" ("-" = never OOMed), state = ready | crashloop.
    /// </summary>
    [Theory]
    [InlineData("loop on every replica, Ready between kills", "6/4/ready,6/3/ready,6/2/ready", "critical", "oom-loop", "SEV2")]
    [InlineData("loop on one replica, Ready now", "4/10/ready,0/-/ready,0/-/ready", "high", "oom-loop", "SEV2")]
    [InlineData("two restarts, last kill 5 min ago", "2/5/ready,0/-/ready,0/-/ready", "high", "oom-loop", "SEV2")]
    [InlineData("loop, in CrashLoopBackOff now", "6/1/crashloop,0/-/ready,0/-/ready", "high", "crash-loop", "SEV2")]
    [InlineData("single old OOM, stable for 3 h", "1/180/ready,0/-/ready,0/-/ready", "medium", "recovered", null)]
    [InlineData("two old OOMs, stable for 2 h", "2/120/ready,0/-/ready,0/-/ready", "medium", "recovered", null)]
    public void Oom_severity_follows_the_loop_not_the_ready_state(string variant, string pods, string severity, string subReason, string? sev)
    {
        var model = Fixtures.FromText(Variant(pods), variant);
        model.ObservedAt.ShouldBe(Now);

        var diagnosis = DiagnosisEngine.Default.Diagnose(model);
        var oom = diagnosis.Find(FindingCodes.OomKilled, OrderService);

        oom.ShouldNotBeNull(variant);
        oom.Severity.ToString().ToLowerInvariant().ShouldBe(severity, variant);
        oom.SubReason.ShouldBe(subReason, variant);
        var triage = TriageEngine.Triage(model, diagnosis);
        if (sev is not null)
        {
            triage.Severity.ShouldBe(sev, variant);
        }
        else
        {
            triage.Severity.ShouldBeOneOf(["SEV3", "SEV4"], variant);
            triage.Impact.ShouldBeEmpty(variant);
        }
    }

    [Fact]
    public void Replicas_ready_only_between_kills_count_as_lost_capacity()
    {
        var model = Fixtures.FromText(Variant("6/4/ready,6/3/ready,6/2/ready"));
        var diagnosis = DiagnosisEngine.Default.Diagnose(model);

        var oom = diagnosis.Find(FindingCodes.OomKilled, OrderService)!;
        oom.LoopingPods!.Count.ShouldBe(3);
        oom.Summary.ShouldContain("OOM loop: Ready only between kills (6 restarts)");
        var impact = TriageEngine.Triage(model, diagnosis).Impact.Single();
        impact.Available.ShouldBe(3);
        impact.Looping.ShouldBe(3);
        impact.CapacityLostPercent.ShouldBe(100);
        impact.AvailableText.ShouldBe("3/3 (3 of them Ready only between OOM kills)");
    }

    [Fact]
    public void A_recent_backoff_event_keeps_a_ready_container_with_few_restarts_in_the_loop()
    {
        // one restart, OOM 40 min ago (outside the window) but the kubelet backed off again 10 min ago
        var json = JsonNode.Parse(Variant("1/40/ready,0/-/ready,0/-/ready"))!;
        var items = json["items"]!.AsArray();
        items.Add(JsonNode.Parse($$"""
            {"apiVersion":"v1","kind":"Event","metadata":{"name":"x.backoff","namespace":"production"},
             "involvedObject":{"kind":"Pod","name":"order-service-7c9d8e6f4-x7k2p","namespace":"production","fieldPath":"spec.containers{order-service}"},
             "reason":"BackOff","message":"Back-off restarting failed container","type":"Warning","count":3,
             "firstTimestamp":"{{Stamp(40)}}","lastTimestamp":"{{Stamp(10)}}"}
            """));

        var oom = DiagnosisEngine.Default.Diagnose(Fixtures.FromText(json.ToJsonString())).Find(FindingCodes.OomKilled, OrderService)!;

        oom.Severity.ShouldBe(Severity.High);
        oom.SubReason.ShouldBe("oom-loop");
        oom.Summary.ShouldContain("BackOff event at");
    }

    private static string Stamp(int minutesAgo) => (Now - TimeSpan.FromMinutes(minutesAgo)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The seed 000 fixture with the order-service pods' statuses replaced and pod events dropped.</summary>
    private static string Variant(string pods)
    {
        var specs = pods.Split(',');
        var json = JsonNode.Parse(File.ReadAllText(Fixtures.PathOf("seed000-oom.json")))!;
        var items = json["items"]!.AsArray();
        foreach (var ev in items.Where(i => (string?)i!["kind"] == "Event" && (string?)i["involvedObject"]!["kind"] == "Pod").ToList())
        {
            items.Remove(ev);
        }

        // pins "now" (the model's latest timestamp) at 15:00
        items.Add(JsonNode.Parse($$"""
            {"apiVersion":"v1","kind":"Event","metadata":{"name":"order-service.now","namespace":"production"},
             "involvedObject":{"kind":"Deployment","name":"order-service","namespace":"production"},
             "reason":"ScalingReplicaSet","message":"Scaled up replica set order-service-7c9d8e6f4 to 3","type":"Normal",
             "firstTimestamp":"{{Stamp(0)}}","lastTimestamp":"{{Stamp(0)}}"}
            """));
        var orderPods = items.Where(i => (string?)i!["kind"] == "Pod").ToList();
        orderPods.Count.ShouldBe(specs.Length);
        var ready = 0;
        for (var n = 0; n < specs.Length; n++)
        {
            var parts = specs[n].Split('/');
            var restarts = int.Parse(parts[0], CultureInfo.InvariantCulture);
            int? oomAgo = parts[1] == "-" ? null : int.Parse(parts[1], CultureInfo.InvariantCulture);
            var crashLoop = parts[2] == "crashloop";
            ready += crashLoop ? 0 : 1;
            var name = (string)orderPods[n]!["metadata"]!["name"]!;
            var cs = orderPods[n]!["status"]!["containerStatuses"]![0]!;
            cs["ready"] = !crashLoop;
            cs["restartCount"] = restarts;
            cs["state"] = crashLoop
                ? JsonNode.Parse($$$"""{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 5m0s restarting failed container=order-service pod={{{name}}}"}}""")
                : JsonNode.Parse($$$"""{"running":{"startedAt":"{{{Stamp(oomAgo ?? 30)}}}"}}""");
            cs["lastState"] = oomAgo is { } ago
                ? JsonNode.Parse($$$"""{"terminated":{"reason":"OOMKilled","exitCode":137,"startedAt":"{{{Stamp(ago + 4)}}}","finishedAt":"{{{Stamp(ago)}}}"}}""")
                : new JsonObject();
            foreach (var c in orderPods[n]!["status"]!["conditions"]!.AsArray())
            {
                if ((string?)c!["type"] is "Ready" or "ContainersReady")
                {
                    c["status"] = crashLoop ? "False" : "True";
                }
            }
        }

        var dep = items.Single(i => (string?)i!["kind"] == "Deployment")!["status"]!;
        dep["availableReplicas"] = ready;
        dep["readyReplicas"] = ready;
        dep["unavailableReplicas"] = specs.Length - ready;
        return json.ToJsonString();
    }
}
