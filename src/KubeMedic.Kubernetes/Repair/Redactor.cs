using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KubeMedic.Kubernetes.Repair;

/// <summary>
/// Removes anything secret-bearing from an object before it is printed or written to the audit: Secret data, env values whose
/// names look like credentials, the last-applied-configuration annotation (it can embed Secret manifests) and managedFields.
/// secretKeyRef references stay (they name a Secret, they hold no value).
/// </summary>
public static partial class Redactor
{
    public const string Mask = "[redacted]";

    [GeneratedRegex("(PASS|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTH|CERT|DSN|CONN)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    public static JsonNode? Redact(JsonNode? node)
    {
        if (node?.DeepClone() is not JsonObject o)
        {
            return node?.DeepClone();
        }

        Walk(o);
        return o;
    }

    private static void Walk(JsonObject o)
    {
        if (o["kind"]?.GetValue<string>() == "Secret")
        {
            foreach (var key in new[] { "data", "stringData" })
            {
                if (o[key] is JsonObject data)
                {
                    foreach (var k in data.Select(kv => kv.Key).ToList())
                    {
                        data[k] = Mask;
                    }
                }
            }
        }

        if (o["metadata"] is JsonObject meta)
        {
            meta.Remove("managedFields");
            if (meta["annotations"] is JsonObject ann)
            {
                ann.Remove("kubectl.kubernetes.io/last-applied-configuration");
            }
        }

        foreach (var (key, value) in o.ToList())
        {
            if (key == "env" && value is JsonArray env)
            {
                foreach (var e in env.OfType<JsonObject>())
                {
                    if (e["value"] is not null && e["name"]?.GetValue<string>() is { } name && SecretName().IsMatch(name))
                    {
                        e["value"] = Mask;
                    }
                }
            }

            switch (value)
            {
                case JsonObject child:
                    Walk(child);
                    break;
                case JsonArray array:
                    foreach (var item in array.OfType<JsonObject>())
                    {
                        Walk(item);
                    }

                    break;
            }
        }
    }
}
