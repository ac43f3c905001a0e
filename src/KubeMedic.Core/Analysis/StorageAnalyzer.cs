using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;

namespace KubeMedic.Core.Analysis;

/// <summary>Storage causes: PersistentVolumeClaims stuck Pending (provisioning failure, no class, no matching PV).</summary>
public sealed class StorageAnalyzer : IAnalyzer
{
    public string Family => "storage";

    public IEnumerable<Finding> Analyze(AnalysisContext context)
    {
        foreach (var pvc in context.Model.PersistentVolumeClaims.Where(p => p.Phase == "Pending"))
        {
            var events = context.Model.EventsFor(pvc);
            var latest = events.FirstOrDefault();
            if (latest is { Reason: "WaitForFirstConsumer" })
            {
                continue;
            }

            var sub = latest?.Reason switch
            {
                "ProvisioningFailed" => "provisioning-failed",
                "FailedBinding" => "no-matching-volume",
                "ExternalProvisioning" or "Provisioning" => "provisioning",
                _ => pvc.StorageClassName is null or "" ? "no-storage-class" : "pending",
            };
            var users = context.Model.Pods.Where(p => p.Namespace == pvc.Namespace && p.Spec.Volumes.Any(v => v.Kind == "PersistentVolumeClaim" && v.Name == pvc.Name)).Select(p => p.Name).ToList();
            var evidence = new List<Evidence>
            {
                new(EvidenceSource.Status, $"PVC {pvc.Name} phase=Pending storageClassName={pvc.StorageClassName ?? "(none)"} request={pvc.RequestedStorage ?? "?"} accessModes={string.Join(",", pvc.AccessModes)}"),
            };
            evidence.AddRange(events.Take(2).Select(Quote.Event));
            yield return new Finding
            {
                Code = FindingCodes.PvcPending,
                Severity = Severity.High,
                Object = pvc.Ref,
                Pods = users,
                SubReason = sub,
                Summary = $"PVC {pvc.Name} Pending ({sub}){(users.Count > 0 ? $", blocking {users.Count} pod(s)" : "")}",
                Cause = latest is not null
                    ? $"The claim cannot be bound: {Quote.Trim(latest.Message, 240)}"
                    : $"The claim is not bound: no PersistentVolume matches and no provisioner created one (storageClassName {pvc.StorageClassName ?? "unset"}).",
                Evidence = evidence,
                Fix = new Fix("Use a StorageClass that exists and whose provisioner runs, or create a matching PersistentVolume.",
                    [$"kubectl describe pvc {pvc.Name} -n {pvc.Namespace}", "kubectl get storageclass", "kubectl get pv"]),
                Docs = FindingCatalog.DocsFor(FindingCodes.PvcPending),
            };
        }
    }
}
