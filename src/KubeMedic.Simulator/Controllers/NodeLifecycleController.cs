using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Controllers;

/// <summary>
/// The node lifecycle controller: every 5s it checks each node's lease; after the 40s grace period without a
/// renewal the node's conditions go Unknown ("Kubelet stopped posting node status."), it gets the
/// node.kubernetes.io/unreachable NoSchedule and NoExecute taints, a NodeNotReady event, and its pods are marked
/// not ready. Pods are evicted when their toleration of the NoExecute taint runs out (300s by default); with the
/// kubelet gone they stay Terminating, shown as Unknown (reason NodeLost), until force-deleted or the node returns.
/// </summary>
internal sealed class NodeLifecycleController(SimContext ctx) : Controller(ctx)
{
    public const string Unreachable = "node.kubernetes.io/unreachable";
    public const string NotReady = "node.kubernetes.io/not-ready";
    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan MonitorPeriod = TimeSpan.FromSeconds(5);

    public override void Initialize() => Monitor();

    public override void OnEvent(StoreEvent ev)
    {
        if (ev.Type == Resources.Nodes && ev.EventType == "MODIFIED") Enqueue(ev.Object.Name());
    }

    private void Monitor()
    {
        foreach (var n in Store.All(Resources.Nodes)) Enqueue(n.Name());
        Ctx.Manager.At(Now + MonitorPeriod, Monitor);
    }

    protected override void Reconcile(string key)
    {
        var node = Store.Get(Resources.Nodes, null, key);
        if (node is null) return;
        var now = Now;
        var lease = Store.Get(Resources.Leases, "kube-node-lease", key);
        var ready = node.Arr("status.conditions").Objects().FirstOrDefault(c => c.Str("type") == "Ready");
        var lastSeen = Max(lease?.Time("spec.renewTime"), ready?.Time("lastHeartbeatTime"));
        var stale = lastSeen is not null && now - lastSeen.Value > GracePeriod && !Ctx.Kubelet.IsAlive(key);
        var hasTaint = node.Arr("spec.taints").Objects().Any(t => t.Str("key") == Unreachable);

        if (stale && ready?.Str("status") != "Unknown")
        {
            var copy = node.Clone();
            var conds = new JsonArray();
            foreach (var c in node.Arr("status.conditions").Objects())
            {
                var nc = c.Clone();
                nc["status"] = "Unknown";
                nc["reason"] = "NodeStatusUnknown";
                nc["message"] = "Kubelet stopped posting node status.";
                nc["lastTransitionTime"] = Json.Timestamp(now);
                conds.Add(nc);
            }

            copy.Ensure("status")["conditions"] = conds;
            AddTaints(copy, now);
            Store.Update(Resources.Nodes, copy);
            Ctx.Events.Normal(copy, "NodeNotReady", $"Node {key} status is now: NodeNotReady", "node-controller");
            MarkPodsNotReady(key, now);
            ScheduleEvictions(key, now);
            return;
        }

        if (stale && !hasTaint)
        {
            var copy = node.Clone();
            AddTaints(copy, now);
            Store.Update(Resources.Nodes, copy);
            return;
        }

        if (!stale && ready?.Str("status") == "True" && hasTaint)
        {
            var copy = node.Clone();
            copy.Ensure("spec")["taints"] = Json.ToArray(node.Arr("spec.taints").Objects().Where(t => t.Str("key") is not (Unreachable or NotReady)).Select(t => t.DeepClone()));
            if (copy.Arr("spec.taints") is { Count: 0 }) copy.Obj("spec")!.Remove("taints");
            Store.Update(Resources.Nodes, copy);
        }

        if (stale) ScheduleEvictions(key, now);
    }

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : (a > b ? a : b);

    private static void AddTaints(JsonObject node, DateTimeOffset now)
    {
        var taints = node.Ensure("spec").EnsureArray("taints");
        if (!taints.Objects().Any(t => t.Str("key") == Unreachable && t.Str("effect") == "NoSchedule"))
        {
            taints.Add(new JsonObject { ["key"] = Unreachable, ["effect"] = "NoSchedule", ["timeAdded"] = Json.Timestamp(now) });
        }

        if (!taints.Objects().Any(t => t.Str("key") == Unreachable && t.Str("effect") == "NoExecute"))
        {
            taints.Add(new JsonObject { ["key"] = Unreachable, ["effect"] = "NoExecute", ["timeAdded"] = Json.Timestamp(now) });
        }
    }

    private void MarkPodsNotReady(string node, DateTimeOffset now)
    {
        foreach (var pod in Store.List(Resources.Pods, null, p => p.Str("spec.nodeName") == node).Items)
        {
            if (pod.Str("status.phase") is "Succeeded" or "Failed") continue;
            var copy = pod.Clone();
            var status = copy.Ensure("status");
            if (status.Arr("conditions").Objects().Any(c => c.Str("type") == "Ready" && c.Str("status") == "False")) continue;
            PodUtil.SetCondition(status, "Ready", "False", null, null, now);
            Store.Update(Resources.Pods, copy);
            Ctx.Events.Warning(pod, "NodeNotReady", "Node is not ready", "node-controller");
        }
    }

    /// <summary>Taint-based eviction: each pod goes when its toleration of the NoExecute taint runs out.</summary>
    private void ScheduleEvictions(string nodeName, DateTimeOffset now)
    {
        var node = Store.Get(Resources.Nodes, null, nodeName);
        var taint = node?.Arr("spec.taints").Objects().FirstOrDefault(t => t.Str("key") == Unreachable && t.Str("effect") == "NoExecute");
        if (taint is null) return;
        var added = taint.Time("timeAdded") ?? now;
        foreach (var pod in Store.List(Resources.Pods, null, p => p.Str("spec.nodeName") == nodeName && p.Str("metadata.deletionTimestamp") is null).Items)
        {
            var toleration = pod.Arr("spec.tolerations").Objects().FirstOrDefault(t =>
                (t.Str("effect") is null or "" or "NoExecute") && (t.Str("key") == Unreachable || (string.IsNullOrEmpty(t.Str("key")) && t.Str("operator") == "Exists")));
            DateTimeOffset due;
            if (toleration is null) due = now;
            else if (toleration.Long("tolerationSeconds") is { } secs) due = added.AddSeconds(secs);
            else continue; // tolerates forever

            if (due <= now) Evict(pod, nodeName, now);
            else Ctx.Manager.At(due, () =>
            {
                var current = Store.Get(Resources.Pods, pod.Namespace(), pod.Name());
                var n = Store.Get(Resources.Nodes, null, nodeName);
                if (current is not null && current.Uid() == pod.Uid() && n?.Arr("spec.taints").Objects().Any(t => t.Str("key") == Unreachable && t.Str("effect") == "NoExecute") == true)
                {
                    Evict(current, nodeName, Now);
                }
            });
        }
    }

    private void Evict(JsonObject pod, string nodeName, DateTimeOffset now)
    {
        if (pod.Str("metadata.deletionTimestamp") is not null) return;
        Ctx.Events.Normal(pod, "TaintManagerEviction", $"Marking for deletion Pod {pod.Namespace()}/{pod.Name()}", "taint-eviction-controller");
        var copy = pod.Clone();
        var status = copy.Ensure("status");
        status["reason"] = "NodeLost";
        status["message"] = $"Node {nodeName} which was running pod {pod.Name()} is unresponsive";
        Store.Update(Resources.Pods, copy);
        Lifecycle.Delete(Store, Ctx.Clock, Resources.Pods, pod.Namespace(), pod.Name(), new DeleteOptions());
    }
}
