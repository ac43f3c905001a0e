using KubeMedic.Kubernetes.Sources;
using System.Text.Json.Nodes;
using k8s;

namespace KubeMedic.Kubernetes.Tests.Repair;

/// <summary>Test cluster contents: the seed-000 order-service (512Mi limit, OOM-killed below 700Mi) and friends.</summary>
internal static class Cluster
{
    public const long OomBelowBytes = 700L * 1024 * 1024;

    public static PodBehavior OomBelowLimit(JsonObject deployment)
    {
        var limit = KubeMedic.Core.Remedies.Quantity.ParseBytes(deployment["spec"]?["template"]?["spec"]?["containers"]?[0]?["resources"]?["limits"]?["memory"]?.GetValue<string>());
        return limit is { } l && l < OomBelowBytes ? PodBehavior.OomLoop : PodBehavior.Healthy;
    }

    public static JsonObject Deployment(string name, string ns = "production", int replicas = 2, string memory = "512Mi") => JsonNode.Parse($$"""
    {
      "apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": { "name": "{{name}}", "namespace": "{{ns}}", "generation": 1, "labels": { "app": "{{name}}" } },
      "spec": {
        "replicas": {{replicas}},
        "selector": { "matchLabels": { "app": "{{name}}" } },
        "strategy": { "type": "RollingUpdate", "rollingUpdate": { "maxSurge": "25%", "maxUnavailable": "25%" } },
        "template": {
          "metadata": { "labels": { "app": "{{name}}" } },
          "spec": { "containers": [ {
            "name": "{{name}}", "image": "registry.local/{{name}}:2.3.1",
            "env": [ { "name": "DB_PASSWORD", "value": "hunter2" } ],
            "resources": { "requests": { "cpu": "100m", "memory": "256Mi" }, "limits": { "memory": "{{memory}}" } }
          } ] }
        }
      }
    }
    """)!.AsObject();

    public static JsonObject Node(string name = "node-1") => JsonNode.Parse($$"""
    {
      "apiVersion": "v1", "kind": "Node",
      "metadata": { "name": "{{name}}", "labels": { "kubernetes.io/hostname": "{{name}}" } },
      "status": { "allocatable": { "cpu": "4", "memory": "8Gi", "pods": "110" }, "capacity": { "cpu": "4", "memory": "8Gi", "pods": "110" },
        "conditions": [ { "type": "Ready", "status": "True", "reason": "KubeletReady" } ] }
    }
    """)!.AsObject();

    public static FakeApiServer OrderServiceOom()
    {
        var server = new FakeApiServer { Behavior = OomBelowLimit };
        server.Add(Node());
        server.Add(Deployment("order-service"));
        return server;
    }

    public static IKubernetes Client(string url) => KubeClients.Create(new KubernetesClientConfiguration { Host = url, AccessToken = "fake-token" });
}
