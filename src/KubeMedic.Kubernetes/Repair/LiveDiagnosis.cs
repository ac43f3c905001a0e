using k8s;
using KubeMedic.Core.Findings;
using KubeMedic.Kubernetes.Informers;

namespace KubeMedic.Kubernetes.Repair;

/// <summary>One-shot diagnosis of a live cluster through the informers (list, no watch kept open).</summary>
public static class LiveDiagnosis
{
    public static async Task<IReadOnlyList<Finding>> DiagnoseAsync(IKubernetes client, TimeProvider time, CancellationToken ct)
    {
        var informers = new ClusterInformers(client, time);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = informers.RunAsync(cts.Token);
        try
        {
            await informers.WaitForSyncAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
            return new DiagnosisDetector().Detect(informers, time.GetUtcNow());
        }
        finally
        {
            await cts.CancelAsync();
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>The finding with this code on this object, or on the workload that owns this pod.</summary>
    public static Finding? Find(IReadOnlyList<Finding> findings, string code, ObjectRef obj) =>
        findings.FirstOrDefault(f => f.Code == code && f.Object == obj)
        ?? findings.FirstOrDefault(f => f.Code == code && (f.Owner == obj || (obj.Kind == "Pod" && f.Object.Namespace == obj.Namespace && f.Pods.Contains(obj.Name))));
}
