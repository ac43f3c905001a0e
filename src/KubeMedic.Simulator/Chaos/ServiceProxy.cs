using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace KubeMedic.Simulator.Chaos;

/// <summary>
/// The apiserver's service proxy (<c>/api/v1/namespaces/NS/services/NAME[:PORT]/proxy/PATH</c>), answered through the
/// simulator's app model: the request goes to a ready endpoint; the backend answers 200 when its app listens on the
/// target port and serves the path, refuses the connection otherwise. An ingress NetworkPolicy that selects the backend
/// pods and admits no pod of the namespace drops the request (504), as it would for a client pod. Real clusters serve the
/// same path, so <c>kubemedic lab verify</c> works against both.
/// </summary>
internal static class ServiceProxy
{
    public static IApplicationBuilder UseServiceProxy(this IApplicationBuilder app, SimContext ctx) => app.Use(async (http, next) =>
    {
        var seg = (http.Request.Path.Value ?? "").Trim('/').Split('/');
        if (seg.Length < 7 || seg[0] != "api" || seg[1] != "v1" || seg[2] != "namespaces" || seg[4] != "services" || seg[6] != "proxy")
        {
            await next(http);
            return;
        }

        var ns = seg[3];
        var nameAndPort = Uri.UnescapeDataString(seg[5]);
        var path = "/" + string.Join('/', seg.Skip(7));
        var (code, body) = Answer(ctx, ns, nameAndPort, path);
        http.Response.StatusCode = code;
        http.Response.ContentType = code == 200 ? "text/plain; charset=utf-8" : "application/json";
        await http.Response.WriteAsync(body, http.RequestAborted);
    });

    public static (int Code, string Body) Answer(SimContext ctx, string ns, string nameAndPort, string path)
    {
        // [scheme:]name[:port]
        var parts = nameAndPort.Split(':');
        var (name, portRef) = parts.Length switch
        {
            3 => (parts[1], parts[2]),
            2 when parts[0] is "http" or "https" => (parts[1], (string?)null),
            2 => (parts[0], parts[1]),
            _ => (parts[0], null),
        };
        if (portRef?.Length == 0) portRef = null;
        var svc = ctx.Store.Get(Resources.Services, ns, name);
        if (svc is null) return (404, ApiFaults.StatusJson(404, "NotFound", $"services \"{name}\" not found"));
        var ports = svc.Arr("spec.ports").Objects().ToList();
        var port = portRef is null ? ports.FirstOrDefault() : ports.FirstOrDefault(p => p.Str("name") == portRef || p.Str("port") == portRef);
        if (port is null) return (503, ApiFaults.StatusJson(503, "ServiceUnavailable", $"no endpoints available for service \"{nameAndPort}\""));
        var ep = ctx.Store.Get(Resources.Endpoints, ns, name);
        var addresses = ep.Arr("subsets").Objects().SelectMany(s => s.Arr("addresses").Objects()).ToList();
        if (addresses.Count == 0) return (503, ApiFaults.StatusJson(503, "ServiceUnavailable", $"no endpoints available for service \"{name}\""));
        var pods = ctx.Store.All(Resources.Pods, ns);
        var errors = new List<string>();
        foreach (var a in addresses)
        {
            var pod = pods.FirstOrDefault(p => p.Str("status.podIP") == a.Str("ip") || p.Name() == a.Str("targetRef.name"));
            if (pod is null) continue;
            var target = TargetPort(port, pod);
            if (DeniedByPolicy(ctx, pod))
            {
                errors.Add($"error trying to reach service: dial tcp {a.Str("ip")}:{target}: i/o timeout");
                continue;
            }

            var container = pod.Arr("spec.containers").Objects().FirstOrDefault(c => c.Arr("ports").Objects().Any(p => p.Long("containerPort") == target))
                ?? pod.Arr("spec.containers").Objects().FirstOrDefault();
            if (container is null) continue;
            var app = ctx.Scenario.AppFor(container.Str("image") ?? "");
            var declared = container.Arr("ports").Objects().Select(p => (int)(p.Long("containerPort") ?? 0));
            if (!app.ListensOn(target, declared))
            {
                errors.Add($"error trying to reach service: dial tcp {a.Str("ip")}:{target}: connect: connection refused");
                continue;
            }

            if (app.ErrorRate >= 1) return (500, "Internal Server Error\n");
            return app.Answers(path) ? (200, $"OK {pod.Name()} {path}\n") : (404, "404 page not found\n");
        }

        var timeout = errors.Count > 0 && errors.All(e => e.EndsWith("i/o timeout", StringComparison.Ordinal));
        return (timeout ? 504 : 503, ApiFaults.StatusJson(timeout ? 504 : 503, timeout ? "Timeout" : "ServiceUnavailable", errors.FirstOrDefault() ?? $"no endpoints available for service \"{name}\""));
    }

    private static int TargetPort(JsonObject servicePort, JsonObject pod)
    {
        var t = servicePort["targetPort"];
        if (t is null) return (int)(servicePort.Long("port") ?? 0);
        if (t is JsonValue v && v.TryGetValue<int>(out var n)) return n;
        if (int.TryParse(t.ToString(), out var parsed)) return parsed;
        return (int)(pod.Arr("spec.containers").Objects().SelectMany(c => c.Arr("ports").Objects()).FirstOrDefault(p => p.Str("name") == t.ToString())?.Long("containerPort") ?? 0);
    }

    /// <summary>Ingress isolation: some policy selects the pod for Ingress, and none of those admits pods of its namespace.</summary>
    private static bool DeniedByPolicy(SimContext ctx, JsonObject pod)
    {
        var labels = pod.Labels();
        var policies = ctx.Store.All(Resources.NetworkPolicies, pod.Namespace()).Where(np =>
        {
            var types = np.Arr("spec.policyTypes")?.Select(x => x?.ToString()).ToList() ?? [];
            if (types.Count == 0) types = ["Ingress"];
            return types.Contains("Ingress") && Selects(np.Obj("spec.podSelector"), labels);
        }).ToList();
        if (policies.Count == 0) return false;
        return !policies.Any(np => np.Arr("spec.ingress").Objects().Any(rule =>
        {
            var from = rule.Arr("from").Objects().ToList();
            return from.Count == 0 || from.Any(f => f.Obj("podSelector") is not null && f.Obj("namespaceSelector") is null);
        }));
    }

    private static bool Selects(JsonObject? selector, Dictionary<string, string> labels)
    {
        if (selector is null) return true;
        var match = selector.Labels("matchLabels");
        return match.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value) && !selector.Arr("matchExpressions").Objects().Any();
    }
}
