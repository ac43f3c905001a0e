using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubeMedic.Simulator.Scenarios;

/// <summary>Converts YAML documents to JSON trees (YAML 1.2 core-schema scalars: plain true/false/null/numbers).</summary>
internal static class YamlJson
{
    public static List<(JsonNode? Node, long Line)> ParseDocuments(string text, string file, long lineOffset = 0)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new ScenarioException(file, ex.Start.Line + lineOffset, OneLine(ex.InnerException?.Message ?? ex.Message));
        }

        return stream.Documents.Select(d => (ToJson(d.RootNode), d.RootNode.Start.Line + lineOffset)).Where(d => d.Item1 is not null).ToList();
    }

    public static JsonNode? ToJson(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var o = new JsonObject();
                foreach (var (k, v) in map.Children)
                {
                    o[((YamlScalarNode)k).Value ?? ""] = ToJson(v);
                }

                return o;
            case YamlSequenceNode seq:
                var a = new JsonArray();
                foreach (var item in seq.Children) a.Add(ToJson(item));
                return a;
            case YamlScalarNode scalar:
                var value = scalar.Value ?? "";
                if (scalar.Style is ScalarStyle.Plain)
                {
                    if (value is "null" or "~" or "") return null;
                    if (value is "true" or "True") return JsonValue.Create(true);
                    if (value is "false" or "False") return JsonValue.Create(false);
                    if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
                    if (value.Contains('.') && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !value.EndsWith('.')) return JsonValue.Create(d);
                }

                return JsonValue.Create(value);
            default:
                return null;
        }
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}
