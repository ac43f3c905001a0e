using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Controllers;

/// <summary>
/// The garbage collector: when an owner is gone, its dependents are deleted (background propagation); an owner
/// being deleted in the foreground waits until its blocking dependents are gone, then loses its finalizer; the
/// orphan finalizer strips owner references instead.
/// </summary>
internal sealed class GarbageCollector(SimContext ctx) : Controller(ctx)
{
    private readonly Dictionary<string, HashSet<(ResourceType Type, string Key)>> _dependents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ResourceType Type, string Key)> _owners = new(StringComparer.Ordinal);

    public override void Initialize()
    {
        foreach (var rt in Resources.Served.Where(r => !r.Computed))
        {
            foreach (var o in Store.All(rt)) Track(rt, o, null);
        }
    }

    public override void OnEvent(StoreEvent ev)
    {
        if (ev.Type == Resources.Events || ev.Type == Resources.Leases) return;
        Track(ev.Type, ev.Object, ev.EventType == "DELETED" ? null : ev.Object);
        var uid = ev.Object.Uid();
        if (ev.EventType == "DELETED")
        {
            _owners.Remove(uid);
            if (_dependents.ContainsKey(uid)) Enqueue("owner:" + uid);
            foreach (var r in ev.Object.Arr("metadata.ownerReferences").Objects())
            {
                // An owner deleted in the foreground waits for this dependent.
                if (_owners.ContainsKey(r.Str("uid") ?? "")) Enqueue("finalize:" + r.Str("uid"));
            }
        }
        else
        {
            _owners[uid] = (ev.Type, KeyOf(ev.Object));
            if (ev.Object.Str("metadata.deletionTimestamp") is not null && ev.Object.Arr("metadata.finalizers") is { Count: > 0 }) Enqueue("finalize:" + uid);
            foreach (var r in ev.Object.Arr("metadata.ownerReferences").Objects())
            {
                // A dependent of an owner that is already gone (or a foreground owner waiting for it).
                var ownerUid = r.Str("uid") ?? "";
                if (!_owners.ContainsKey(ownerUid)) Enqueue("owner:" + ownerUid);
                else Enqueue("finalize:" + ownerUid);
            }
        }
    }

    private void Track(ResourceType rt, JsonObject obj, JsonObject? current)
    {
        var key = (rt, KeyOf(obj));
        foreach (var r in obj.Arr("metadata.ownerReferences").Objects())
        {
            var ownerUid = r.Str("uid") ?? "";
            if (!_dependents.TryGetValue(ownerUid, out var set))
            {
                set = [];
                _dependents[ownerUid] = set;
            }

            if (current is null) set.Remove(key);
            else set.Add(key);
        }
    }

    protected override void Reconcile(string key)
    {
        var colon = key.IndexOf(':');
        var kind = key[..colon];
        var uid = key[(colon + 1)..];
        if (kind == "owner")
        {
            if (_owners.ContainsKey(uid)) return;
            if (!_dependents.TryGetValue(uid, out var deps)) return;
            foreach (var (rt, depKey) in deps.ToList())
            {
                var (ns, name) = Split(depKey);
                var dep = Store.Get(rt, ns, name);
                if (dep is null || dep.Str("metadata.deletionTimestamp") is not null) continue;
                var refs = dep.Arr("metadata.ownerReferences").Objects().ToList();
                if (refs.All(r => r.Str("uid") == uid || !_owners.ContainsKey(r.Str("uid") ?? "")))
                {
                    Lifecycle.Delete(Store, Ctx.Clock, rt, ns, name, new DeleteOptions(PropagationPolicy: "Background"));
                }
                else
                {
                    var copy = dep.Clone();
                    copy.Obj("metadata")!["ownerReferences"] = Json.ToArray(refs.Where(r => r.Str("uid") != uid).Select(r => r.DeepClone()));
                    Store.Update(rt, copy);
                }
            }

            return;
        }

        if (!_owners.TryGetValue(uid, out var owner)) return;
        var (ons, oname) = Split(owner.Key);
        var obj = Store.Get(owner.Type, ons, oname);
        if (obj is null || obj.Str("metadata.deletionTimestamp") is null) return;
        var finalizers = obj.Arr("metadata.finalizers")!.Select(f => f?.GetValue<string>()).ToList();
        var remaining = _dependents.TryGetValue(uid, out var set) ? set.Where(d => Store.Get(d.Type, Split(d.Key).Ns, Split(d.Key).Name) is not null).ToList() : [];
        if (finalizers.Contains(Lifecycle.OrphanFinalizer))
        {
            Lifecycle.Orphan(Store, obj);
            Remove(owner.Type, obj, Lifecycle.OrphanFinalizer);
        }
        else if (finalizers.Contains(Lifecycle.ForegroundFinalizer))
        {
            if (remaining.Count == 0)
            {
                Remove(owner.Type, obj, Lifecycle.ForegroundFinalizer);
                return;
            }

            foreach (var (rt, depKey) in remaining)
            {
                var (ns, name) = Split(depKey);
                var dep = Store.Get(rt, ns, name);
                if (dep is not null && dep.Str("metadata.deletionTimestamp") is null)
                {
                    Lifecycle.Delete(Store, Ctx.Clock, rt, ns, name, new DeleteOptions(PropagationPolicy: "Foreground"));
                }
            }
        }
    }

    private void Remove(ResourceType rt, JsonObject obj, string finalizer)
    {
        var copy = obj.Clone();
        var meta = copy.Obj("metadata")!;
        meta["finalizers"] = Json.ToArray(meta.Arr("finalizers")!.Where(f => f?.GetValue<string>() != finalizer).Select(f => f?.DeepClone()));
        Store.Update(rt, copy);
    }
}
