using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeMedic.Simulator.Store;

/// <summary>Small helpers for reading and writing raw API objects held as <see cref="JsonObject"/>.</summary>
internal static class Json
{
    public static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    /// <summary>Reads a nested node by a dotted path ("spec.template.spec").</summary>
    public static JsonNode? At(this JsonNode? node, string path)
    {
        var current = node;
        foreach (var part in path.Split('.'))
        {
            if (current is not JsonObject o || !o.TryGetPropertyValue(part, out current)) return null;
        }

        return current;
    }

    public static string? Str(this JsonNode? node, string path)
    {
        var n = node.At(path);
        return n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : n is JsonValue v2 && v2.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False ? v2.ToJsonString() : null;
    }

    public static long? Long(this JsonNode? node, string path)
    {
        var n = node.At(path);
        if (n is JsonValue v)
        {
            if (v.GetValueKind() == JsonValueKind.Number)
            {
                if (v.TryGetValue<long>(out var l)) return l;
                if (v.TryGetValue<int>(out var i)) return i;
                if (v.TryGetValue<double>(out var d)) return (long)d;
                if (v.TryGetValue<decimal>(out var m)) return (long)m;
                return double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? (long)x : null;
            }

            if (v.GetValueKind() == JsonValueKind.String && long.TryParse(v.GetValue<string>(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p)) return p;
        }

        return null;
    }

    public static bool? Bool(this JsonNode? node, string path)
    {
        var n = node.At(path);
        return n is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;
    }

    public static JsonObject? Obj(this JsonNode? node, string path) => node.At(path) as JsonObject;

    public static JsonArray? Arr(this JsonNode? node, string path) => node.At(path) as JsonArray;

    public static IEnumerable<JsonObject> Objects(this JsonArray? array)
    {
        if (array is null) yield break;
        foreach (var item in array)
        {
            if (item is JsonObject o) yield return o;
        }
    }

    /// <summary>Gets or creates the object at a dotted path.</summary>
    public static JsonObject Ensure(this JsonObject node, string path)
    {
        var current = node;
        foreach (var part in path.Split('.'))
        {
            if (current[part] is not JsonObject next)
            {
                next = new JsonObject();
                current[part] = next;
            }

            current = next;
        }

        return current;
    }

    public static JsonArray EnsureArray(this JsonObject node, string name)
    {
        if (node[name] is not JsonArray a)
        {
            a = new JsonArray();
            node[name] = a;
        }

        return a;
    }

    public static string Name(this JsonNode o) => o.Str("metadata.name") ?? "";

    public static string? Namespace(this JsonNode o) => o.Str("metadata.namespace");

    public static string Uid(this JsonNode o) => o.Str("metadata.uid") ?? "";

    public static Dictionary<string, string> Labels(this JsonNode o, string path = "metadata.labels") => StringMap(o.Obj(path));

    public static Dictionary<string, string> StringMap(JsonObject? map)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (map is null) return result;
        foreach (var (k, v) in map)
        {
            result[k] = v is JsonValue jv && jv.GetValueKind() == JsonValueKind.String ? jv.GetValue<string>() : v?.ToJsonString() ?? "";
        }

        return result;
    }

    public static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string MicroTimestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? Time(this JsonNode? node, string path)
    {
        var s = node.Str(path);
        return s is not null && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;
    }

    public static JsonObject Clone(this JsonObject o) => (JsonObject)o.DeepClone();

    /// <summary>Forces lazily-parsed nodes to materialise so the tree can be read from several threads.</summary>
    public static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, v) in o) Materialize(v);
                break;
            case JsonArray a:
                foreach (var v in a) Materialize(v);
                break;
        }
    }

    public static JsonArray ToArray(IEnumerable<JsonNode?> items)
    {
        var a = new JsonArray();
        foreach (var i in items) a.Add(i);
        return a;
    }

    public static JsonArray StringArray(IEnumerable<string> items)
    {
        var a = new JsonArray();
        foreach (var i in items) a.Add(JsonValue.Create(i));
        return a;
    }

    /// <summary>Semantic equality of two JSON trees (object key order ignored).</summary>
    public static bool DeepEquals(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

    /// <summary>A canonical string (sorted keys) for hashing.</summary>
    public static string Canonical(JsonNode? node)
    {
        var sb = new System.Text.StringBuilder();
        Write(node, sb);
        return sb.ToString();

        static void Write(JsonNode? n, System.Text.StringBuilder sb)
        {
            switch (n)
            {
                case null: sb.Append("null"); break;
                case JsonObject o:
                    sb.Append('{');
                    var first = true;
                    foreach (var (k, v) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                    {
                        if (!first) sb.Append(',');
                        first = false;
                        sb.Append(JsonSerializer.Serialize(k)).Append(':');
                        Write(v, sb);
                    }

                    sb.Append('}');
                    break;
                case JsonArray a:
                    sb.Append('[');
                    for (var i = 0; i < a.Count; i++)
                    {
                        if (i > 0) sb.Append(',');
                        Write(a[i], sb);
                    }

                    sb.Append(']');
                    break;
                default: sb.Append(n.ToJsonString()); break;
            }
        }
    }
}
