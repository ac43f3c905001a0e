using System.Net;
using System.Net.Sockets;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeMedic.Core;
using KubeMedic.Core.Model;

namespace KubeMedic.Kubernetes.Sources;

/// <summary>
/// A live cluster through the official KubernetesClient: one paged LIST (limit/continue) per kind, scoped by namespace
/// and label selector; Secrets are reduced to names and keys before anything else sees them; logs (current and
/// previous, last lines) are fetched only for failing containers.
/// </summary>
public sealed class LiveSource : IClusterSource, IDisposable
{
    /// <summary>Items per LIST page.</summary>
    public const int PageSize = 500;

    /// <summary>At most this many failing containers get their logs fetched.</summary>
    public const int MaxLogContainers = 20;

    private readonly IKubernetes _client;
    private readonly string _description;

    public LiveSource(KubernetesClientConfiguration config)
    {
        _client = KubeClients.Create(config);
        _description = $"cluster {config.Host}" + (config.CurrentContext is { } ctx ? $" (context {ctx})" : "");
    }

    public LiveSource(IKubernetes client, string description)
    {
        _client = client;
        _description = description;
    }

    public string Description => _description;

    /// <summary>Number of LIST requests made (pages), for tests and progress output.</summary>
    public int Requests { get; private set; }

    /// <summary>Kinds skipped because the API refused them (403/404), e.g. no RBAC for Secrets.</summary>
    public List<string> SkippedKinds { get; } = [];

    public async Task<ClusterModel> LoadAsync(ClusterScope scope, CancellationToken cancellationToken)
    {
        var builder = new ClusterModelBuilder();
        await foreach (var (kind, page) in ListAllAsync(scope, cancellationToken))
        {
            using var json = new MemoryStream(Encoding.UTF8.GetBytes(SerializeList(page)));
            builder.AddJson(json, $"{_description} {kind} list", defaultKind: kind);
        }

        var model = builder.BuildAllowEmpty();
        foreach (var log in await FetchFailingLogsAsync(model, cancellationToken))
        {
            builder.AddLog(log);
        }

        return builder.BuildAllowEmpty();
    }

    public async Task<string?> GetLogsAsync(string ns, string pod, string container, bool previous, int tailLines, CancellationToken cancellationToken)
    {
        try
        {
            using var stream = await _client.CoreV1.ReadNamespacedPodLogAsync(pod, ns, container: container, previous: previous, tailLines: tailLines, cancellationToken: cancellationToken);
            using var reader = new StreamReader(stream);
            return await reader.ReadToEndAsync(cancellationToken);
        }
        catch (HttpOperationException)
        {
            return null;
        }
    }

    /// <summary>Every object of every kind, page by page, with kind/apiVersion set and Secret values removed.</summary>
    public async IAsyncEnumerable<(string Kind, IReadOnlyList<IKubernetesObject> Items)> ListAllAsync(
        ClusterScope scope, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var spec in Kinds)
        {
            string? cont = null;
            do
            {
                (IReadOnlyList<IKubernetesObject> Items, string? Continue) page;
                try
                {
                    Requests++;
                    var ns = spec.Namespaced ? scope.Namespace : null;
                    var selector = spec.UsesSelector ? scope.LabelSelector : null;
                    page = await spec.List(_client, ns, selector, cont, cancellationToken);
                }
                catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
                {
                    SkippedKinds.Add($"{spec.Kind} ({(int)ex.Response.StatusCode})");
                    break;
                }
                catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    throw new UserInputException($"{_description}: unauthorized (401) — the kubeconfig credentials were rejected");
                }
                catch (HttpRequestException ex) when (ex.InnerException is SocketException or IOException || ex.HttpRequestError is not HttpRequestError.Unknown)
                {
                    throw new UserInputException($"{_description}: cannot reach the API server: {ex.Message.ReplaceLineEndings(" ")}", ex);
                }

                foreach (var item in page.Items)
                {
                    item.Kind = spec.Kind;
                    item.ApiVersion = spec.ApiVersion;
                    if (item is V1Secret secret)
                    {
                        RedactSecret(secret);
                    }
                }

                yield return (spec.Kind, page.Items);
                cont = string.IsNullOrEmpty(page.Continue) ? null : page.Continue;
            }
            while (cont is not null);
        }
    }

    /// <summary>Keeps a Secret's keys, drops every value (and the last-applied annotation, which holds the values).</summary>
    public static void RedactSecret(V1Secret secret)
    {
        var keys = (secret.Data?.Keys ?? Enumerable.Empty<string>()).Concat(secret.StringData?.Keys ?? Enumerable.Empty<string>()).Distinct().ToList();
        secret.Data = keys.ToDictionary(k => k, _ => Array.Empty<byte>());
        secret.StringData = null;
        secret.Metadata?.Annotations?.Clear();
        if (secret.Metadata?.ManagedFields is not null)
        {
            secret.Metadata.ManagedFields = null;
        }
    }

    /// <summary>Serialises a page as a kubectl-shaped v1 List.</summary>
    public static string SerializeList(IReadOnlyList<IKubernetesObject> items)
    {
        var sb = new StringBuilder("{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[");
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append(KubernetesJson.Serialize(items[i]));
        }

        return sb.Append("],\"metadata\":{\"resourceVersion\":\"\"}}").ToString();
    }

    private async Task<List<ContainerLog>> FetchFailingLogsAsync(ClusterModel model, CancellationToken ct)
    {
        var logs = new List<ContainerLog>();
        var failing = model.Pods
            .SelectMany(p => p.ContainerStatuses.Select(c => (Pod: p, Status: c)))
            .Where(x => x.Status.State is { IsWaiting: true, Reason: "CrashLoopBackOff" or "Error" } or { IsTerminated: true, ExitCode: not 0 and not null }
                        || x.Status.LastState is { IsTerminated: true, ExitCode: not 0 and not null })
            .Take(MaxLogContainers);
        foreach (var (pod, status) in failing)
        {
            foreach (var previous in new[] { true, false })
            {
                if (previous && status.LastState is not { IsTerminated: true })
                {
                    continue;
                }

                var text = await GetLogsAsync(pod.Namespace ?? "", pod.Name, status.Name, previous, ClusterModelBuilder.LogTailLines, ct);
                if (!string.IsNullOrEmpty(text))
                {
                    logs.Add(new ContainerLog(pod.Namespace ?? "", pod.Name, status.Name, previous, text.TrimEnd('\n').Split('\n')));
                }
            }
        }

        return logs;
    }

    public void Dispose() => (_client as IDisposable)?.Dispose();

    private delegate Task<(IReadOnlyList<IKubernetesObject> Items, string? Continue)> Lister(IKubernetes c, string? ns, string? selector, string? cont, CancellationToken ct);

    private sealed record KindSpec(string Kind, string ApiVersion, bool Namespaced, bool UsesSelector, Lister List);

    private static async Task<(IReadOnlyList<IKubernetesObject>, string?)> Page<TList, T>(Task<TList> task)
        where TList : IKubernetesObject<V1ListMeta>, IItems<T>
        where T : IKubernetesObject
    {
        var list = await task;
        return (list.Items.Cast<IKubernetesObject>().ToList(), list.Metadata?.ContinueProperty);
    }

    private static readonly KindSpec[] Kinds =
    [
        new("Namespace", "v1", false, false, (c, _, _, cont, ct) => Page<V1NamespaceList, V1Namespace>(c.CoreV1.ListNamespaceAsync(continueParameter: cont, limit: PageSize, cancellationToken: ct))),
        new("Node", "v1", false, false, (c, _, _, cont, ct) => Page<V1NodeList, V1Node>(c.CoreV1.ListNodeAsync(continueParameter: cont, limit: PageSize, cancellationToken: ct))),
        new("Pod", "v1", true, true, (c, ns, sel, cont, ct) => Page<V1PodList, V1Pod>(ns is null
            ? c.CoreV1.ListPodForAllNamespacesAsync(continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct)
            : c.CoreV1.ListNamespacedPodAsync(ns, continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct))),
        new("Deployment", "apps/v1", true, true, (c, ns, sel, cont, ct) => Page<V1DeploymentList, V1Deployment>(ns is null
            ? c.AppsV1.ListDeploymentForAllNamespacesAsync(continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct)
            : c.AppsV1.ListNamespacedDeploymentAsync(ns, continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct))),
        new("ReplicaSet", "apps/v1", true, true, (c, ns, sel, cont, ct) => Page<V1ReplicaSetList, V1ReplicaSet>(ns is null
            ? c.AppsV1.ListReplicaSetForAllNamespacesAsync(continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct)
            : c.AppsV1.ListNamespacedReplicaSetAsync(ns, continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct))),
        new("StatefulSet", "apps/v1", true, true, (c, ns, sel, cont, ct) => Page<V1StatefulSetList, V1StatefulSet>(ns is null
            ? c.AppsV1.ListStatefulSetForAllNamespacesAsync(continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct)
            : c.AppsV1.ListNamespacedStatefulSetAsync(ns, continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct))),
        new("DaemonSet", "apps/v1", true, true, (c, ns, sel, cont, ct) => Page<V1DaemonSetList, V1DaemonSet>(ns is null
            ? c.AppsV1.ListDaemonSetForAllNamespacesAsync(continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct)
            : c.AppsV1.ListNamespacedDaemonSetAsync(ns, continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct))),
        new("Job", "batch/v1", true, true, (c, ns, sel, cont, ct) => Page<V1JobList, V1Job>(ns is null
            ? c.BatchV1.ListJobForAllNamespacesAsync(continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct)
            : c.BatchV1.ListNamespacedJobAsync(ns, continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct))),
        new("CronJob", "batch/v1", true, true, (c, ns, sel, cont, ct) => Page<V1CronJobList, V1CronJob>(ns is null
            ? c.BatchV1.ListCronJobForAllNamespacesAsync(continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct)
            : c.BatchV1.ListNamespacedCronJobAsync(ns, continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct))),
        new("Service", "v1", true, true, (c, ns, sel, cont, ct) => Page<V1ServiceList, V1Service>(ns is null
            ? c.CoreV1.ListServiceForAllNamespacesAsync(continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct)
            : c.CoreV1.ListNamespacedServiceAsync(ns, continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct))),
        new("Endpoints", "v1", true, false, (c, ns, _, cont, ct) => Page<V1EndpointsList, V1Endpoints>(ns is null
            ? c.CoreV1.ListEndpointsForAllNamespacesAsync(continueParameter: cont, limit: PageSize, cancellationToken: ct)
            : c.CoreV1.ListNamespacedEndpointsAsync(ns, continueParameter: cont, limit: PageSize, cancellationToken: ct))),
        new("Ingress", "networking.k8s.io/v1", true, false, (c, ns, _, cont, ct) => Page<V1IngressList, V1Ingress>(ns is null
            ? c.NetworkingV1.ListIngressForAllNamespacesAsync(continueParameter: cont, limit: PageSize, cancellationToken: ct)
            : c.NetworkingV1.ListNamespacedIngressAsync(ns, continueParameter: cont, limit: PageSize, cancellationToken: ct))),
        new("NetworkPolicy", "networking.k8s.io/v1", true, false, (c, ns, _, cont, ct) => Page<V1NetworkPolicyList, V1NetworkPolicy>(ns is null
            ? c.NetworkingV1.ListNetworkPolicyForAllNamespacesAsync(continueParameter: cont, limit: PageSize, cancellationToken: ct)
            : c.NetworkingV1.ListNamespacedNetworkPolicyAsync(ns, continueParameter: cont, limit: PageSize, cancellationToken: ct))),
        new("Event", "v1", true, false, (c, ns, _, cont, ct) => Page<Corev1EventList, Corev1Event>(ns is null
            ? c.CoreV1.ListEventForAllNamespacesAsync(continueParameter: cont, limit: PageSize, cancellationToken: ct)
            : c.CoreV1.ListNamespacedEventAsync(ns, continueParameter: cont, limit: PageSize, cancellationToken: ct))),
        new("PersistentVolumeClaim", "v1", true, true, (c, ns, sel, cont, ct) => Page<V1PersistentVolumeClaimList, V1PersistentVolumeClaim>(ns is null
            ? c.CoreV1.ListPersistentVolumeClaimForAllNamespacesAsync(continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct)
            : c.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns, continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct))),
        new("HorizontalPodAutoscaler", "autoscaling/v2", true, true, (c, ns, sel, cont, ct) => Page<V2HorizontalPodAutoscalerList, V2HorizontalPodAutoscaler>(ns is null
            ? c.AutoscalingV2.ListHorizontalPodAutoscalerForAllNamespacesAsync(continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct)
            : c.AutoscalingV2.ListNamespacedHorizontalPodAutoscalerAsync(ns, continueParameter: cont, labelSelector: sel, limit: PageSize, cancellationToken: ct))),
        new("PodDisruptionBudget", "policy/v1", true, false, (c, ns, _, cont, ct) => Page<V1PodDisruptionBudgetList, V1PodDisruptionBudget>(ns is null
            ? c.PolicyV1.ListPodDisruptionBudgetForAllNamespacesAsync(continueParameter: cont, limit: PageSize, cancellationToken: ct)
            : c.PolicyV1.ListNamespacedPodDisruptionBudgetAsync(ns, continueParameter: cont, limit: PageSize, cancellationToken: ct))),
        new("ConfigMap", "v1", true, false, (c, ns, _, cont, ct) => Page<V1ConfigMapList, V1ConfigMap>(ns is null
            ? c.CoreV1.ListConfigMapForAllNamespacesAsync(continueParameter: cont, limit: PageSize, cancellationToken: ct)
            : c.CoreV1.ListNamespacedConfigMapAsync(ns, continueParameter: cont, limit: PageSize, cancellationToken: ct))),
        new("Secret", "v1", true, false, (c, ns, _, cont, ct) => Page<V1SecretList, V1Secret>(ns is null
            ? c.CoreV1.ListSecretForAllNamespacesAsync(continueParameter: cont, limit: PageSize, cancellationToken: ct)
            : c.CoreV1.ListNamespacedSecretAsync(ns, continueParameter: cont, limit: PageSize, cancellationToken: ct))),
    ];
}
