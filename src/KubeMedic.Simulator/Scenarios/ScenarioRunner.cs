using System.Text.Json.Nodes;
using KubeMedic.Simulator.Api;
using KubeMedic.Simulator.Controllers;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Scenarios;

/// <summary>Puts a scenario into a fresh cluster: system namespaces, nodes, the manifests, and the timed faults.</summary>
internal static class ScenarioRunner
{
    public static void Seed(SimContext ctx)
    {
        var scenario = ctx.Scenario;
        ctx.Events.Enabled = scenario.RecordEvents;
        var store = ctx.Store;
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            ApiHandlers.CreateInternal(ctx, Resources.Namespaces, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } });
        }

        var i = 0;
        foreach (var n in scenario.Nodes)
        {
            i++;
            store.Create(Resources.Nodes, NodeObject(n, i, ctx.Now));
            ctx.Kubelet.Node(n.Name);
        }

        foreach (var manifest in scenario.Manifests)
        {
            ApplyManifest(ctx, manifest.Clone());
        }

        var start = ctx.Now;
        foreach (var fault in scenario.Faults)
        {
            var f = fault;
            ctx.Manager.At(start + f.At, () => FaultRunner.Apply(ctx, f));
        }
    }

    /// <summary>Creates an object (its namespace too, if missing), or replaces it if it exists.</summary>
    public static JsonObject ApplyManifest(SimContext ctx, JsonObject manifest)
    {
        var rt = Resources.ByKind(manifest.Str("apiVersion") ?? "v1", manifest.Str("kind") ?? "");
        if (rt.Namespaced)
        {
            var meta = manifest.Ensure("metadata");
            meta["namespace"] ??= "default";
            var ns = meta.Str("namespace")!;
            if (ctx.Store.Get(Resources.Namespaces, null, ns) is null)
            {
                ApiHandlers.CreateInternal(ctx, Resources.Namespaces, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } });
            }
        }

        var existing = ctx.Store.Get(rt, manifest.Namespace(), manifest.Name());
        if (existing is null) return ApiHandlers.CreateInternal(ctx, rt, manifest);
        var merged = existing.Clone();
        foreach (var (k, v) in manifest)
        {
            if (k is "metadata" or "status") continue;
            merged[k] = v?.DeepClone();
        }

        if (manifest.Obj("metadata.labels") is { } labels) merged.Ensure("metadata")["labels"] = labels.DeepClone();
        if (manifest.Obj("metadata.annotations") is { } ann) merged.Ensure("metadata")["annotations"] = ann.DeepClone();
        Admission.Default(rt, merged, ctx.Store);
        Admission.Validate(rt, merged);
        return ctx.Store.Update(rt, merged);
    }

    public static JsonObject NodeObject(NodeModel n, int index, DateTimeOffset now)
    {
        var labels = new JsonObject
        {
            ["beta.kubernetes.io/arch"] = "amd64",
            ["beta.kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
            ["kubernetes.io/hostname"] = n.Name,
            ["kubernetes.io/os"] = "linux",
        };
        foreach (var (k, v) in n.Labels) labels[k] = v;
        var capacity = new JsonObject { ["cpu"] = n.Cpu, ["memory"] = Normalize(n.Memory), ["pods"] = n.Pods, ["ephemeral-storage"] = "102400Mi" };
        // allocatable = capacity - (kube-reserved + system-reserved + eviction threshold), as a kubelet reports it.
        var mem = Quantity.Bytes(n.Memory);
        var allocMem = Math.Max(0, mem - (100L * 1024 * 1024));
        var allocatable = new JsonObject { ["cpu"] = n.Cpu, ["memory"] = Quantity.FormatKi(allocMem), ["pods"] = n.Pods, ["ephemeral-storage"] = "94310964Ki" };
        var spec = new JsonObject { ["podCIDR"] = $"10.244.{index % 256}.0/24", ["podCIDRs"] = new JsonArray($"10.244.{index % 256}.0/24"), ["providerID"] = $"kubemedic-sim://{n.Name}" };
        if (n.Taints.Count > 0) spec["taints"] = Json.ToArray(n.Taints.Select(t => t.DeepClone()));
        if (n.Unschedulable) spec["unschedulable"] = true;
        var node = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = n.Name,
                ["labels"] = labels,
                ["annotations"] = new JsonObject
                {
                    ["node.alpha.kubernetes.io/ttl"] = "0",
                    ["volumes.kubernetes.io/controller-managed-attach-detach"] = "true",
                    ["kubeadm.alpha.kubernetes.io/cri-socket"] = "unix:///run/containerd/containerd.sock",
                },
            },
            ["spec"] = spec,
            ["status"] = new JsonObject
            {
                ["capacity"] = capacity,
                ["allocatable"] = allocatable,
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = $"172.18.{index / 250}.{(index % 250) + 2}" },
                    new JsonObject { ["type"] = "Hostname", ["address"] = n.Name }),
                ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 10250 } },
                ["nodeInfo"] = new JsonObject
                {
                    ["machineID"] = Guid.NewGuid().ToString("N"),
                    ["systemUUID"] = Guid.NewGuid().ToString(),
                    ["bootID"] = Guid.NewGuid().ToString(),
                    ["kernelVersion"] = "6.1.0-28-cloud-amd64",
                    ["osImage"] = "Debian GNU/Linux 12 (bookworm)",
                    ["containerRuntimeVersion"] = "containerd://1.7.24",
                    ["kubeletVersion"] = "v1.32.4",
                    ["kubeProxyVersion"] = "v1.32.4",
                    ["operatingSystem"] = "linux",
                    ["architecture"] = "amd64",
                },
                ["images"] = new JsonArray(),
            },
        };
        KubeletController.SetNodeConditions(node, now, ready: true);
        return node;
    }

    private static string Normalize(string memory) => Quantity.FormatKi(Quantity.Bytes(memory));
}

/// <summary>Runs scenario faults and injected actions (on the controller loop).</summary>
internal static class FaultRunner
{
    public static void Apply(SimContext ctx, SimFault fault)
    {
        switch (fault.Action)
        {
            case "deploy":
            {
                var d = ctx.Store.GetRequired(Resources.Deployments, fault.Namespace ?? "default", fault.Name!);
                var copy = d.Clone();
                var containers = copy.Obj("spec.template.spec")?.Arr("containers");
                var target = containers.Objects().FirstOrDefault(c => fault.Container is null || c.Str("name") == fault.Container)
                    ?? throw new ApiException(404, "NotFound", $"container \"{fault.Container}\" not found in deployment {fault.Name}");
                target["image"] = fault.Image;
                copy.Ensure("metadata.annotations")["kubernetes.io/change-cause"] = $"deploy {fault.Image}";
                ctx.Store.Update(Resources.Deployments, copy);
                break;
            }

            case "stopHeartbeat":
                ctx.Manager.Get<KubeletController>().SetHeartbeating(fault.Node!, false);
                break;
            case "resumeHeartbeat":
                ctx.Manager.Get<KubeletController>().SetHeartbeating(fault.Node!, true);
                break;
            case "apply":
                foreach (var (node, _) in YamlJson.ParseDocuments(fault.Manifest!, "fault"))
                {
                    if (node is JsonObject obj) ScenarioRunner.ApplyManifest(ctx, obj);
                }

                break;
            case "deletePod":
            {
                var ns = fault.Namespace ?? "default";
                var selector = LabelSelector.Parse(fault.Selector);
                foreach (var pod in ctx.Store.All(Resources.Pods, ns).Where(p => (fault.Name is null || p.Name() == fault.Name) && selector.Matches(p)))
                {
                    Lifecycle.Delete(ctx.Store, ctx.Clock, Resources.Pods, ns, pod.Name(), new DeleteOptions());
                }

                break;
            }

            case "scale":
            {
                var d = ctx.Store.GetRequired(Resources.Deployments, fault.Namespace ?? "default", fault.Name!);
                var copy = d.Clone();
                copy.Ensure("spec")["replicas"] = fault.Replicas;
                ctx.Store.Update(Resources.Deployments, copy);
                break;
            }

            default:
                throw new ArgumentException($"unknown fault action \"{fault.Action}\"");
        }
    }
}
