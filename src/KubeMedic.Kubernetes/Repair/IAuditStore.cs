using System.Text.Json;
using k8s;
using KubeMedic.Core;
using KubeMedic.Core.Policy;

namespace KubeMedic.Kubernetes.Repair;

/// <summary>
/// The durable audit log, and the autopilot's rate-limit store. Two implementations: <see cref="AuditLog"/> (JSON-lines files under
/// <c>~/.kubemedic/audit/</c>, the default outside a cluster) and <see cref="ConfigMapAuditStore"/> (JSON lines in a ConfigMap's data,
/// the default in-cluster). Both redact objects the same way (<see cref="AuditRecords.Redact"/>) before anything is written.
/// </summary>
public interface IAuditStore
{
    /// <summary>Where entries go, for humans: a directory, or <c>configmap NAMESPACE/NAME</c>.</summary>
    string Location { get; }

    /// <summary>Appends one entry durably (returns only once it is stored), redacted first.</summary>
    Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>All entries (optionally since a time), oldest first.</summary>
    IReadOnlyList<AuditEntry> Read(DateTimeOffset? since = null);
}

/// <summary>What both audit stores share: the line format, redaction, and the rate-limit history derived from the entries.</summary>
public static class AuditRecords
{
    /// <summary>Secret-bearing parts of the objects removed (<see cref="Redactor"/>): Secret data, credential-like env values, last-applied.</summary>
    public static AuditEntry Redact(AuditEntry entry) => entry with { Before = Redactor.Redact(entry.Before), After = Redactor.Redact(entry.After) };

    /// <summary>One JSON line (no trailing newline) of a redacted entry.</summary>
    public static string Line(AuditEntry entry) => JsonSerializer.Serialize(Redact(entry), AuditLog.Json);

    /// <summary>Parses one line; null for a blank or torn line.</summary>
    public static AuditEntry? Parse(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<AuditEntry>(line, AuditLog.Json);
        }
        catch (JsonException)
        {
            return null; // a torn line from a crash mid-append: the applying record before it still counts
        }
    }

    /// <summary>The rate-limit history over the entries of the last <paramref name="lookback"/> (see <see cref="History(IEnumerable{AuditEntry})"/>).</summary>
    public static ActionHistory History(this IAuditStore store, DateTimeOffset now, TimeSpan lookback) => History(store.Read(now - lookback));

    /// <summary>
    /// The rate-limit history: one record per non-dry-run action, its outcome taken from its last phase. An action whose last phase
    /// is <see cref="AuditPhase.Applying"/> or <see cref="AuditPhase.Applied"/> is still in progress (or was interrupted).
    /// </summary>
    public static ActionHistory History(IEnumerable<AuditEntry> entries)
    {
        var actions = entries
            .Where(e => !e.DryRun && e.WorkloadKey is not null && e.Phase is not (AuditPhase.Planned or AuditPhase.Escalated or AuditPhase.Denied))
            .GroupBy(e => e.ActionId)
            .Select(g =>
            {
                var first = g.First();
                var last = g.Last();
                var outcome = last.Phase switch
                {
                    AuditPhase.Verified => ActionOutcome.Succeeded,
                    AuditPhase.VerificationFailed or AuditPhase.Undone => ActionOutcome.VerificationFailed,
                    AuditPhase.ApplyFailed => ActionOutcome.ApplyFailed,
                    _ => ActionOutcome.InProgress,
                };
                return new ActionRecord(first.At, first.WorkloadKey!, first.Remedy ?? "", outcome, last.IsTerminal ? last.At : null);
            })
            .ToList();
        return new ActionHistory { Actions = actions };
    }
}

/// <summary>Chooses the audit store for <c>fix</c> and <c>autopilot</c>.</summary>
public static class AuditStores
{
    /// <summary>The ConfigMap used in-cluster when no store is named: <c>kubemedic-audit</c> in the pod's own namespace.</summary>
    public const string DefaultConfigMapName = "kubemedic-audit";

    private const string ServiceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    /// <summary>
    /// <c>--audit-configmap NAMESPACE/NAME</c> → that ConfigMap; <c>--audit-dir</c> → that folder; neither: in-cluster (running in a pod
    /// and talking to that pod's own cluster) the <see cref="DefaultConfigMapName"/> ConfigMap of the pod's namespace, otherwise the folder
    /// <see cref="AuditLog.DefaultDirectory"/>.
    /// </summary>
    public static async Task<IAuditStore> OpenAsync(IKubernetes client, string? auditDir, string? auditConfigMap, TimeProvider time, TextWriter? log, CancellationToken ct)
    {
        Validate(auditDir, auditConfigMap);
        var options = new ConfigMapAuditOptions { Time = time, Log = log };
        if (auditConfigMap is not null)
        {
            var (ns, name) = ParseConfigMap(auditConfigMap);
            return await ConfigMapAuditStore.OpenAsync(client, ns, name, options, ct);
        }

        var inCluster = auditDir is null && KubernetesClientConfiguration.IsInCluster() && File.Exists(ServiceAccountNamespaceFile);
        var podNamespace = inCluster ? (await File.ReadAllTextAsync(ServiceAccountNamespaceFile, ct)).Trim() : null;
        if (auditDir is null && DefaultNamespace(client, inCluster, Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST"), podNamespace) is { } podNs)
        {
            return await ConfigMapAuditStore.OpenAsync(client, podNs, DefaultConfigMapName, options, ct);
        }

        return new AuditLog(auditDir, time);
    }

    /// <summary>
    /// The namespace of the default audit ConfigMap: the pod's, when running in a pod and talking to that pod's own cluster (the client's
    /// host is <c>$KUBERNETES_SERVICE_HOST</c>); null otherwise (a kubeconfig pointing at another cluster keeps the file store).
    /// </summary>
    internal static string? DefaultNamespace(IKubernetes client, bool inCluster, string? serviceHost, string? podNamespace) =>
        inCluster && podNamespace is { Length: > 0 } && serviceHost is { Length: > 0 }
        && string.Equals(client.BaseUri?.Host.Trim('[', ']'), serviceHost.Trim('[', ']'), StringComparison.OrdinalIgnoreCase)
            ? podNamespace
            : null;

    /// <summary>Checks the flags before any cluster call: not both, and a well-formed NAMESPACE/NAME (one-line error, exit 2).</summary>
    public static void Validate(string? auditDir, string? auditConfigMap)
    {
        if (auditDir is not null && auditConfigMap is not null)
        {
            throw new UserInputException("--audit-dir and --audit-configmap cannot be combined");
        }

        if (auditConfigMap is not null)
        {
            ParseConfigMap(auditConfigMap);
        }
    }

    /// <summary>Parses <c>NAMESPACE/NAME</c> (both DNS labels/subdomains).</summary>
    public static (string Namespace, string Name) ParseConfigMap(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !Dns(parts[0], 63) || !Dns(parts[1], 253))
        {
            throw new UserInputException($"--audit-configmap '{text}': expected NAMESPACE/NAME (lower-case letters, digits, '-' and '.')");
        }

        return (parts[0], parts[1]);

        static bool Dns(string s, int max) =>
            s.Length is > 0 && s.Length <= max && char.IsAsciiLetterOrDigit(s[0]) && char.IsAsciiLetterOrDigit(s[^1])
            && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.');
    }
}
