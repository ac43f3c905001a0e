using System.Text.Json.Nodes;

namespace KubeMedic.Core.Remedies;

/// <summary>
/// Applies a patch to a JSON object locally, the way the API server would. Used to show a dry-run diff and to check
/// that an undo patch restores the object. Strategic merge covers the list merge keys remedies touch
/// (containers/initContainers by name, env by name, ports by containerPort, volumeMounts by mountPath, volumes by name).
/// </summary>
public static class PatchApplier
{
    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["env"] = "name",
        ["ports"] = "containerPort",
        ["volumeMounts"] = "mountPath",
        ["volumes"] = "name",
        ["imagePullSecrets"] = "name",
        ["conditions"] = "type",
    };

    /// <summary>Returns a new object: <paramref name="target"/> with <paramref name="patch"/> applied. Throws <see cref="InvalidOperationException"/> when a JSON patch test fails.</summary>
    public static JsonObject Apply(JsonObject target, JsonNode patch, PatchKind kind)
    {
        var copy = (JsonObject)target.DeepClone();
        return kind switch
        {
            PatchKind.Merge => (JsonObject)MergePatch(copy, patch, strategic: false)!,
            PatchKind.Strategic => (JsonObject)MergePatch(copy, patch, strategic: true)!,
            PatchKind.Json => JsonPatch(copy, (JsonArray)patch),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private static JsonNode? MergePatch(JsonNode? target, JsonNode? patch, bool strategic)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (key, value) in patchObject)
        {
            if (strategic && key.StartsWith('$'))
            {
                continue; // directives such as $setElementOrder/containers or $retainKeys only order or prune
            }

            if (value is null)
            {
                result.Remove(key);
                continue;
            }

            var existing = result[key];
            if (strategic && value is JsonArray patchList && MergeKeys.TryGetValue(key, out var mergeKey) && existing is JsonArray current)
            {
                result[key] = MergeList(current, patchList, mergeKey);
            }
            else
            {
                var merged = MergePatch(existing?.DeepClone(), value, strategic);
                result[key] = merged;
            }
        }

        return result;
    }

    private static JsonArray MergeList(JsonArray current, JsonArray patch, string mergeKey)
    {
        var result = (JsonArray)current.DeepClone();
        foreach (var item in patch)
        {
            if (item is not JsonObject patchItem || patchItem[mergeKey] is not { } keyNode)
            {
                result.Add(item?.DeepClone());
                continue;
            }

            var key = keyNode.ToJsonString();
            var index = -1;
            for (var i = 0; i < result.Count; i++)
            {
                if (result[i] is JsonObject o && o[mergeKey]?.ToJsonString() == key)
                {
                    index = i;
                    break;
                }
            }

            var delete = patchItem["$patch"]?.GetValue<string>() == "delete";
            if (index < 0)
            {
                if (!delete)
                {
                    result.Add(MergePatch(null, patchItem, strategic: true));
                }
            }
            else if (delete)
            {
                result.RemoveAt(index);
            }
            else
            {
                var merged = MergePatch(result[index]!.DeepClone(), patchItem, strategic: true);
                result[index] = merged;
            }
        }

        return result;
    }

    private static JsonObject JsonPatch(JsonObject doc, JsonArray ops)
    {
        foreach (var opNode in ops)
        {
            var op = opNode!.AsObject();
            var name = op["op"]!.GetValue<string>();
            var path = op["path"]!.GetValue<string>();
            var (parent, last) = Resolve(doc, path);
            switch (name)
            {
                case "test":
                    var actual = Get(parent, last);
                    if (!JsonNode.DeepEquals(actual, op["value"]))
                    {
                        throw new InvalidOperationException($"json patch test failed at {path}");
                    }

                    break;
                case "remove":
                    Remove(parent, last, path);
                    break;
                case "replace":
                    if (Get(parent, last) is null && !Has(parent, last))
                    {
                        throw new InvalidOperationException($"json patch replace: {path} does not exist");
                    }

                    Set(parent, last, op["value"]?.DeepClone(), insert: false);
                    break;
                case "add":
                    Set(parent, last, op["value"]?.DeepClone(), insert: true);
                    break;
                default:
                    throw new InvalidOperationException($"json patch op '{name}' is not supported");
            }
        }

        return doc;
    }

    private static (JsonNode Parent, string Last) Resolve(JsonObject doc, string path)
    {
        var parts = path.Split('/').Skip(1).Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
        JsonNode node = doc;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            node = (node switch
            {
                JsonObject o => o[parts[i]],
                JsonArray a => a[int.Parse(parts[i], System.Globalization.CultureInfo.InvariantCulture)],
                _ => null,
            }) ?? throw new InvalidOperationException($"json patch: path {path} does not exist");
        }

        return (node, parts[^1]);
    }

    private static bool Has(JsonNode parent, string key) => parent switch
    {
        JsonObject o => o.ContainsKey(key),
        JsonArray a => int.TryParse(key, out var i) && i >= 0 && i < a.Count,
        _ => false,
    };

    private static JsonNode? Get(JsonNode parent, string key) => parent switch
    {
        JsonObject o => o[key],
        JsonArray a when int.TryParse(key, out var i) && i >= 0 && i < a.Count => a[i],
        _ => null,
    };

    private static void Remove(JsonNode parent, string key, string path)
    {
        if (!Has(parent, key))
        {
            throw new InvalidOperationException($"json patch remove: {path} does not exist");
        }

        if (parent is JsonObject o)
        {
            o.Remove(key);
        }
        else
        {
            ((JsonArray)parent).RemoveAt(int.Parse(key, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static void Set(JsonNode parent, string key, JsonNode? value, bool insert)
    {
        switch (parent)
        {
            case JsonObject o:
                o[key] = value;
                break;
            case JsonArray a when key == "-":
                a.Add(value);
                break;
            case JsonArray a:
                var i = int.Parse(key, System.Globalization.CultureInfo.InvariantCulture);
                if (insert)
                {
                    a.Insert(i, value);
                }
                else
                {
                    a[i] = value;
                }

                break;
        }
    }
}
