using KubeMedic.Core;

namespace KubeMedic.Kubernetes.Sources;

/// <summary>
/// Chooses the cluster source: --snapshot → <see cref="SnapshotSource"/>; a kubeconfig or in-cluster config →
/// <see cref="LiveSource"/> (see <see cref="KubeconfigLoader"/> for kubectl's rules; a given but missing kubeconfig is an error, not a
/// fall-back); only when no kubeconfig was given at all, <see cref="DefaultSource"/> (the embedded simulator); otherwise a one-line error.
/// </summary>
public static class ClusterSourceFactory
{
    /// <summary>
    /// Called when neither a snapshot nor a kubeconfig is available. Return a source (e.g. the embedded simulator) or null.
    /// </summary>
    public static Func<ClusterSourceRequest, IClusterSource?>? DefaultSource { get; set; }

    public static IClusterSource Create(ClusterSourceRequest request)
    {
        if (!string.IsNullOrEmpty(request.SnapshotPath))
        {
            return new SnapshotSource(request.SnapshotPath, request.Stdin);
        }

        if (KubeconfigLoader.IsAvailable(request.Kubeconfig))
        {
            return new LiveSource(KubeconfigLoader.Load(request.Kubeconfig, request.Context));
        }

        return DefaultSource?.Invoke(request)
            ?? throw new UserInputException("no cluster found: pass --snapshot FILE (or - for stdin), --kubeconfig FILE, or set KUBECONFIG");
    }
}
