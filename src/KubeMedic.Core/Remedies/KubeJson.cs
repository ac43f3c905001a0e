using System.Globalization;
using System.Text.Json.Nodes;

namespace KubeMedic.Core.Remedies;

/// <summary>Small readers over raw Kubernetes JSON objects.</summary>
public static class KubeJson
{
    public static JsonNode? At(this JsonNode? node, params string[] path)
    {
        foreach (var p in path)
        {
            node = node is JsonObject o ? o[p] : null;
        }

        return node;
    }

    public static string? Str(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.At(path) is JsonValue n ? n.ToJsonString() : null;

    public static int? Int(this JsonNode? node, params string[] path)
    {
        var v = node.At(path);
        if (v is JsonValue value)
        {
            if (value.TryGetValue<int>(out var i))
            {
                return i;
            }

            if (value.TryGetValue<long>(out var l))
            {
                return (int)l;
            }

            if (value.TryGetValue<string>(out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p))
            {
                return p;
            }
        }

        return null;
    }

    public static IEnumerable<JsonObject> Objects(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonArray a ? a.OfType<JsonObject>() : [];

    public static string Kind(this JsonObject o) => o.Str("kind") ?? "";

    public static string Name(this JsonObject o) => o.Str("metadata", "name") ?? "";

    public static string? Namespace(this JsonObject o) => o.Str("metadata", "namespace");

    /// <summary>The pod template spec path of a workload kind, or null for kinds without a template.</summary>
    public static string[]? TemplatePath(string kind) => kind switch
    {
        "Deployment" or "StatefulSet" or "DaemonSet" or "ReplicaSet" => ["spec", "template"],
        _ => null,
    };

    public static JsonObject? PodSpec(this JsonObject workload) =>
        workload.Kind() == "Pod" ? workload.At("spec") as JsonObject
        : TemplatePath(workload.Kind()) is { } path ? workload.At([.. path, "spec"]) as JsonObject : null;

    public static int Replicas(this JsonObject workload) => workload.Kind() switch
    {
        "Deployment" or "StatefulSet" or "ReplicaSet" => workload.Int("spec", "replicas") ?? 1,
        "DaemonSet" => workload.Int("status", "desiredNumberScheduled") ?? 1,
        _ => 1,
    };

    /// <summary>Resolves an IntOrString ("25%" or 3) against a total. Percentages round up when <paramref name="roundUp"/>, else down.</summary>
    public static int? ResolveIntOrPercent(JsonNode? value, int total, bool roundUp)
    {
        if (value is not JsonValue v)
        {
            return null;
        }

        if (v.TryGetValue<int>(out var i))
        {
            return i;
        }

        if (v.TryGetValue<string>(out var s))
        {
            if (s.EndsWith('%') && double.TryParse(s[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var pct))
            {
                var raw = total * pct / 100.0;
                return (int)(roundUp ? Math.Ceiling(raw - 1e-9) : Math.Floor(raw + 1e-9));
            }

            if (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            {
                return n;
            }
        }

        return null;
    }

    /// <summary>How many pods a rolling update of this Deployment takes down at once (maxUnavailable, at least 1); all of them for Recreate.</summary>
    public static int PodsTouchedAtOnce(JsonObject workload, JsonNode? strategyOverride = null)
    {
        var replicas = workload.Replicas();
        var strategy = strategyOverride ?? workload.At("spec", "strategy") ?? workload.At("spec", "updateStrategy");
        var type = strategy.Str("type");
        if (type is "Recreate" or "OnDelete")
        {
            return replicas;
        }

        if (workload.Kind() == "StatefulSet")
        {
            return Math.Min(replicas, ResolveIntOrPercent(strategy.At("rollingUpdate", "maxUnavailable"), replicas, roundUp: false) ?? 1);
        }

        var maxUnavailable = ResolveIntOrPercent(strategy.At("rollingUpdate", "maxUnavailable") ?? JsonValue.Create("25%"), replicas, roundUp: false) ?? 0;
        return Math.Clamp(Math.Max(maxUnavailable, 1), 0, Math.Max(replicas, 1));
    }

    /// <summary>True if every matchLabels pair of the selector is in the labels (matchExpressions In/Exists are honoured too).</summary>
    public static bool SelectorMatches(JsonNode? selector, JsonNode? labels)
    {
        if (selector is not JsonObject sel)
        {
            return false;
        }

        var labelObj = labels as JsonObject;
        if (sel["matchLabels"] is JsonObject ml)
        {
            foreach (var (k, v) in ml)
            {
                if (labelObj?[k]?.GetValue<string>() != v?.GetValue<string>())
                {
                    return false;
                }
            }
        }

        foreach (var expr in sel.Objects("matchExpressions"))
        {
            var key = expr.Str("key") ?? "";
            var has = labelObj?.ContainsKey(key) == true;
            var value = has ? labelObj![key]?.GetValue<string>() : null;
            var values = (expr["values"] as JsonArray)?.Select(x => x?.GetValue<string>()).ToList() ?? [];
            var ok = expr.Str("operator") switch
            {
                "In" => has && values.Contains(value),
                "NotIn" => !has || !values.Contains(value),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return sel.Count > 0;
    }

    /// <summary>
    /// The fewest replicas the PDBs covering this workload allow to keep running (0 with no PDB): minAvailable (percent rounds up),
    /// or replicas - maxUnavailable.
    /// </summary>
    public static int PdbFloor(JsonObject workload, IEnumerable<JsonObject> pdbs)
    {
        var replicas = workload.Replicas();
        var labels = workload.At("spec", "template", "metadata", "labels");
        var floor = 0;
        foreach (var pdb in pdbs)
        {
            if (pdb.Namespace() != workload.Namespace() || !SelectorMatches(pdb.At("spec", "selector"), labels))
            {
                continue;
            }

            if (ResolveIntOrPercent(pdb.At("spec", "minAvailable"), replicas, roundUp: true) is { } min)
            {
                floor = Math.Max(floor, min);
            }
            else if (ResolveIntOrPercent(pdb.At("spec", "maxUnavailable"), replicas, roundUp: true) is { } maxU)
            {
                floor = Math.Max(floor, replicas - maxU);
            }
        }

        return Math.Max(floor, 0);
    }
}
