using System.Text;
using KubeMedic.Core;
using KubeMedic.Core.Model;

namespace KubeMedic.Kubernetes.Sources;

/// <summary>
/// Writes a live cluster as one kubectl-shaped v1 List (what <c>kubectl get -o json</c> prints), Secret values removed.
/// Written to a temporary file and moved into place, so a failure never leaves a partial snapshot.
/// </summary>
public static class SnapshotWriter
{
    public static async Task<int> SaveAsync(LiveSource source, ClusterScope scope, string path, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(dir))
        {
            throw new UserInputException($"-o {path}: directory '{dir}' does not exist");
        }

        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        var count = 0;
        try
        {
            await using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false), 1 << 16))
            {
                await writer.WriteAsync("{\n\"apiVersion\": \"v1\",\n\"items\": [\n");
                await foreach (var (_, items) in source.ListAllAsync(scope, cancellationToken))
                {
                    foreach (var item in items)
                    {
                        if (count++ > 0)
                        {
                            await writer.WriteAsync(",\n");
                        }

                        await writer.WriteAsync(k8s.KubernetesJson.Serialize(item));
                    }
                }

                await writer.WriteAsync("\n],\n\"kind\": \"List\",\n\"metadata\": {\"resourceVersion\": \"\"}\n}\n");
            }

            File.Move(temp, full, overwrite: true);
            return count;
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
