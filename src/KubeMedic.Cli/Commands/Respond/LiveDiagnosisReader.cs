using System.Text;
using System.Text.Json.Nodes;
using k8s;
using KubeMedic.Core.Analysis;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Incidents;
using KubeMedic.Core.Model;

namespace KubeMedic.Cli.Commands;

/// <summary>
/// Reads a live cluster through KubernetesClient into the compact model (one LIST per kind, Secret values never read into it,
/// logs of failing containers) and diagnoses it with the diagnosis engine.
/// </summary>
internal static class LiveDiagnosisReader
{
    public static async Task<ClusterModel> ReadModelAsync(IKubernetes client, string? ns, CancellationToken ct)
    {
        var builder = new ClusterModelBuilder();
        void Add(string kind, string apiVersion, System.Collections.IEnumerable items)
        {
            var array = new JsonArray();
            foreach (var item in items)
            {
                var node = JsonNode.Parse(KubernetesJson.Serialize(item))!.AsObject();
                node["kind"] ??= kind;
                node["apiVersion"] ??= apiVersion;
                if (kind == "Secret")
                {
                    node.Remove("data");
                    node.Remove("stringData");
                }

                array.Add(node);
            }

            var list = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = array };
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(list.ToJsonString()));
            builder.AddJson(stream, $"live {kind}");
        }

        Add("Node", "v1", (await client.CoreV1.ListNodeAsync(cancellationToken: ct)).Items);
        Add("Namespace", "v1", (await client.CoreV1.ListNamespaceAsync(cancellationToken: ct)).Items);
        var pods = ns is null ? (await client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct)).Items : (await client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: ct)).Items;
        Add("Pod", "v1", pods);
        Add("Deployment", "apps/v1", ns is null ? (await client.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: ct)).Items : (await client.AppsV1.ListNamespacedDeploymentAsync(ns, cancellationToken: ct)).Items);
        Add("ReplicaSet", "apps/v1", ns is null ? (await client.AppsV1.ListReplicaSetForAllNamespacesAsync(cancellationToken: ct)).Items : (await client.AppsV1.ListNamespacedReplicaSetAsync(ns, cancellationToken: ct)).Items);
        Add("StatefulSet", "apps/v1", ns is null ? (await client.AppsV1.ListStatefulSetForAllNamespacesAsync(cancellationToken: ct)).Items : (await client.AppsV1.ListNamespacedStatefulSetAsync(ns, cancellationToken: ct)).Items);
        Add("DaemonSet", "apps/v1", ns is null ? (await client.AppsV1.ListDaemonSetForAllNamespacesAsync(cancellationToken: ct)).Items : (await client.AppsV1.ListNamespacedDaemonSetAsync(ns, cancellationToken: ct)).Items);
        Add("Job", "batch/v1", ns is null ? (await client.BatchV1.ListJobForAllNamespacesAsync(cancellationToken: ct)).Items : (await client.BatchV1.ListNamespacedJobAsync(ns, cancellationToken: ct)).Items);
        Add("Service", "v1", ns is null ? (await client.CoreV1.ListServiceForAllNamespacesAsync(cancellationToken: ct)).Items : (await client.CoreV1.ListNamespacedServiceAsync(ns, cancellationToken: ct)).Items);
        Add("Endpoints", "v1", ns is null ? (await client.CoreV1.ListEndpointsForAllNamespacesAsync(cancellationToken: ct)).Items : (await client.CoreV1.ListNamespacedEndpointsAsync(ns, cancellationToken: ct)).Items);
        Add("Event", "v1", ns is null ? (await client.CoreV1.ListEventForAllNamespacesAsync(cancellationToken: ct)).Items : (await client.CoreV1.ListNamespacedEventAsync(ns, cancellationToken: ct)).Items);
        Add("PersistentVolumeClaim", "v1", ns is null ? (await client.CoreV1.ListPersistentVolumeClaimForAllNamespacesAsync(cancellationToken: ct)).Items : (await client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns, cancellationToken: ct)).Items);
        Add("ConfigMap", "v1", ns is null ? (await client.CoreV1.ListConfigMapForAllNamespacesAsync(cancellationToken: ct)).Items : (await client.CoreV1.ListNamespacedConfigMapAsync(ns, cancellationToken: ct)).Items);
        Add("Secret", "v1", ns is null ? (await client.CoreV1.ListSecretForAllNamespacesAsync(cancellationToken: ct)).Items : (await client.CoreV1.ListNamespacedSecretAsync(ns, cancellationToken: ct)).Items);
        try
        {
            Add("HorizontalPodAutoscaler", "autoscaling/v2", ns is null ? (await client.AutoscalingV2.ListHorizontalPodAutoscalerForAllNamespacesAsync(cancellationToken: ct)).Items : (await client.AutoscalingV2.ListNamespacedHorizontalPodAutoscalerAsync(ns, cancellationToken: ct)).Items);
            Add("PodDisruptionBudget", "policy/v1", ns is null ? (await client.PolicyV1.ListPodDisruptionBudgetForAllNamespacesAsync(cancellationToken: ct)).Items : (await client.PolicyV1.ListNamespacedPodDisruptionBudgetAsync(ns, cancellationToken: ct)).Items);
        }
        catch (k8s.Autorest.HttpOperationException)
        {
            // Optional kinds: a cluster without them is still diagnosed.
        }

        foreach (var pod in pods)
        {
            foreach (var cs in pod.Status?.ContainerStatuses ?? [])
            {
                var failing = cs.RestartCount > 0 || cs.State?.Waiting is not null || cs.LastState?.Terminated is not null;
                if (!failing)
                {
                    continue;
                }

                foreach (var previous in new[] { true, false })
                {
                    try
                    {
                        using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, container: cs.Name, previous: previous, tailLines: ClusterModelBuilder.LogTailLines, cancellationToken: ct);
                        using var reader = new StreamReader(stream);
                        var text = await reader.ReadToEndAsync(ct);
                        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                        if (lines.Length > 0)
                        {
                            builder.AddLog(new ContainerLog(pod.Metadata.NamespaceProperty, pod.Metadata.Name, cs.Name, previous, lines));
                        }
                    }
                    catch (k8s.Autorest.HttpOperationException)
                    {
                        // No previous instance, or logs unavailable: diagnosis says what is missing.
                    }
                }
            }
        }

        return builder.BuildAllowEmpty();
    }

    public static async Task<RespondDiagnosis> DiagnoseAsync(IKubernetes client, string? ns, TimeProvider time, CancellationToken ct)
    {
        var model = await ReadModelAsync(client, ns, ct);
        var result = DiagnosisEngine.Default.Diagnose(model, new DiagnoseOptions { Time = time });
        return new RespondDiagnosis(result.Findings, null, null);
    }
}
