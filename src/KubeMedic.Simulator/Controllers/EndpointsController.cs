using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Controllers;

/// <summary>The endpoints controller: each Service with a selector gets an Endpoints object listing ready pods in
/// addresses and unready ones in notReadyAddresses, with target ports resolved (named ports too).</summary>
internal sealed class EndpointsController(SimContext ctx) : Controller(ctx)
{
    public override void OnEvent(StoreEvent ev)
    {
        if (ev.Type == Resources.Services) Enqueue(KeyOf(ev.Object));
        else if (ev.Type == Resources.Pods)
        {
            foreach (var svc in Store.All(Resources.Services, ev.Object.Namespace()))
            {
                var sel = svc.Obj("spec.selector");
                if (sel is null || sel.Count == 0) continue;
                var selector = LabelSelector.FromObject(new JsonObject { ["matchLabels"] = sel.DeepClone() });
                if (selector.Matches(ev.Object) || (ev.Old is not null && selector.Matches(ev.Old))) Enqueue(KeyOf(svc));
            }
        }
    }

    protected override void Reconcile(string key)
    {
        var (ns, name) = Split(key);
        var svc = Store.Get(Resources.Services, ns, name);
        if (svc is null)
        {
            if (Store.Get(Resources.Endpoints, ns, name) is { } stale && stale.Labels().ContainsKey("endpoints.kubernetes.io/managed-by")) Store.Remove(Resources.Endpoints, ns, name);
            return;
        }

        var sel = svc.Obj("spec.selector");
        if (sel is null || sel.Count == 0) return;
        var selector = LabelSelector.FromObject(new JsonObject { ["matchLabels"] = sel.DeepClone() });
        var pods = Store.All(Resources.Pods, ns).Where(p => selector.Matches(p) && p.Str("metadata.deletionTimestamp") is null && !string.IsNullOrEmpty(p.Str("status.podIP"))
            && p.Str("status.phase") is not ("Succeeded" or "Failed")).OrderBy(p => p.Str("status.podIP"), StringComparer.Ordinal).ToList();
        var publishNotReady = svc.Bool("spec.publishNotReadyAddresses") == true;
        var subsets = new JsonArray();
        var ports = new JsonArray();
        var ready = new JsonArray();
        var notReady = new JsonArray();
        foreach (var p in svc.Arr("spec.ports").Objects())
        {
            var port = new JsonObject { ["port"] = ResolvePort(p, pods.FirstOrDefault()), ["protocol"] = p.Str("protocol") ?? "TCP" };
            if (p.Str("name") is { Length: > 0 } pn) port["name"] = pn;
            ports.Add(port);
        }

        foreach (var pod in pods)
        {
            var addr = new JsonObject
            {
                ["ip"] = pod.Str("status.podIP"),
                ["nodeName"] = pod.Str("spec.nodeName"),
                ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ns, ["name"] = pod.Name(), ["uid"] = pod.Uid() },
            };
            if (PodUtil.IsReady(pod) || publishNotReady) ready.Add(addr);
            else notReady.Add(addr);
        }

        if (ready.Count > 0 || notReady.Count > 0)
        {
            var subset = new JsonObject();
            if (ready.Count > 0) subset["addresses"] = ready;
            if (notReady.Count > 0) subset["notReadyAddresses"] = notReady;
            subset["ports"] = ports;
            subsets.Add(subset);
        }

        var existing = Store.Get(Resources.Endpoints, ns, name);
        var labels = svc.Obj("metadata.labels")?.Clone() ?? new JsonObject();
        labels["endpoints.kubernetes.io/managed-by"] = "endpoint-controller";
        var ep = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = labels },
        };
        if (subsets.Count > 0) ep["subsets"] = subsets;
        if (existing is null)
        {
            Store.Create(Resources.Endpoints, ep);
            return;
        }

        if (Json.DeepEquals(existing["subsets"], ep["subsets"])) return;
        var copy = existing.Clone();
        if (subsets.Count > 0) copy["subsets"] = subsets.DeepClone();
        else copy.Remove("subsets");
        Store.Update(Resources.Endpoints, copy);
    }

    private static long ResolvePort(JsonObject servicePort, JsonObject? pod)
    {
        var target = servicePort["targetPort"];
        if (target is JsonValue v && v.TryGetValue<long>(out var n)) return n;
        var name = target?.ToString();
        if (name is not null && long.TryParse(name, out var parsed)) return parsed;
        if (name is not null && pod is not null)
        {
            foreach (var c in pod.Arr("spec.containers").Objects())
            {
                var match = c.Arr("ports").Objects().FirstOrDefault(p => p.Str("name") == name);
                if (match is not null) return match.Long("containerPort") ?? 0;
            }
        }

        return servicePort.Long("port") ?? 0;
    }
}
