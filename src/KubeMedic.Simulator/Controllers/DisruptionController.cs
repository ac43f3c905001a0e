using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Controllers;

/// <summary>Keeps PodDisruptionBudget status (currentHealthy, desiredHealthy, disruptionsAllowed, expectedPods) current.</summary>
internal sealed class DisruptionController(SimContext ctx) : Controller(ctx)
{
    public override void OnEvent(StoreEvent ev)
    {
        if (ev.Type == Resources.Pdbs && ev.EventType != "DELETED") Enqueue(KeyOf(ev.Object));
        else if (ev.Type == Resources.Pods)
        {
            foreach (var pdb in Store.All(Resources.Pdbs, ev.Object.Namespace())) Enqueue(KeyOf(pdb));
        }
    }

    public static (int Healthy, int Desired, int Allowed, int Expected) Compute(ObjectStore store, JsonObject pdb)
    {
        var selector = LabelSelector.FromObject(pdb.Obj("spec.selector"));
        var pods = store.All(Resources.Pods, pdb.Namespace()).Where(p => selector.Matches(p) && PodUtil.IsActive(p)).ToList();
        var expected = pods.Count;
        var healthy = pods.Count(PodUtil.IsReady);
        int desired;
        if (pdb.At("spec.minAvailable") is { } min) desired = PodUtil.ResolveIntOrPercent(min, expected, roundUp: true);
        else if (pdb.At("spec.maxUnavailable") is { } max) desired = Math.Max(0, expected - PodUtil.ResolveIntOrPercent(max, expected, roundUp: true));
        else desired = expected;
        return (healthy, desired, Math.Max(0, healthy - desired), expected);
    }

    protected override void Reconcile(string key)
    {
        var (ns, name) = Split(key);
        var pdb = Store.Get(Resources.Pdbs, ns, name);
        if (pdb is null) return;
        var (healthy, desired, allowed, expected) = Compute(Store, pdb);
        var copy = pdb.Clone();
        var status = copy.Ensure("status");
        var before = status.DeepClone();
        status["currentHealthy"] = healthy;
        status["desiredHealthy"] = desired;
        status["disruptionsAllowed"] = allowed;
        status["expectedPods"] = expected;
        status["observedGeneration"] = pdb.Long("metadata.generation") ?? 1;
        PodUtil.SetCondition(status, "DisruptionAllowed", allowed > 0 ? "True" : "False", allowed > 0 ? "SufficientPods" : "InsufficientPods", "", Now);
        if (Json.DeepEquals(before, status)) return;
        Store.Update(Resources.Pdbs, copy);
    }
}
