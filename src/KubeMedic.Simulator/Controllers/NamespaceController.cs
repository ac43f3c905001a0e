using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Controllers;

/// <summary>Deletes everything in a terminating namespace, then the namespace itself.</summary>
internal sealed class NamespaceController(SimContext ctx) : Controller(ctx)
{
    public override void OnEvent(StoreEvent ev)
    {
        if (ev.Type == Resources.Namespaces && ev.Object.Str("metadata.deletionTimestamp") is not null && ev.EventType != "DELETED") Enqueue(ev.Object.Name());
        else if (ev.EventType == "DELETED" && ev.Type.Namespaced && ev.Object.Namespace() is { } ns && Store.Get(Resources.Namespaces, null, ns)?.Str("metadata.deletionTimestamp") is not null) Enqueue(ns);
    }

    protected override void Reconcile(string key)
    {
        var ns = Store.Get(Resources.Namespaces, null, key);
        if (ns is null || ns.Str("metadata.deletionTimestamp") is null) return;
        var left = 0;
        foreach (var rt in Resources.Served.Where(r => r.Namespaced && !r.Computed && r.Version == Resources.Served.First(x => x.Plural == r.Plural && x.Group == r.Group).Version))
        {
            foreach (var o in Store.All(rt, key))
            {
                left++;
                if (rt == Resources.Pods)
                {
                    if (o.Str("metadata.deletionTimestamp") is null) Lifecycle.Delete(Store, Ctx.Clock, rt, key, o.Name(), new DeleteOptions());
                }
                else
                {
                    Store.Remove(rt, key, o.Name());
                }
            }
        }

        if (left == 0 || Store.All(Resources.Pods, key).Count == 0)
        {
            foreach (var rt in Resources.Served.Where(r => r.Namespaced && !r.Computed))
            {
                foreach (var o in Store.All(rt, key)) Store.Remove(rt, key, o.Name());
            }

            Store.Remove(Resources.Namespaces, null, key);
        }
        else
        {
            EnqueueAfter(TimeSpan.FromSeconds(5), key);
        }
    }
}
