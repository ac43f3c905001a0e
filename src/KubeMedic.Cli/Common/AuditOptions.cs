using System.CommandLine;
using k8s;
using KubeMedic.Kubernetes.Repair;

namespace KubeMedic.Cli.Common;

/// <summary>
/// The audit store flags shared by <c>fix</c>, <c>autopilot</c> and <c>respond</c>: <c>--audit-dir FOLDER</c> or <c>--audit-configmap NAMESPACE/NAME</c>
/// (not both; neither: the in-cluster ConfigMap default, else the folder default; see <see cref="AuditStores"/>).
/// </summary>
/// <param name="what">What the store holds, e.g. "Audit log" or "Audit log and rate-limit store".</param>
internal sealed class AuditOptions(string what = "Audit log")
{
    public Option<string?> Directory { get; } = new("--audit-dir") { Description = $"{what} folder (default outside a cluster: ~/.kubemedic/audit, or $KUBEMEDIC_AUDIT_DIR)." };

    public Option<string?> ConfigMap { get; } = new("--audit-configmap") { Description = $"{what} in this ConfigMap, NAMESPACE/NAME (default in-cluster: {AuditStores.DefaultConfigMapName} in the pod's namespace)." };

    public void AddTo(Command command)
    {
        command.Options.Add(Directory);
        command.Options.Add(ConfigMap);
    }

    /// <summary>Reads and checks the flags before any cluster call (one-line error, exit 2).</summary>
    public AuditSelection Read(ParseResult parse)
    {
        var selection = new AuditSelection(parse.GetValue(Directory), parse.GetValue(ConfigMap));
        AuditStores.Validate(selection.Directory, selection.ConfigMap);
        return selection;
    }
}

/// <summary>The audit store the user asked for (both null: the default).</summary>
internal sealed record AuditSelection(string? Directory, string? ConfigMap)
{
    public Task<IAuditStore> OpenAsync(IKubernetes client, TimeProvider time, TextWriter? log, CancellationToken ct) =>
        AuditStores.OpenAsync(client, Directory, ConfigMap, time, log, ct);
}
