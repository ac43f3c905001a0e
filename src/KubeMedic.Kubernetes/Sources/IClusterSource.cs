using KubeMedic.Core.Model;

namespace KubeMedic.Kubernetes.Sources;

/// <summary>Where a cluster model comes from: a live cluster, a snapshot, or (wired by the lead) the simulator.</summary>
public interface IClusterSource
{
    /// <summary>A one-line description for progress output, e.g. "context prod (https://10.0.0.1:6443)" or "snapshot cluster.json".</summary>
    string Description { get; }

    /// <summary>Loads the model for a scope (namespace and label selector).</summary>
    Task<ClusterModel> LoadAsync(ClusterScope scope, CancellationToken cancellationToken);

    /// <summary>The last <paramref name="tailLines"/> lines of a container's log, or null when unavailable.</summary>
    Task<string?> GetLogsAsync(string ns, string pod, string container, bool previous, int tailLines, CancellationToken cancellationToken);
}

/// <summary>What the user asked for on the command line: a snapshot, or a kubeconfig/context (null = defaults).</summary>
public sealed record ClusterSourceRequest(string? SnapshotPath, string? Kubeconfig, string? Context, Stream? Stdin = null);
