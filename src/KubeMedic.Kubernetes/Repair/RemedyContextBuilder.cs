using System.Text.Json.Nodes;
using KubeMedic.Core;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Remedies;

namespace KubeMedic.Kubernetes.Repair;

/// <summary>The live inputs of a remedy: the workload to change (resolved from the finding's pod through its owners) and its context.</summary>
public sealed record ResolvedTarget(ObjectRef Workload, RemedyContext Context);

/// <summary>Resolves a finding to the object to change and loads what its remedy needs (rollout history, nodes, PDBs, priority classes).</summary>
public sealed class RemedyContextBuilder(KubeObjectApi api)
{
    public async Task<ResolvedTarget> BuildAsync(Finding finding, RemedyOptions options, DateTimeOffset now, string? image, CancellationToken ct)
    {
        JsonObject? pod = null;
        var target = finding.Owner ?? finding.Object;
        if (finding.Object.Kind == "Pod")
        {
            pod = await api.GetAsync(finding.Object, ct);
            if (finding.Owner is null && pod is not null)
            {
                target = await OwnerOf(pod, ct) ?? finding.Object;
            }
        }

        if (target.Kind == "ReplicaSet" && await api.GetAsync(target, ct) is { } rs)
        {
            target = await OwnerOf(rs, ct) ?? target;
        }

        var targetJson = await api.GetAsync(target, ct) ?? throw new UserInputException($"{target} not found in the cluster");
        var ns = target.Namespace;
        if (pod is null && ns is not null && finding.Pods.Count > 0)
        {
            pod = await api.GetAsync(new ObjectRef("Pod", ns, finding.Pods[0]), ct);
        }

        if (pod is null && ns is not null && finding.Code is FindingCodes.OomKilled or FindingCodes.ImagePull or FindingCodes.LivenessRestarts
            && targetJson.At("spec", "selector", "matchLabels") is JsonObject labels)
        {
            var selector = string.Join(',', labels.Select(kv => $"{kv.Key}={kv.Value}"));
            pod = (await api.PodsAsync(ns, selector, ct))
                .OrderByDescending(p => p.Objects("status", "containerStatuses").Sum(c => c.Int("restartCount") ?? 0))
                .FirstOrDefault();
        }

        var nodeScoped = target.Kind == "Node";
        var context = new RemedyContext
        {
            Target = targetJson,
            Pod = pod,
            ReplicaSets = target.Kind == "Deployment" && ns is not null ? await api.ReplicaSetsAsync(ns, ct) : [],
            Nodes = await api.NodesAsync(ct),
            PodDisruptionBudgets = await api.PdbsAsync(nodeScoped ? null : ns, ct),
            PriorityClasses = nodeScoped ? await api.PriorityClassesAsync(ct) : [],
            Workloads = nodeScoped ? await api.DeploymentsAsync(ct) : [],
            PeakMemoryBytes = PeakFromEvidence(finding),
            Image = image,
            Now = now,
            Options = options,
        };
        return new ResolvedTarget(target, context);
    }

    private async Task<ObjectRef?> OwnerOf(JsonObject obj, CancellationToken ct)
    {
        var owner = obj.Objects("metadata", "ownerReferences").FirstOrDefault(o => o.At("controller")?.GetValue<bool>() == true);
        if (owner is null)
        {
            return null;
        }

        var reference = new ObjectRef(owner.Str("kind")!, obj.Namespace(), owner.Str("name")!);
        if (reference.Kind == "ReplicaSet" && await api.GetAsync(reference, ct) is { } rs)
        {
            return await OwnerOf(rs, ct) ?? reference;
        }

        return reference;
    }

    /// <summary>A metric evidence line like "peak working set 700Mi" gives the OOM remedy its peak.</summary>
    private static long? PeakFromEvidence(Finding finding)
    {
        foreach (var e in finding.Evidence.Where(e => e.Source == EvidenceSource.Metric))
        {
            var words = e.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var idx = Array.FindIndex(words, w => w.Equals("peak", StringComparison.OrdinalIgnoreCase));
            if (idx >= 0)
            {
                foreach (var w in words.Skip(idx + 1).Take(4))
                {
                    if (Quantity.ParseBytes(w.TrimEnd(',', ';', '.')) is { } b && b > 1024 * 1024)
                    {
                        return b;
                    }
                }
            }
        }

        return null;
    }
}
