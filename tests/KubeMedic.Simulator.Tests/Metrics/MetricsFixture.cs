using System.Text.Json.Nodes;
using KubeMedic.Simulator.Metrics;

namespace KubeMedic.Simulator.Tests.Metrics;

/// <summary>A small cluster in real API JSON: two nodes (node-2 lost), a web Deployment with one OOM-looping pod, a failed Job.</summary>
internal static class MetricsFixture
{
    public static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    public static JsonObject Node(string name, string ready, string reason = "KubeletReady")
    {
        var taints = ready == "Unknown" ? ",\"taints\":[{\"key\":\"node.kubernetes.io/unreachable\",\"effect\":\"NoSchedule\"}]" : "";
        var digit = name[^1];
        return JsonNode.Parse($$$$"""
        {"apiVersion":"v1","kind":"Node","metadata":{"name":"{{{{name}}}}","uid":"uid-{{{{name}}}}","creationTimestamp":"2026-11-23T10:00:00Z",
          "labels":{"kubernetes.io/hostname":"{{{{name}}}}","node-role.kubernetes.io/worker":""}},
         "spec":{"podCIDR":"10.244.1.0/24"{{{{taints}}}}},
         "status":{"capacity":{"cpu":"4","memory":"8Gi","pods":"110","ephemeral-storage":"100Gi"},
                   "allocatable":{"cpu":"3800m","memory":"7Gi","pods":"110","ephemeral-storage":"95Gi"},
                   "conditions":[{"type":"MemoryPressure","status":"False","reason":"KubeletHasSufficientMemory"},
                                 {"type":"Ready","status":"{{{{ready}}}}","reason":"{{{{reason}}}}"}],
                   "addresses":[{"type":"InternalIP","address":"10.0.0.{{{{digit}}}}"}],
                   "nodeInfo":{"kernelVersion":"6.1.0","osImage":"Debian GNU/Linux 12","containerRuntimeVersion":"containerd://1.7.0","kubeletVersion":"v1.32.0","systemUUID":"u-{{{{name}}}}"}}}
        """)!.AsObject();
    }

    public static JsonObject Pod(string name, string node, bool ready, string? waiting = null, string? lastTerminated = null, int restarts = 0, string app = "web", string phase = "Running")
    {
        var readyStatus = ready ? "True" : "False";
        var readyBool = ready ? "true" : "false";
        var state = waiting is null ? "{\"running\":{\"startedAt\":\"2026-11-23T11:50:00Z\"}}" : "{\"waiting\":{\"reason\":\"" + waiting + "\"}}";
        var last = lastTerminated is null ? "{}" : "{\"terminated\":{\"reason\":\"" + lastTerminated + "\",\"exitCode\":137}}";
        return JsonNode.Parse($$$$"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{{{name}}}}","namespace":"shop","uid":"uid-{{{{name}}}}","creationTimestamp":"2026-11-23T11:00:00Z",
           "labels":{"app":"{{{{app}}}}"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"{{{{app}}}}-7d9f","uid":"rs","controller":true}]},
         "spec":{"nodeName":"{{{{node}}}}","containers":[{"name":"{{{{app}}}}","image":"shop/{{{{app}}}}:1.0",
            "resources":{"requests":{"cpu":"250m","memory":"256Mi"},"limits":{"cpu":"500m","memory":"512Mi"}}}]},
         "status":{"phase":"{{{{phase}}}}","hostIP":"10.0.0.1","podIP":"10.244.1.{{{{name.Length}}}}","startTime":"2026-11-23T11:00:00Z","qosClass":"Burstable",
           "conditions":[{"type":"PodScheduled","status":"True"},{"type":"Ready","status":"{{{{readyStatus}}}}"}],
           "containerStatuses":[{"name":"{{{{app}}}}","image":"docker.io/shop/{{{{app}}}}:1.0","imageID":"docker.io/shop/{{{{app}}}}@sha256:abc","containerID":"containerd://c{{{{name.Length}}}}ff",
              "ready":{{{{readyBool}}}},"restartCount":{{{{restarts}}}},
              "state":{{{{state}}}},
              "lastState":{{{{last}}}}}]}}
        """)!.AsObject();
    }

    public static ClusterState State(int readyWeb = 1) => new()
    {
        Now = Now,
        Nodes = [Node("node-1", "True"), Node("node-2", "Unknown", "NodeStatusUnknown")],
        Pods =
        [
            Pod("web-1", "node-1", ready: readyWeb >= 1),
            Pod("web-2", "node-1", ready: readyWeb >= 2, waiting: readyWeb >= 2 ? null : "CrashLoopBackOff", lastTerminated: "OOMKilled", restarts: 5),
            Pod("report-x", "node-1", ready: false, app: "report", phase: "Failed", waiting: null),
        ],
        Deployments =
        [
            JsonNode.Parse("""
                {"metadata":{"name":"web","namespace":"shop","generation":3,"creationTimestamp":"2026-11-23T10:00:00Z"},
                 "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}}}},
                 "status":{"observedGeneration":3,"replicas":2,"updatedReplicas":2,"readyReplicas":1,"availableReplicas":1,"unavailableReplicas":1,
                   "conditions":[{"type":"Available","status":"False","reason":"MinimumReplicasUnavailable"},
                                 {"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded"}]}}
                """)!.AsObject(),
        ],
        Jobs =
        [
            JsonNode.Parse("""
                {"metadata":{"name":"report","namespace":"shop"},"spec":{"completions":1,"parallelism":1,"backoffLimit":3},
                 "status":{"failed":4,"startTime":"2026-11-23T11:00:00Z","conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]}}
                """)!.AsObject(),
        ],
        Services = [JsonNode.Parse("""{"metadata":{"name":"web","namespace":"shop","uid":"svc"},"spec":{"selector":{"app":"web"},"clusterIP":"10.96.0.10","type":"ClusterIP"}}""")!.AsObject()],
        Endpoints =
        [
            JsonNode.Parse(readyWeb >= 2
                ? """{"metadata":{"name":"web","namespace":"shop"},"subsets":[{"addresses":[{"ip":"10.244.1.5"},{"ip":"10.244.1.6"}]}]}"""
                : """{"metadata":{"name":"web","namespace":"shop"},"subsets":[{"addresses":[{"ip":"10.244.1.5"}],"notReadyAddresses":[{"ip":"10.244.1.6"}]}]}""")!.AsObject(),
        ],
        Usage = (_, _) => new ContainerUsage(0.2, 300L * 1024 * 1024, OomEvents: 5, ThrottledFraction: 0.5),
        KubeletReachable = n => n != "node-2",
        Evictions = n => n == "node-1" ? new Dictionary<string, long> { ["memory.available"] = 2 } : new Dictionary<string, long>(),
    };
}
