using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Controllers;

/// <summary>
/// The ReplicaSet controller: keeps spec.replicas active pods (creating from the template, deleting the least
/// valuable first: unscheduled, pending, not ready, most restarts, newest) and reports replicas, ready and
/// available counts (minReadySeconds honoured).
/// </summary>
internal sealed class ReplicaSetController(SimContext ctx) : Controller(ctx)
{
    public override void OnEvent(StoreEvent ev)
    {
        if (ev.Type == Resources.ReplicaSets) Enqueue(KeyOf(ev.Object));
        else if (ev.Type == Resources.Pods && PodUtil.OwnerName(ev.Object, "ReplicaSet") is { } owner) Enqueue(ObjectStore.Key(ev.Object.Namespace(), owner));
    }

    protected override void Reconcile(string key)
    {
        var (ns, name) = Split(key);
        var rs = Store.Get(Resources.ReplicaSets, ns, name);
        if (rs is null || rs.Str("metadata.deletionTimestamp") is not null) return;
        var uid = rs.Uid();
        var owned = Store.All(Resources.Pods, ns).Where(p => PodUtil.OwnedBy(p, uid)).ToList();
        var active = owned.Where(PodUtil.IsActive).ToList();
        var desired = (int)(rs.Long("spec.replicas") ?? 1);
        var diff = desired - active.Count;
        if (diff > 0)
        {
            var template = rs.Obj("spec.template") ?? new JsonObject();
            for (var i = 0; i < diff; i++)
            {
                var pod = PodUtil.FromTemplate(rs, template, $"{rs.Name()}-{Names.RandomSuffix()}");
                var created = Api.ApiHandlers.CreateInternal(Ctx, Resources.Pods, pod);
                Ctx.Events.Normal(rs, "SuccessfulCreate", $"Created pod: {created.Name()}", "replicaset-controller");
            }
        }
        else if (diff < 0)
        {
            var victims = active
                .OrderBy(p => string.IsNullOrEmpty(p.Str("spec.nodeName")) ? 0 : 1)
                .ThenBy(p => p.Str("status.phase") switch { "Pending" => 0, "Unknown" => 1, _ => 2 })
                .ThenBy(p => PodUtil.IsReady(p) ? 1 : 0)
                .ThenByDescending(p => p.Arr("status.containerStatuses").Objects().Sum(c => c.Long("restartCount") ?? 0))
                .ThenByDescending(p => p.Time("metadata.creationTimestamp"))
                .Take(-diff).ToList();
            foreach (var pod in victims)
            {
                Lifecycle.Delete(Store, Ctx.Clock, Resources.Pods, ns, pod.Name(), new DeleteOptions());
                Ctx.Events.Normal(rs, "SuccessfulDelete", $"Deleted pod: {pod.Name()}", "replicaset-controller");
            }
        }

        rs = Store.Get(Resources.ReplicaSets, ns, name)!;
        owned = Store.All(Resources.Pods, ns).Where(p => PodUtil.OwnedBy(p, uid)).ToList();
        active = owned.Where(PodUtil.IsActive).ToList();
        var minReady = rs.Long("spec.minReadySeconds") ?? 0;
        var now = Now;
        var selector = LabelSelector.FromObject(rs.Obj("spec.template.metadata") is { } m ? new JsonObject { ["matchLabels"] = m["labels"]?.DeepClone() } : null);
        var status = new JsonObject
        {
            ["replicas"] = active.Count,
            ["fullyLabeledReplicas"] = active.Count(p => selector.Matches(p)),
            ["readyReplicas"] = active.Count(PodUtil.IsReady),
            ["availableReplicas"] = active.Count(p => PodUtil.IsAvailable(p, minReady, now)),
            ["observedGeneration"] = rs.Long("metadata.generation") ?? 1,
        };
        if (minReady > 0)
        {
            foreach (var p in active.Where(p => PodUtil.IsReady(p) && !PodUtil.IsAvailable(p, minReady, now)))
            {
                if (PodUtil.ReadySince(p) is { } since) EnqueueAt(since.AddSeconds(minReady), key);
            }
        }

        foreach (var k in new[] { "fullyLabeledReplicas", "readyReplicas", "availableReplicas" })
        {
            if (status[k]?.GetValue<int>() == 0) status.Remove(k);
        }

        if (rs.Obj("status")?.Arr("conditions") is { } conds) status["conditions"] = conds.DeepClone();
        if (Json.DeepEquals(rs.Obj("status"), status)) return;
        var copy = rs.Clone();
        copy["status"] = status;
        Store.Update(Resources.ReplicaSets, copy);
    }
}
