using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Controllers;

/// <summary>The DaemonSet controller: one pod per eligible node (nodeSelector, NoSchedule taints), pinned with node affinity on metadata.name.</summary>
internal sealed class DaemonSetController(SimContext ctx) : Controller(ctx)
{
    public override void OnEvent(StoreEvent ev)
    {
        if (ev.Type == Resources.DaemonSets) Enqueue(KeyOf(ev.Object));
        else if (ev.Type == Resources.Pods && PodUtil.OwnerName(ev.Object, "DaemonSet") is { } owner) Enqueue(ObjectStore.Key(ev.Object.Namespace(), owner));
        else if (ev.Type == Resources.Nodes && ev.EventType != "MODIFIED")
        {
            foreach (var ds in Store.All(Resources.DaemonSets)) Enqueue(KeyOf(ds));
        }
    }

    protected override void Reconcile(string key)
    {
        var (ns, name) = Split(key);
        var ds = Store.Get(Resources.DaemonSets, ns, name);
        if (ds is null || ds.Str("metadata.deletionTimestamp") is not null) return;
        var uid = ds.Uid();
        var pods = Store.All(Resources.Pods, ns).Where(p => PodUtil.OwnedBy(p, uid) && PodUtil.IsActive(p)).ToList();
        var selector = Json.StringMap(ds.Obj("spec.template.spec.nodeSelector"));
        var tolerations = ds.Arr("spec.template.spec.tolerations");
        var hash = DeploymentController.TemplateHash(ds.Obj("spec.template") ?? new JsonObject());
        var eligible = Store.All(Resources.Nodes).Where(n =>
        {
            var labels = n.Labels();
            if (selector.Any(s => labels.GetValueOrDefault(s.Key) != s.Value)) return false;
            return n.Arr("spec.taints").Objects().Where(t => t.Str("effect") is "NoSchedule" or "NoExecute")
                .Where(t => !(t.Str("key") ?? "").StartsWith("node.kubernetes.io/", StringComparison.Ordinal))
                .All(t => Scheduler.Tolerates(tolerations, t));
        }).ToList();

        foreach (var node in eligible)
        {
            if (pods.Any(p => NodeOf(p) == node.Name())) continue;
            var pod = PodUtil.FromTemplate(ds, ds.Obj("spec.template") ?? new JsonObject(), $"{ds.Name()}-{Names.RandomSuffix()}",
                new Dictionary<string, string> { ["controller-revision-hash"] = hash, ["pod-template-generation"] = (ds.Long("metadata.generation") ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture) });
            var spec = pod.Obj("spec")!;
            spec["affinity"] = new JsonObject
            {
                ["nodeAffinity"] = new JsonObject
                {
                    ["requiredDuringSchedulingIgnoredDuringExecution"] = new JsonObject
                    {
                        ["nodeSelectorTerms"] = new JsonArray(new JsonObject
                        {
                            ["matchFields"] = new JsonArray(new JsonObject { ["key"] = "metadata.name", ["operator"] = "In", ["values"] = new JsonArray(node.Name()) }),
                        }),
                    },
                },
            };
            var tol = spec.EnsureArray("tolerations");
            foreach (var (k, effect) in new[] { ("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"), ("node.kubernetes.io/disk-pressure", "NoSchedule"), ("node.kubernetes.io/memory-pressure", "NoSchedule"), ("node.kubernetes.io/pid-pressure", "NoSchedule"), ("node.kubernetes.io/unschedulable", "NoSchedule") })
            {
                tol.Add(new JsonObject { ["key"] = k, ["operator"] = "Exists", ["effect"] = effect });
            }

            var created = Api.ApiHandlers.CreateInternal(Ctx, Resources.Pods, pod);
            Ctx.Events.Normal(ds, "SuccessfulCreate", $"Created pod: {created.Name()}", "daemonset-controller");
        }

        pods = Store.All(Resources.Pods, ns).Where(p => PodUtil.OwnedBy(p, uid) && PodUtil.IsActive(p)).ToList();
        var status = new JsonObject
        {
            ["currentNumberScheduled"] = pods.Count(p => NodeOf(p) is not null),
            ["desiredNumberScheduled"] = eligible.Count,
            ["numberMisscheduled"] = 0,
            ["numberReady"] = pods.Count(PodUtil.IsReady),
            ["numberAvailable"] = pods.Count(PodUtil.IsReady),
            ["updatedNumberScheduled"] = pods.Count(p => p.Labels().GetValueOrDefault("controller-revision-hash") == hash),
            ["observedGeneration"] = ds.Long("metadata.generation") ?? 1,
        };
        var unavailable = eligible.Count - pods.Count(PodUtil.IsReady);
        if (unavailable > 0) status["numberUnavailable"] = unavailable;
        if (Json.DeepEquals(ds.Obj("status"), status)) return;
        var copy = ds.Clone();
        copy["status"] = status;
        Store.Update(Resources.DaemonSets, copy);
    }

    private static string? NodeOf(JsonObject pod) =>
        pod.Str("spec.nodeName") is { Length: > 0 } n ? n
        : pod.Arr("spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms").Objects()
            .SelectMany(t => t.Arr("matchFields").Objects()).FirstOrDefault(f => f.Str("key") == "metadata.name")?.Arr("values")?[0]?.GetValue<string>();
}
