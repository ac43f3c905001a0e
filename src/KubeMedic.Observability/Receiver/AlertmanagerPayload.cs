using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Runbooks;
using KubeMedic.Observability.Rules;

namespace KubeMedic.Observability.Receiver;

/// <summary>Alertmanager's webhook body, version 4 (alertmanager 0.25 <c>notify/webhook</c>).</summary>
public sealed class AlertmanagerPayload
{
    [JsonPropertyName("version")] public string? Version { get; set; }
    [JsonPropertyName("groupKey")] public string? GroupKey { get; set; }
    [JsonPropertyName("truncatedAlerts")] public int TruncatedAlerts { get; set; }
    [JsonPropertyName("status")] public string? Status { get; set; }
    [JsonPropertyName("receiver")] public string? Receiver { get; set; }
    [JsonPropertyName("groupLabels")] public Dictionary<string, string>? GroupLabels { get; set; }
    [JsonPropertyName("commonLabels")] public Dictionary<string, string>? CommonLabels { get; set; }
    [JsonPropertyName("commonAnnotations")] public Dictionary<string, string>? CommonAnnotations { get; set; }
    [JsonPropertyName("externalURL")] public string? ExternalUrl { get; set; }
    [JsonPropertyName("alerts")] public List<AlertmanagerAlert>? Alerts { get; set; }
}

public sealed class AlertmanagerAlert
{
    [JsonPropertyName("status")] public string? Status { get; set; }
    [JsonPropertyName("labels")] public Dictionary<string, string>? Labels { get; set; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
    [JsonPropertyName("startsAt")] public DateTimeOffset StartsAt { get; set; }
    [JsonPropertyName("endsAt")] public DateTimeOffset EndsAt { get; set; }
    [JsonPropertyName("generatorURL")] public string? GeneratorUrl { get; set; }
    [JsonPropertyName("fingerprint")] public string? Fingerprint { get; set; }
}

/// <summary>Incident severity, SEV1 (worst) to SEV4.</summary>
public enum SevLevel
{
    Sev1 = 1,
    Sev2 = 2,
    Sev3 = 3,
    Sev4 = 4,
}

/// <summary>One alert from a webhook, normalised: status, severity, the Kubernetes objects its labels name, and the KubeMedic code.</summary>
public sealed record AlertSignal(
    string Fingerprint,
    string GroupKey,
    string AlertName,
    bool Firing,
    SevLevel Severity,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt,
    IReadOnlyList<ObjectRef> Objects,
    string? Code,
    string? GeneratorUrl)
{
    public string Summary => Annotations.TryGetValue("summary", out var s) && s.Length > 0 ? s
        : Annotations.TryGetValue("description", out var d) && d.Length > 0 ? d
        : $"{AlertName} on {(Objects.Count > 0 ? Objects[0].ToString() : "the cluster")}";

    public static string SevText(SevLevel s) => $"SEV{(int)s}";
}

/// <summary>Parses and validates webhook bodies; <see cref="WebhookRejected"/> carries the one-line reason for a 4xx.</summary>
public static class AlertmanagerWebhook
{
    private static readonly JsonSerializerOptions Json = new() { AllowTrailingCommas = false };

    public static (AlertmanagerPayload Payload, IReadOnlyList<AlertSignal> Alerts) Parse(ReadOnlySpan<byte> body)
    {
        AlertmanagerPayload? payload;
        try
        {
            payload = JsonSerializer.Deserialize<AlertmanagerPayload>(body, Json);
        }
        catch (JsonException ex)
        {
            throw new WebhookRejected($"body is not valid Alertmanager JSON ({ex.Message.Split('.')[0]}{(ex.LineNumber is { } l ? $" at line {l + 1}" : "")})");
        }

        if (payload is null)
        {
            throw new WebhookRejected("body is null");
        }

        if (payload.Version != "4")
        {
            throw new WebhookRejected($"unsupported webhook version '{payload.Version ?? "(missing)"}' (expected \"4\", Alertmanager 0.x)");
        }

        if (payload.Alerts is null)
        {
            throw new WebhookRejected("'alerts' is missing");
        }

        var groupKey = payload.GroupKey ?? "";
        var signals = new List<AlertSignal>();
        for (var i = 0; i < payload.Alerts.Count; i++)
        {
            var a = payload.Alerts[i] ?? throw new WebhookRejected($"alerts[{i}] is null");
            var labels = a.Labels ?? throw new WebhookRejected($"alerts[{i}] has no labels");
            if (!labels.TryGetValue("alertname", out var name) || string.IsNullOrWhiteSpace(name))
            {
                throw new WebhookRejected($"alerts[{i}] has no alertname label");
            }

            var firing = a.Status switch
            {
                "firing" => true,
                "resolved" => false,
                _ => throw new WebhookRejected($"alerts[{i}] status '{a.Status}' is neither firing nor resolved"),
            };
            if (labels.FirstOrDefault(kv => kv.Value is null) is { Key: { } nullLabel })
            {
                throw new WebhookRejected($"alerts[{i}] label '{nullLabel}' is null");
            }

            // Alertmanager fingerprints are 16 hex digits; anything else (or nothing) is replaced by our own hash of the labels,
            // so a sender cannot smuggle path characters into file names
            var fingerprint = a.Fingerprint is { Length: > 0 and <= 64 } f && f.All(char.IsAsciiLetterOrDigit) ? f : Fingerprint(labels);
            signals.Add(new AlertSignal(fingerprint, groupKey.Length > 0 ? groupKey : $"{{}}:{{alertname=\"{name}\"}}", name, firing,
                Severity(labels), labels, (a.Annotations ?? []).Where(kv => kv.Value is not null).ToDictionary(), a.StartsAt,
                a.EndsAt.Year <= 1 ? null : a.EndsAt, Objects(labels),
                labels.TryGetValue(AlertRuleGenerator.CodeLabel, out var code) ? code : RunbookCatalog.CodeForAlert(name), a.GeneratorUrl));
        }

        return (payload, signals);
    }

    /// <summary>An explicit <c>sev</c> label (SEV1..SEV4) wins; otherwise critical → SEV2, warning → SEV3, anything else → SEV4.</summary>
    public static SevLevel Severity(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var key in new[] { "sev", "kubemedic_sev" })
        {
            if (labels.TryGetValue(key, out var v) && v.Length == 4 && v.StartsWith("SEV", StringComparison.OrdinalIgnoreCase) && v[3] is >= '1' and <= '4')
            {
                return (SevLevel)(v[3] - '0');
            }
        }

        return (labels.TryGetValue("severity", out var s) ? s.ToLowerInvariant() : "") switch
        {
            "critical" or "page" => SevLevel.Sev2,
            "warning" or "ticket" => SevLevel.Sev3,
            _ => SevLevel.Sev4,
        };
    }

    /// <summary>The Kubernetes objects an alert's labels name, most specific first.</summary>
    public static IReadOnlyList<ObjectRef> Objects(IReadOnlyDictionary<string, string> labels)
    {
        string? L(string k) => labels.TryGetValue(k, out var v) && v.Length > 0 ? v : null;
        var ns = L("namespace");
        var list = new List<ObjectRef>();
        if (ns is not null)
        {
            if (L("pod") is { } pod)
            {
                list.Add(new ObjectRef("Pod", ns, pod));
            }

            foreach (var (label, kind) in new[] { ("deployment", "Deployment"), ("statefulset", "StatefulSet"), ("daemonset", "DaemonSet"), ("job_name", "Job"), ("horizontalpodautoscaler", "HorizontalPodAutoscaler"), ("persistentvolumeclaim", "PersistentVolumeClaim"), ("service", "Service") })
            {
                if (L(label) is { } name)
                {
                    list.Add(new ObjectRef(kind, ns, name));
                }
            }
        }

        if (L("node") is { } node)
        {
            list.Add(new ObjectRef("Node", null, node));
        }
        else if (ns is null && L("instance") is { } instance && list.Count == 0)
        {
            // node-exporter alerts: kube-prometheus relabels instance to the node name; strip a :port otherwise
            var host = instance.Contains(':', StringComparison.Ordinal) && !instance.StartsWith('[') ? instance[..instance.LastIndexOf(':')] : instance;
            list.Add(new ObjectRef("Node", null, host));
        }

        return list;
    }

    /// <summary>A stable fingerprint of a label set (used when the sender gives none).</summary>
    public static string Fingerprint(IReadOnlyDictionary<string, string> labels)
    {
        var text = string.Join("\xff", labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "\xfe" + kv.Value));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }
}

/// <summary>A webhook body that cannot be accepted; the message is safe to return to the sender and log.</summary>
public sealed class WebhookRejected(string message) : Exception(message);
