using System.Text.Json.Nodes;

namespace KubeMedic.Core.Analysis;

/// <summary>Strategic-merge patches used in fixes (containers merge by name). Pure: values in, JSON out.</summary>
public static class Patches
{
    /// <summary>Sets a container's image in a workload's pod template.</summary>
    public static JsonNode ContainerImage(string container, string image) =>
        Template(new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = container, ["image"] = image }) });

    /// <summary>Sets a container's memory limit (and request when given) in a workload's pod template.</summary>
    public static JsonNode ContainerMemory(string container, string limit, string? request = null)
    {
        var resources = new JsonObject { ["limits"] = new JsonObject { ["memory"] = limit } };
        if (request is not null)
        {
            resources["requests"] = new JsonObject { ["memory"] = request };
        }

        return Template(new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = container, ["resources"] = resources }) });
    }

    /// <summary>Sets a container's CPU and/or memory requests.</summary>
    public static JsonNode ContainerRequests(string container, string? cpu, string? memory)
    {
        var requests = new JsonObject();
        if (cpu is not null)
        {
            requests["cpu"] = cpu;
        }

        if (memory is not null)
        {
            requests["memory"] = memory;
        }

        return Template(new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = container, ["resources"] = new JsonObject { ["requests"] = requests } }) });
    }

    /// <summary>Removes a nodeSelector key from the pod template (null deletes it in a merge patch).</summary>
    public static JsonNode RemoveNodeSelector(string key) =>
        Template(new JsonObject { ["nodeSelector"] = new JsonObject { [key] = null } });

    /// <summary>A safe rolling update: keep capacity while surging.</summary>
    public static JsonNode SafeRollingUpdate(string maxUnavailable = "25%", string maxSurge = "25%") =>
        new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["strategy"] = new JsonObject
                {
                    ["type"] = "RollingUpdate",
                    ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = maxUnavailable, ["maxSurge"] = maxSurge },
                },
            },
        };

    /// <summary>spec.replicas.</summary>
    public static JsonNode Replicas(int replicas) => new JsonObject { ["spec"] = new JsonObject { ["replicas"] = replicas } };

    /// <summary>Node spec.unschedulable=false (uncordon).</summary>
    public static JsonNode Uncordon() => new JsonObject { ["spec"] = new JsonObject { ["unschedulable"] = false } };

    /// <summary>HPA spec.maxReplicas.</summary>
    public static JsonNode HpaMaxReplicas(int max) => new JsonObject { ["spec"] = new JsonObject { ["maxReplicas"] = max } };

    /// <summary>A readiness probe for a container (httpGet path/port or tcpSocket port).</summary>
    public static JsonNode ReadinessProbe(string container, string? path, string port)
    {
        JsonObject handler = path is null
            ? new JsonObject { ["tcpSocket"] = new JsonObject { ["port"] = ToPortNode(port) } }
            : new JsonObject { ["httpGet"] = new JsonObject { ["path"] = path, ["port"] = ToPortNode(port) } };
        handler["periodSeconds"] = 5;
        handler["failureThreshold"] = 3;
        return Template(new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = container, ["readinessProbe"] = handler }) });
    }

    /// <summary>Service spec.ports[].targetPort for one port (ports merge by port number).</summary>
    public static JsonNode ServiceTargetPort(int port, string targetPort) =>
        new JsonObject { ["spec"] = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["port"] = port, ["targetPort"] = ToPortNode(targetPort) }) } };

    /// <summary>Service spec.selector (a merge patch replaces the listed keys).</summary>
    public static JsonNode ServiceSelector(IReadOnlyDictionary<string, string> selector)
    {
        var sel = new JsonObject();
        foreach (var (k, v) in selector)
        {
            sel[k] = v;
        }

        return new JsonObject { ["spec"] = new JsonObject { ["selector"] = sel } };
    }

    private static JsonNode ToPortNode(string port) => int.TryParse(port, out var p) ? JsonValue.Create(p) : JsonValue.Create(port);

    private static JsonObject Template(JsonObject podSpec) =>
        new() { ["spec"] = new JsonObject { ["template"] = new JsonObject { ["spec"] = podSpec } } };
}
