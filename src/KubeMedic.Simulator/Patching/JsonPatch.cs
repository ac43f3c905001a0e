using System.Globalization;
using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Patching;

/// <summary>RFC 6902 JSON Patch (add, remove, replace, move, copy, test) over a JSON tree.</summary>
internal static class JsonPatch
{
    public static JsonNode Apply(JsonNode document, JsonArray operations)
    {
        var doc = document.DeepClone();
        foreach (var opNode in operations)
        {
            if (opNode is not JsonObject op) throw ApiException.BadRequest("json patch: each operation must be an object");
            var kind = op.Str("op") ?? throw ApiException.BadRequest("json patch: missing \"op\"");
            var path = op.Str("path") ?? throw ApiException.BadRequest("json patch: missing \"path\"");
            switch (kind)
            {
                case "add": doc = Add(doc, path, op["value"]?.DeepClone()); break;
                case "remove": doc = Remove(doc, path, out _); break;
                case "replace":
                    Resolve(doc, path); // must exist
                    doc = Remove(doc, path, out _);
                    doc = Add(doc, path, op["value"]?.DeepClone());
                    break;
                case "move":
                {
                    var from = op.Str("from") ?? throw ApiException.BadRequest("json patch: move needs \"from\"");
                    doc = Remove(doc, from, out var moved);
                    doc = Add(doc, path, moved);
                    break;
                }

                case "copy":
                {
                    var from = op.Str("from") ?? throw ApiException.BadRequest("json patch: copy needs \"from\"");
                    doc = Add(doc, path, Resolve(doc, from)?.DeepClone());
                    break;
                }

                case "test":
                    if (!JsonNode.DeepEquals(Resolve(doc, path), op["value"])) throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: test operation failed at {path}");
                    break;
                default: throw ApiException.BadRequest($"json patch: unknown op \"{kind}\"");
            }
        }

        return doc;
    }

    private static List<string> Tokens(string path)
    {
        if (path.Length == 0) return [];
        if (path[0] != '/') throw ApiException.BadRequest($"json patch: invalid path \"{path}\"");
        return path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
    }

    private static JsonNode? Resolve(JsonNode doc, string path)
    {
        JsonNode? current = doc;
        foreach (var t in Tokens(path))
        {
            current = current switch
            {
                JsonObject o when o.TryGetPropertyValue(t, out var v) => v,
                JsonArray a when int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: jsonpatch: path {path} does not exist"),
            };
        }

        return current;
    }

    private static JsonNode Add(JsonNode doc, string path, JsonNode? value)
    {
        var tokens = Tokens(path);
        if (tokens.Count == 0) return value ?? throw ApiException.BadRequest("json patch: cannot replace the document with null");
        var parent = Resolve(doc, ParentPath(tokens));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a:
                if (last == "-") a.Add(value);
                else if (int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= a.Count) a.Insert(i, value);
                else throw new ApiException(422, "Invalid", $"jsonpatch: invalid array index in {path}");
                break;
            default: throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: jsonpatch add operation does not apply: doc is missing path: \"{path}\"");
        }

        return doc;
    }

    private static JsonNode Remove(JsonNode doc, string path, out JsonNode? removed)
    {
        var tokens = Tokens(path);
        if (tokens.Count == 0) throw ApiException.BadRequest("json patch: cannot remove the whole document");
        var parent = Resolve(doc, ParentPath(tokens));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                removed = o[last];
                o.Remove(last);
                removed = removed?.DeepClone();
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count:
                removed = a[i]?.DeepClone();
                a.RemoveAt(i);
                break;
            default: throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: jsonpatch remove operation does not apply: doc is missing path: \"{path}\"");
        }

        return doc;
    }

    private static string ParentPath(List<string> tokens) =>
        tokens.Count <= 1 ? "" : "/" + string.Join('/', tokens.Take(tokens.Count - 1).Select(Escape));

    private static string Escape(string t) => t.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}

/// <summary>RFC 7386 JSON Merge Patch.</summary>
internal static class MergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p) return patch?.DeepClone();
        var result = target is JsonObject t ? (JsonObject)t.DeepClone() : new JsonObject();
        foreach (var (key, value) in p)
        {
            if (value is null) result.Remove(key);
            else result[key] = Apply(result[key], value);
        }

        return result;
    }
}
