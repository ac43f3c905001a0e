using KubeMedic.Core.Model;

namespace KubeMedic.Kubernetes.Sources;

/// <summary>A snapshot file, a cluster-info dump directory, or stdin ("-"). Logs come from the dump when it has them.</summary>
public sealed class SnapshotSource(string path, Stream? stdin = null) : IClusterSource
{
    private ClusterModel? _model;

    public string Description => path == "-" ? "snapshot from stdin" : $"snapshot {path}";

    public Task<ClusterModel> LoadAsync(ClusterScope scope, CancellationToken cancellationToken)
    {
        _model ??= ClusterModelBuilder.Load(path, stdin);
        return Task.FromResult(_model.Restrict(scope));
    }

    public Task<string?> GetLogsAsync(string ns, string pod, string container, bool previous, int tailLines, CancellationToken cancellationToken)
    {
        var log = _model?.FindLog(ns, pod, container, previous);
        return Task.FromResult(log is null ? null : string.Join('\n', log.Lines.TakeLast(tailLines)));
    }
}
