using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Tests.Remedies;

/// <summary>Objects in the shape <c>kubectl get -o json</c> prints.</summary>
internal static class Fixtures
{
    public static JsonObject Deployment(string name = "order-service", string ns = "production", int replicas = 3, string memLimit = "512Mi",
        string? memRequest = "256Mi", string image = "registry.local/order-service:2.3.1", int revision = 2, string maxUnavailable = "25%",
        string? priorityClass = null) => JsonNode.Parse($$"""
    {
      "apiVersion": "apps/v1",
      "kind": "Deployment",
      "metadata": {
        "name": "{{name}}", "namespace": "{{ns}}", "uid": "uid-{{name}}", "generation": 4,
        "annotations": { "deployment.kubernetes.io/revision": "{{revision}}" },
        "labels": { "app": "{{name}}" }
      },
      "spec": {
        "replicas": {{replicas}},
        "selector": { "matchLabels": { "app": "{{name}}" } },
        "strategy": { "type": "RollingUpdate", "rollingUpdate": { "maxSurge": "25%", "maxUnavailable": "{{maxUnavailable}}" } },
        "template": {
          "metadata": { "labels": { "app": "{{name}}" } },
          "spec": {
            {{(priorityClass is null ? "" : $"\"priorityClassName\": \"{priorityClass}\",")}}
            "containers": [
              {
                "name": "{{name}}",
                "image": "{{image}}",
                "ports": [ { "containerPort": 8080, "name": "http", "protocol": "TCP" } ],
                "resources": {
                  "limits": { "cpu": "500m", "memory": "{{memLimit}}" }
                  {{(memRequest is null ? "" : $", \"requests\": {{ \"cpu\": \"250m\", \"memory\": \"{memRequest}\" }}")}}
                },
                "livenessProbe": { "httpGet": { "path": "/healthz", "port": 8080 }, "initialDelaySeconds": 5, "periodSeconds": 10 }
              }
            ]
          }
        }
      },
      "status": { "replicas": {{replicas}}, "readyReplicas": 1, "observedGeneration": 4 }
    }
    """)!.AsObject();

    public static JsonObject ReplicaSet(JsonObject deployment, int revision, string image, int ready, string created = "2026-11-23T10:00:00Z")
    {
        var template = deployment["spec"]!["template"]!.DeepClone().AsObject();
        template["spec"]!["containers"]![0]!["image"] = image;
        template["metadata"]!["labels"]!["pod-template-hash"] = $"hash{revision}";
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{deployment["metadata"]!["name"]}-hash{revision}",
                ["namespace"] = deployment["metadata"]!["namespace"]!.GetValue<string>(),
                ["creationTimestamp"] = created,
                ["annotations"] = new JsonObject { ["deployment.kubernetes.io/revision"] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = deployment["metadata"]!["name"]!.GetValue<string>(),
                    ["uid"] = deployment["metadata"]!["uid"]!.GetValue<string>(), ["controller"] = true,
                }),
            },
            ["spec"] = new JsonObject { ["replicas"] = ready, ["template"] = template },
            ["status"] = new JsonObject { ["replicas"] = ready, ["readyReplicas"] = ready },
        };
    }

    public static JsonObject Node(string name, string cpu = "4", string memory = "16Gi", bool ready = true) => JsonNode.Parse($$"""
    {
      "apiVersion": "v1", "kind": "Node",
      "metadata": { "name": "{{name}}", "labels": { "kubernetes.io/hostname": "{{name}}" } },
      "status": {
        "allocatable": { "cpu": "{{cpu}}", "memory": "{{memory}}", "pods": "110" },
        "conditions": [ { "type": "Ready", "status": "{{(ready ? "True" : "Unknown")}}" } ]
      }
    }
    """)!.AsObject();

    public static JsonObject Pod(string name, string ns, string container, string? waitingReason = null, string? lastTerminated = null,
        string image = "registry.local/order-service:2.3.1", string node = "node-1", string? ownerKind = "ReplicaSet") => JsonNode.Parse($$"""
    {
      "apiVersion": "v1", "kind": "Pod",
      "metadata": {
        "name": "{{name}}", "namespace": "{{ns}}"
        {{(ownerKind is null ? "" : $", \"ownerReferences\": [ {{ \"apiVersion\": \"apps/v1\", \"kind\": \"{ownerKind}\", \"name\": \"owner\", \"uid\": \"u1\", \"controller\": true }} ]")}}
      },
      "spec": { "nodeName": "{{node}}", "containers": [ { "name": "{{container}}", "image": "{{image}}" } ] },
      "status": {
        "phase": "Running",
        "containerStatuses": [ {
          "name": "{{container}}", "image": "{{image}}", "ready": false, "restartCount": 5,
          "state": {{(waitingReason is null ? "{ \"running\": {} }" : $"{{ \"waiting\": {{ \"reason\": \"{waitingReason}\" }} }}")}},
          "lastState": {{(lastTerminated is null ? "{}" : $"{{ \"terminated\": {{ \"reason\": \"{lastTerminated}\", \"exitCode\": 137 }} }}")}}
        } ]
      }
    }
    """)!.AsObject();

    public static Finding Finding(string code, ObjectRef obj, ObjectRef? owner = null, string? subReason = null, string cause = "") => new()
    {
        Code = code,
        Severity = Severity.High,
        Object = obj,
        Owner = owner,
        SubReason = subReason,
        Summary = code,
        Cause = cause,
    };

    public static ObjectRef Ref(JsonObject o) => new(o["kind"]!.GetValue<string>(), o["metadata"]!["namespace"]?.GetValue<string>(), o["metadata"]!["name"]!.GetValue<string>());
}
