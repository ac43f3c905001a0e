using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Controllers;

internal static class PodUtil
{
    public static bool IsReady(JsonObject pod) =>
        pod.Arr("status.conditions").Objects().Any(c => c.Str("type") == "Ready" && c.Str("status") == "True");

    public static DateTimeOffset? ReadySince(JsonObject pod) =>
        pod.Arr("status.conditions").Objects().FirstOrDefault(c => c.Str("type") == "Ready" && c.Str("status") == "True")?.Time("lastTransitionTime");

    public static bool IsAvailable(JsonObject pod, long minReadySeconds, DateTimeOffset now)
    {
        if (!IsReady(pod) || pod.Str("metadata.deletionTimestamp") is not null) return false;
        if (minReadySeconds <= 0) return true;
        var since = ReadySince(pod);
        return since is not null && since.Value.AddSeconds(minReadySeconds) <= now;
    }

    /// <summary>Not terminating and not finished: counts towards a ReplicaSet's replicas.</summary>
    public static bool IsActive(JsonObject pod) =>
        pod.Str("metadata.deletionTimestamp") is null && pod.Str("status.phase") is not ("Succeeded" or "Failed");

    public static bool OwnedBy(JsonObject obj, string ownerUid) => Lifecycle.ControllerUid(obj) == ownerUid;

    public static string? OwnerName(JsonObject obj, string kind) =>
        obj.Arr("metadata.ownerReferences").Objects().FirstOrDefault(r => r.Bool("controller") == true && r.Str("kind") == kind)?.Str("name");

    /// <summary>Sum of container requests (cpu millicores, memory bytes).</summary>
    public static (long Cpu, long Memory) Requests(JsonObject podSpec)
    {
        long cpu = 0, mem = 0;
        foreach (var c in podSpec.Arr("containers").Objects())
        {
            cpu += Quantity.MilliCpu(c.Str("resources.requests.cpu"));
            mem += Quantity.Bytes(c.Str("resources.requests.memory"));
        }

        foreach (var c in podSpec.Arr("initContainers").Objects())
        {
            cpu = Math.Max(cpu, Quantity.MilliCpu(c.Str("resources.requests.cpu")));
            mem = Math.Max(mem, Quantity.Bytes(c.Str("resources.requests.memory")));
        }

        return (cpu, mem);
    }

    /// <summary>Builds a pod from a template for a controller.</summary>
    public static JsonObject FromTemplate(JsonObject owner, JsonObject template, string name, IDictionary<string, string>? extraLabels = null)
    {
        var meta = template.Obj("metadata")?.Clone() ?? new JsonObject();
        meta.Remove("creationTimestamp");
        meta["name"] = name;
        meta["namespace"] = owner.Namespace();
        var labels = meta.Ensure("labels");
        if (extraLabels is not null)
        {
            foreach (var (k, v) in extraLabels) labels[k] = v;
        }

        meta["ownerReferences"] = new JsonArray(Lifecycle.OwnerReference(owner));
        var spec = template.Obj("spec")?.Clone() ?? new JsonObject();
        return new JsonObject { ["metadata"] = meta, ["spec"] = spec };
    }

    public static JsonObject Condition(string type, string status, string? reason, string? message, DateTimeOffset now, JsonObject? previous = null)
    {
        var c = new JsonObject { ["type"] = type, ["status"] = status };
        c["lastProbeTime"] = null;
        c["lastTransitionTime"] = previous is not null && previous.Str("status") == status ? previous.Str("lastTransitionTime") : Json.Timestamp(now);
        if (reason is not null) c["reason"] = reason;
        if (message is not null) c["message"] = message;
        return c;
    }

    /// <summary>Sets a condition in a conditions array, keeping lastTransitionTime when the status did not change.</summary>
    public static void SetCondition(JsonObject status, string type, string value, string? reason, string? message, DateTimeOffset now, bool withUpdateTime = false)
    {
        var conds = status.EnsureArray("conditions");
        var existing = conds.Objects().FirstOrDefault(c => c.Str("type") == type);
        var c = new JsonObject { ["type"] = type, ["status"] = value };
        if (withUpdateTime)
        {
            var same = existing is not null && existing.Str("status") == value && existing.Str("reason") == reason && existing.Str("message") == message;
            c["lastUpdateTime"] = same ? existing!.Str("lastUpdateTime") : Json.Timestamp(now);
        }
        else
        {
            c["lastProbeTime"] = null;
        }

        c["lastTransitionTime"] = existing is not null && existing.Str("status") == value ? existing.Str("lastTransitionTime") : Json.Timestamp(now);
        if (reason is not null) c["reason"] = reason;
        if (message is not null) c["message"] = message;
        if (existing is not null)
        {
            var index = conds.IndexOf(existing);
            conds[index] = c;
        }
        else
        {
            conds.Add(c);
        }
    }

    public static int ResolveIntOrPercent(JsonNode? value, int total, bool roundUp)
    {
        if (value is null) return 0;
        var s = value.ToString();
        if (s.EndsWith('%') && int.TryParse(s[..^1], out var pct))
        {
            var exact = total * pct / 100.0;
            return roundUp ? (int)Math.Ceiling(exact) : (int)Math.Floor(exact);
        }

        return int.TryParse(s, out var n) ? n : 0;
    }
}
