using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;
using Microsoft.AspNetCore.Http;

namespace KubeMedic.Simulator.Api;

/// <summary>/version, aggregated discovery v2 (by Accept header, with the exact Content-Type) and legacy discovery.</summary>
internal static class Discovery
{
    public const string AggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = "v1.32.4+kubemedic-sim",
        ["gitCommit"] = "59526cd4867447956156ae3a602fcbac10a2c335",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2025-04-22T16:03:58Z",
        ["goVersion"] = "go1.23.6",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    private static bool WantsAggregated(HttpContext http) =>
        http.Request.Headers.Accept.ToString().Contains("g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", StringComparison.Ordinal)
        || http.Request.Headers.Accept.ToString().Contains("g=apidiscovery.k8s.io;v=v2", StringComparison.Ordinal);

    public static Task WriteApiAsync(HttpContext http)
    {
        if (WantsAggregated(http))
        {
            var list = new JsonObject
            {
                ["kind"] = "APIGroupDiscoveryList",
                ["apiVersion"] = "apidiscovery.k8s.io/v2",
                ["metadata"] = new JsonObject(),
                ["items"] = new JsonArray(GroupDiscovery("", ["v1"])),
            };
            return Router.WriteJson(http, 200, list, AggregatedContentType);
        }

        return Router.WriteJson(http, 200, new JsonObject
        {
            ["kind"] = "APIVersions",
            ["versions"] = new JsonArray("v1"),
            ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = http.Request.Host.Value }),
        });
    }

    public static Task WriteApisAsync(HttpContext http)
    {
        if (WantsAggregated(http))
        {
            var items = new JsonArray();
            foreach (var (group, versions) in Resources.Groups()) items.Add(GroupDiscovery(group, versions));
            return Router.WriteJson(http, 200, new JsonObject
            {
                ["kind"] = "APIGroupDiscoveryList",
                ["apiVersion"] = "apidiscovery.k8s.io/v2",
                ["metadata"] = new JsonObject(),
                ["items"] = items,
            }, AggregatedContentType);
        }

        var groups = new JsonArray();
        foreach (var (group, versions) in Resources.Groups()) groups.Add(Group(group, versions));
        return Router.WriteJson(http, 200, new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups });
    }

    public static JsonObject Group(string group, string[] versions)
    {
        var vs = new JsonArray();
        foreach (var v in versions) vs.Add(new JsonObject { ["groupVersion"] = $"{group}/{v}", ["version"] = v });
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = vs,
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{group}/{versions[0]}", ["version"] = versions[0] },
        };
    }

    private static JsonObject GroupDiscovery(string group, string[] versions)
    {
        var vs = new JsonArray();
        foreach (var v in versions)
        {
            var resources = new JsonArray();
            foreach (var rt in Resources.Served.Where(r => r.Group == group && r.Version == v))
            {
                var entry = new JsonObject
                {
                    ["resource"] = rt.Plural,
                    ["responseKind"] = Gvk(rt.Group, rt.Version, rt.Kind),
                    ["scope"] = rt.Namespaced ? "Namespaced" : "Cluster",
                    ["singularResource"] = rt.Singular,
                    ["verbs"] = Json.StringArray(rt.Verbs),
                };
                if (rt.ShortNames.Length > 0) entry["shortNames"] = Json.StringArray(rt.ShortNames);
                if (rt.Categories.Length > 0) entry["categories"] = Json.StringArray(rt.Categories);
                if (rt.Subresources.Length > 0)
                {
                    var subs = new JsonArray();
                    foreach (var sub in rt.Subresources)
                    {
                        var (kind, verbs) = Subresource(rt, sub);
                        subs.Add(new JsonObject { ["subresource"] = sub, ["responseKind"] = kind, ["verbs"] = Json.StringArray(verbs) });
                    }

                    entry["subresources"] = subs;
                }

                resources.Add(entry);
            }

            vs.Add(new JsonObject { ["version"] = v, ["resources"] = resources, ["freshness"] = "Current" });
        }

        var meta = new JsonObject();
        if (group.Length > 0) meta["name"] = group;
        return new JsonObject { ["metadata"] = meta, ["versions"] = vs };
    }

    private static JsonObject Gvk(string group, string version, string kind) => new() { ["group"] = group, ["version"] = version, ["kind"] = kind };

    private static (JsonObject Kind, string[] Verbs) Subresource(ResourceType rt, string sub) => sub switch
    {
        "status" => (Gvk(rt.Group, rt.Version, rt.Kind), ["get", "patch", "update"]),
        "scale" => (Gvk("autoscaling", "v1", "Scale"), ["get", "patch", "update"]),
        "log" => (Gvk("", "v1", "Pod"), ["get"]),
        "eviction" => (Gvk("policy", "v1", "Eviction"), ["create"]),
        "binding" => (Gvk("", "v1", "Binding"), ["create"]),
        _ => (Gvk(rt.Group, rt.Version, rt.Kind), ["get"]),
    };

    /// <summary>Legacy APIResourceList for one group version (kubectl's drain checks pods/eviction here).</summary>
    public static JsonObject ResourceList(string group, string version)
    {
        var resources = new JsonArray();
        foreach (var rt in Resources.Served.Where(r => r.Group == group && r.Version == version))
        {
            var entry = new JsonObject
            {
                ["name"] = rt.Plural,
                ["singularName"] = rt.Singular,
                ["namespaced"] = rt.Namespaced,
                ["kind"] = rt.Kind,
                ["verbs"] = Json.StringArray(rt.Verbs),
            };
            if (rt.ShortNames.Length > 0) entry["shortNames"] = Json.StringArray(rt.ShortNames);
            if (rt.Categories.Length > 0) entry["categories"] = Json.StringArray(rt.Categories);
            resources.Add(entry);
            foreach (var sub in rt.Subresources)
            {
                var (kind, verbs) = Subresource(rt, sub);
                var s = new JsonObject
                {
                    ["name"] = $"{rt.Plural}/{sub}",
                    ["singularName"] = "",
                    ["namespaced"] = rt.Namespaced,
                    ["kind"] = kind.Str("kind"),
                    ["verbs"] = Json.StringArray(verbs),
                };
                if (kind.Str("group") != rt.Group || kind.Str("version") != rt.Version)
                {
                    s["group"] = kind.Str("group");
                    s["version"] = kind.Str("version");
                }

                resources.Add(s);
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }
}

/// <summary>The OpenAPI v3 stub: enough for kubectl to see that the server supports fieldValidation.</summary>
internal static class OpenApi
{
    public static JsonObject Index()
    {
        var paths = new JsonObject();
        foreach (var gv in Resources.Served.Select(r => r.Group.Length == 0 ? "api/" + r.Version : $"apis/{r.Group}/{r.Version}").Distinct())
        {
            paths[gv] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{gv}?hash=KUBEMEDICSIM{gv.Replace("/", "", StringComparison.Ordinal).ToUpperInvariant()}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    public static JsonObject Document(string gvPath)
    {
        var parts = gvPath.Split('/');
        var (group, version) = parts[0] == "api" ? ("", parts.ElementAtOrDefault(1) ?? "v1") : (parts.ElementAtOrDefault(1) ?? "", parts.ElementAtOrDefault(2) ?? "");
        var paths = new JsonObject();
        foreach (var rt in Resources.Served.Where(r => r.Group == group && r.Version == version && !r.Computed))
        {
            var prefix = group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}";
            var path = rt.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{rt.Plural}/{{name}}" : $"{prefix}/{rt.Plural}/{{name}}";
            JsonObject Op() => new()
            {
                ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = rt.Kind },
                ["parameters"] = new JsonArray(new JsonObject { ["name"] = "fieldValidation", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } }),
            };
            paths[path] = new JsonObject { ["patch"] = Op(), ["put"] = Op() };
            var collection = rt.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{rt.Plural}" : $"{prefix}/{rt.Plural}";
            paths[collection] = new JsonObject { ["post"] = Op() };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.4" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }
}
