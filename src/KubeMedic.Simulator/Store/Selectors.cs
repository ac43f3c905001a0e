using System.Text.Json.Nodes;

namespace KubeMedic.Simulator.Store;

/// <summary>A parsed label selector: string form (<c>a=b,c!=d,e in (f,g),!h</c>) or the object form with matchLabels/matchExpressions.</summary>
internal sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> _terms = [];

    public static readonly LabelSelector Everything = new();

    /// <summary>True when the selector has no terms. The object form of an empty selector matches everything;
    /// a null selector object matches nothing (see <see cref="FromObject"/>).</summary>
    public bool IsEmpty => _terms.Count == 0 && !MatchesNothing;

    public bool MatchesNothing { get; private init; }

    public bool Matches(IReadOnlyDictionary<string, string> labels) => !MatchesNothing && _terms.All(t => t(labels));

    public bool Matches(JsonNode obj) => Matches(obj.Labels());

    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text)) return selector;
        foreach (var raw in SplitTopLevel(text))
        {
            var term = raw.Trim();
            if (term.Length == 0) continue;
            selector._terms.Add(ParseTerm(term));
        }

        return selector;
    }

    public static LabelSelector FromObject(JsonObject? selector)
    {
        if (selector is null) return new LabelSelector { MatchesNothing = true };
        var result = new LabelSelector();
        foreach (var (k, v) in Json.StringMap(selector.Obj("matchLabels")))
        {
            result._terms.Add(l => l.TryGetValue(k, out var x) && x == v);
        }

        foreach (var expr in selector.Arr("matchExpressions").Objects())
        {
            var key = expr.Str("key") ?? "";
            var values = (expr.Arr("values") ?? []).Select(x => x?.GetValue<string>() ?? "").ToHashSet(StringComparer.Ordinal);
            switch (expr.Str("operator"))
            {
                case "In": result._terms.Add(l => l.TryGetValue(key, out var x) && values.Contains(x)); break;
                case "NotIn": result._terms.Add(l => !l.TryGetValue(key, out var x) || !values.Contains(x)); break;
                case "Exists": result._terms.Add(l => l.ContainsKey(key)); break;
                case "DoesNotExist": result._terms.Add(l => !l.ContainsKey(key)); break;
                default: throw new FormatException($"invalid selector operator \"{expr.Str("operator")}\"");
            }
        }

        return result;
    }

    /// <summary>The string form of a selector object, as kubectl prints it (e.g. in the Selector column).</summary>
    public static string Format(JsonObject? selector)
    {
        if (selector is null) return "<none>";
        var parts = new List<string>();
        foreach (var (k, v) in Json.StringMap(selector.Obj("matchLabels")).OrderBy(p => p.Key, StringComparer.Ordinal)) parts.Add($"{k}={v}");
        foreach (var expr in selector.Arr("matchExpressions").Objects())
        {
            var key = expr.Str("key");
            var values = string.Join(",", (expr.Arr("values") ?? []).Select(x => x?.GetValue<string>()));
            parts.Add(expr.Str("operator") switch
            {
                "In" => $"{key} in ({values})",
                "NotIn" => $"{key} notin ({values})",
                "Exists" => key!,
                "DoesNotExist" => $"!{key}",
                _ => "",
            });
        }

        return parts.Count == 0 ? "<none>" : string.Join(",", parts);
    }

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseTerm(string term)
    {
        var lower = term;
        var inIdx = IndexOfWord(lower, " notin ");
        if (inIdx > 0)
        {
            var key = term[..inIdx].Trim();
            var set = ParseSet(term[(inIdx + 7)..]);
            return l => !l.TryGetValue(key, out var x) || !set.Contains(x);
        }

        inIdx = IndexOfWord(lower, " in ");
        if (inIdx > 0)
        {
            var key = term[..inIdx].Trim();
            var set = ParseSet(term[(inIdx + 4)..]);
            return l => l.TryGetValue(key, out var x) && set.Contains(x);
        }

        var ne = term.IndexOf("!=", StringComparison.Ordinal);
        if (ne > 0)
        {
            var key = term[..ne].Trim();
            var value = term[(ne + 2)..].Trim();
            return l => !l.TryGetValue(key, out var x) || x != value;
        }

        var eq = term.IndexOf('=');
        if (eq > 0)
        {
            var key = term[..eq].Trim();
            var value = term[(eq + 1)..].TrimStart('=').Trim();
            return l => l.TryGetValue(key, out var x) && x == value;
        }

        if (term.StartsWith('!'))
        {
            var key = term[1..].Trim();
            return l => !l.ContainsKey(key);
        }

        if (term.Any(c => c is ' ' or '(' or ')'))
        {
            throw new FormatException($"unable to parse requirement: found '{term}'");
        }

        return l => l.ContainsKey(term);
    }

    private static int IndexOfWord(string s, string word) => s.IndexOf(word, StringComparison.Ordinal);

    private static HashSet<string> ParseSet(string text)
    {
        text = text.Trim();
        if (!text.StartsWith('(') || !text.EndsWith(')')) throw new FormatException($"unable to parse requirement: expected a set in parentheses, found '{text}'");
        return text[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(': depth++; break;
                case ')': depth--; break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }
}

/// <summary>A parsed field selector (<c>metadata.name=x,status.phase!=Failed</c>).</summary>
internal sealed class FieldSelector
{
    private static readonly HashSet<string> Common = ["metadata.name", "metadata.namespace"];

    private static readonly Dictionary<string, HashSet<string>> PerKind = new()
    {
        ["Pod"] = ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"],
        ["Event"] = ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"],
        ["Node"] = ["spec.unschedulable"],
        ["Secret"] = ["type"],
        ["Namespace"] = ["status.phase"],
        ["ReplicaSet"] = ["status.replicas"],
        ["Job"] = ["status.successful"],
    };

    private readonly List<(string Field, string Value, bool Equal)> _terms = [];

    public static readonly FieldSelector Everything = new();

    public bool IsEmpty => _terms.Count == 0;

    /// <summary>The value of <c>metadata.name=</c> if the selector pins a name (lets lookups skip a scan).</summary>
    public string? PinnedName => _terms.FirstOrDefault(t => t.Field == "metadata.name" && t.Equal).Value;

    public static FieldSelector Parse(string? text, string kind)
    {
        var result = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text)) return result;
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string field, value;
            bool equal;
            var ne = raw.IndexOf("!=", StringComparison.Ordinal);
            if (ne > 0)
            {
                (field, value, equal) = (raw[..ne], raw[(ne + 2)..], false);
            }
            else
            {
                var eq = raw.IndexOf('=');
                if (eq <= 0) throw new FormatException($"invalid selector: '{text}'; can't understand '{raw}'");
                (field, value, equal) = (raw[..eq], raw[(eq + 1)..].TrimStart('='), true);
            }

            field = field.Trim();
            if (!Common.Contains(field) && !(PerKind.TryGetValue(kind, out var allowed) && allowed.Contains(field)))
            {
                throw new FieldSelectorException($"field label not supported: {field}");
            }

            result._terms.Add((field, value.Trim(), equal));
        }

        return result;
    }

    public bool Matches(JsonNode obj)
    {
        foreach (var (field, value, equal) in _terms)
        {
            var actual = field switch
            {
                "source" => obj.Str("source.component") ?? "",
                _ => obj.Str(field) ?? "",
            };
            if ((actual == value) != equal) return false;
        }

        return true;
    }
}

internal sealed class FieldSelectorException(string message) : Exception(message);
