using System.Text.Json;
using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Patching;

/// <summary>
/// Strategic merge patch (apimachinery pkg/util/strategicpatch) for the built-in kinds: lists with a merge key merge by
/// that key, primitive sets union, other lists are replaced; maps merge key by key; <c>null</c> deletes. Directives:
/// <c>$patch: replace|delete|merge</c>, <c>$retainKeys</c>, <c>$setElementOrder/field</c>, <c>$deleteFromPrimitiveList/field</c>.
/// </summary>
internal static class StrategicMergePatch
{
    public static JsonObject Apply(string kind, JsonObject original, JsonObject patch)
    {
        var result = original.Clone();
        return MergeMap(result, patch, Schema.ForKind(kind));
    }

    private static JsonObject MergeMap(JsonObject original, JsonObject patch, TypeSchema? type)
    {
        if (patch["$patch"] is JsonValue pv && pv.GetValueKind() == JsonValueKind.String)
        {
            var directive = pv.GetValue<string>();
            if (directive == "replace")
            {
                var replaced = (JsonObject)patch.DeepClone();
                replaced.Remove("$patch");
                return StripDirectives(replaced);
            }

            if (directive == "delete") return new JsonObject();
        }

        List<string>? retain = null;
        if (patch["$retainKeys"] is JsonArray rk) retain = rk.Select(x => x?.GetValue<string>() ?? "").ToList();

        foreach (var (key, value) in patch)
        {
            if (key is "$patch" or "$retainKeys") continue;
            if (key.StartsWith("$setElementOrder/", StringComparison.Ordinal) || key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal)) continue;
            var field = Schema.Field(type, key);
            if (value is null)
            {
                original.Remove(key);
                continue;
            }

            if (value is JsonObject vo)
            {
                if (vo["$patch"] is JsonValue d && d.GetValueKind() == JsonValueKind.String && d.GetValue<string>() == "delete")
                {
                    original.Remove(key);
                    continue;
                }

                original[key] = original[key] is JsonObject existing
                    ? MergeMap(existing.Clone(), vo, Schema.Get(field?.TypeName))
                    : MergeMap(new JsonObject(), vo, Schema.Get(field?.TypeName));
                continue;
            }

            if (value is JsonArray va)
            {
                original[key] = MergeList(original[key] as JsonArray, va, field);
                continue;
            }

            original[key] = value.DeepClone();
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal) && value is JsonArray del)
            {
                var name = key["$deleteFromPrimitiveList/".Length..];
                if (original[name] is JsonArray list)
                {
                    var remove = del.Select(x => x?.ToJsonString()).ToHashSet();
                    original[name] = Json.ToArray(list.Where(x => !remove.Contains(x?.ToJsonString())).Select(x => x?.DeepClone()));
                }
            }
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith("$setElementOrder/", StringComparison.Ordinal) && value is JsonArray order)
            {
                var name = key["$setElementOrder/".Length..];
                if (original[name] is JsonArray list) original[name] = Reorder(list, order, Schema.Field(type, name)?.MergeKey);
            }
        }

        if (retain is not null)
        {
            foreach (var k in original.Select(p => p.Key).ToList())
            {
                if (!retain.Contains(k)) original.Remove(k);
            }
        }

        return original;
    }

    private static JsonArray MergeList(JsonArray? original, JsonArray patch, FieldSchema? field)
    {
        if (patch.Any(x => x is JsonObject o && o.Str("$patch") == "replace"))
        {
            return Json.ToArray(patch.Where(x => !(x is JsonObject o && o.Str("$patch") == "replace")).Select(x => StripNode(x)));
        }

        if (field is null || field.Strategy == ListStrategy.Atomic || original is null)
        {
            if (field?.Strategy == ListStrategy.MergeByKey)
            {
                return Json.ToArray(patch.Where(x => !(x is JsonObject o && o.Str("$patch") == "delete")).Select(x => StripNode(x)));
            }

            return Json.ToArray(patch.Select(x => StripNode(x)));
        }

        if (field.Strategy == ListStrategy.PrimitiveSet)
        {
            var result = Json.ToArray(original.Select(x => x?.DeepClone()));
            var seen = original.Select(x => x?.ToJsonString()).ToHashSet();
            foreach (var item in patch)
            {
                if (seen.Add(item?.ToJsonString())) result.Add(item?.DeepClone());
            }

            return result;
        }

        var key = field.MergeKey!;
        var merged = original.Select(x => x?.DeepClone()).ToList();
        var itemType = Schema.Get(field.TypeName);
        foreach (var item in patch)
        {
            if (item is not JsonObject po)
            {
                merged.Add(item?.DeepClone());
                continue;
            }

            var keyValue = po[key]?.ToJsonString();
            var index = merged.FindIndex(x => x is JsonObject xo && xo[key]?.ToJsonString() == keyValue);
            if (po.Str("$patch") == "delete")
            {
                if (index >= 0) merged.RemoveAt(index);
                continue;
            }

            if (index >= 0) merged[index] = MergeMap((JsonObject)merged[index]!, po, itemType);
            else merged.Add(MergeMap(new JsonObject(), po, itemType));
        }

        return Json.ToArray(merged);
    }

    private static JsonArray Reorder(JsonArray list, JsonArray order, string? mergeKey)
    {
        string? KeyOf(JsonNode? n) => mergeKey is not null && n is JsonObject o ? o[mergeKey]?.ToJsonString() : n?.ToJsonString();
        var wanted = order.Select(KeyOf).ToList();
        var items = list.Select(x => x?.DeepClone()).ToList();
        var ordered = new List<JsonNode?>();
        foreach (var k in wanted)
        {
            var found = items.FirstOrDefault(x => KeyOf(x) == k);
            if (found is not null)
            {
                ordered.Add(found);
                items.Remove(found);
            }
        }

        ordered.AddRange(items);
        return Json.ToArray(ordered);
    }

    private static JsonNode? StripNode(JsonNode? node) => node is JsonObject o ? StripDirectives((JsonObject)o.DeepClone()) : node?.DeepClone();

    private static JsonObject StripDirectives(JsonObject o)
    {
        foreach (var k in o.Select(p => p.Key).ToList())
        {
            if (k.StartsWith('$')) o.Remove(k);
            else if (o[k] is JsonObject child) StripDirectives(child);
            else if (o[k] is JsonArray arr)
            {
                foreach (var item in arr)
                {
                    if (item is JsonObject io) StripDirectives(io);
                }
            }
        }

        return o;
    }
}
