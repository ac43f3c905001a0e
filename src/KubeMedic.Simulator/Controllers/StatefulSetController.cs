using System.Globalization;
using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Controllers;

/// <summary>
/// The StatefulSet controller, as far as scenarios need it: pods name-0..N-1 created in order (OrderedReady waits
/// for the previous pod to be Ready), PVCs from volumeClaimTemplates, scale-down from the highest ordinal, and a
/// rolling update that replaces pods with an old controller-revision-hash from the highest ordinal down.
/// </summary>
internal sealed class StatefulSetController(SimContext ctx) : Controller(ctx)
{
    public override void OnEvent(StoreEvent ev)
    {
        if (ev.Type == Resources.StatefulSets) Enqueue(KeyOf(ev.Object));
        else if (ev.Type == Resources.Pods && PodUtil.OwnerName(ev.Object, "StatefulSet") is { } owner) Enqueue(ObjectStore.Key(ev.Object.Namespace(), owner));
    }

    protected override void Reconcile(string key)
    {
        var (ns, name) = Split(key);
        var sts = Store.Get(Resources.StatefulSets, ns, name);
        if (sts is null || sts.Str("metadata.deletionTimestamp") is not null) return;
        var uid = sts.Uid();
        var replicas = (int)(sts.Long("spec.replicas") ?? 1);
        var ordered = sts.Str("spec.podManagementPolicy") != "Parallel";
        var revision = $"{sts.Name()}-{DeploymentController.TemplateHash(sts.Obj("spec.template") ?? new JsonObject())}";
        var pods = Store.All(Resources.Pods, ns).Where(p => PodUtil.OwnedBy(p, uid)).ToDictionary(p => p.Name());

        for (var i = 0; i < replicas; i++)
        {
            var podName = $"{sts.Name()}-{i}";
            if (pods.TryGetValue(podName, out var existing))
            {
                if (ordered && !PodUtil.IsReady(existing)) break;
                continue;
            }

            foreach (var vct in sts.Arr("spec.volumeClaimTemplates").Objects())
            {
                var pvcName = $"{vct.Name()}-{podName}";
                if (Store.Get(Resources.Pvcs, ns, pvcName) is null)
                {
                    var pvc = new JsonObject
                    {
                        ["metadata"] = new JsonObject { ["name"] = pvcName, ["namespace"] = ns, ["labels"] = sts.Obj("spec.selector.matchLabels")?.DeepClone() },
                        ["spec"] = vct.Obj("spec")?.DeepClone() ?? new JsonObject(),
                    };
                    Api.ApiHandlers.CreateInternal(Ctx, Resources.Pvcs, pvc);
                    Ctx.Events.Normal(sts, "SuccessfulCreate", $"create Claim {pvcName} Pod {podName} in StatefulSet {sts.Name()} success", "statefulset-controller");
                }
            }

            var extra = new Dictionary<string, string>
            {
                ["controller-revision-hash"] = revision,
                ["statefulset.kubernetes.io/pod-name"] = podName,
                ["apps.kubernetes.io/pod-index"] = i.ToString(CultureInfo.InvariantCulture),
            };
            var pod = PodUtil.FromTemplate(sts, sts.Obj("spec.template") ?? new JsonObject(), podName, extra);
            var spec = pod.Obj("spec")!;
            spec["hostname"] = podName;
            if (sts.Str("spec.serviceName") is { Length: > 0 } svc) spec["subdomain"] = svc;
            var volumes = spec.EnsureArray("volumes");
            foreach (var vct in sts.Arr("spec.volumeClaimTemplates").Objects())
            {
                if (volumes.Objects().Any(v => v.Str("name") == vct.Name())) continue;
                volumes.Add(new JsonObject { ["name"] = vct.Name(), ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = $"{vct.Name()}-{podName}" } });
            }

            Api.ApiHandlers.CreateInternal(Ctx, Resources.Pods, pod);
            Ctx.Events.Normal(sts, "SuccessfulCreate", $"create Pod {podName} in StatefulSet {sts.Name()} successful", "statefulset-controller");
            if (ordered) break;
        }

        foreach (var (podName, pod) in pods.OrderByDescending(p => Ordinal(p.Key)))
        {
            if (Ordinal(podName) >= replicas && PodUtil.IsActive(pod))
            {
                Lifecycle.Delete(Store, Ctx.Clock, Resources.Pods, ns, podName, new DeleteOptions());
                Ctx.Events.Normal(sts, "SuccessfulDelete", $"delete Pod {podName} in StatefulSet {sts.Name()} successful", "statefulset-controller");
                if (ordered) break;
            }
        }

        // Rolling update: replace one outdated pod at a time, highest ordinal first, when all are ready.
        var current = pods.Values.Where(p => Ordinal(p.Name()) < replicas).ToList();
        if (current.Count == replicas && current.All(PodUtil.IsReady))
        {
            var outdated = current.Where(p => p.Labels().GetValueOrDefault("controller-revision-hash") != revision).OrderByDescending(p => Ordinal(p.Name())).FirstOrDefault();
            if (outdated is not null && PodUtil.IsActive(outdated))
            {
                Lifecycle.Delete(Store, Ctx.Clock, Resources.Pods, ns, outdated.Name(), new DeleteOptions());
            }
        }

        pods = Store.All(Resources.Pods, ns).Where(p => PodUtil.OwnedBy(p, uid)).ToDictionary(p => p.Name());
        var active = pods.Values.Where(PodUtil.IsActive).ToList();
        var status = new JsonObject
        {
            ["observedGeneration"] = sts.Long("metadata.generation") ?? 1,
            ["replicas"] = active.Count,
            ["readyReplicas"] = active.Count(PodUtil.IsReady),
            ["currentReplicas"] = active.Count(p => p.Labels().GetValueOrDefault("controller-revision-hash") == revision),
            ["updatedReplicas"] = active.Count(p => p.Labels().GetValueOrDefault("controller-revision-hash") == revision),
            ["availableReplicas"] = active.Count(PodUtil.IsReady),
            ["currentRevision"] = revision,
            ["updateRevision"] = revision,
            ["collisionCount"] = 0,
        };
        if (Json.DeepEquals(sts.Obj("status"), status)) return;
        var copy = sts.Clone();
        copy["status"] = status;
        Store.Update(Resources.StatefulSets, copy);
    }

    private static int Ordinal(string podName) =>
        int.TryParse(podName[(podName.LastIndexOf('-') + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : -1;
}
