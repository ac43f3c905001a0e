using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KubeMedic.Core;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Remedies;

namespace KubeMedic.Kubernetes.Repair;

/// <summary>
/// Reads, patches and deletes the kinds remedies touch, through the official KubernetesClient, as raw JSON objects
/// (the shape <c>kubectl get -o json</c> prints).
/// </summary>
public sealed class KubeObjectApi(IKubernetes client)
{
    public IKubernetes Client { get; } = client;

    /// <summary>Retries on 429, 5xx and dropped connections (every remedy patch sets absolute values, so a repeat is harmless).</summary>
    public int Retries { get; init; } = 4;

    private Task<T> Retry<T>(Func<Task<T>> call, CancellationToken ct) => RetryTransientAsync(call, Retries + 1, TimeSpan.FromMilliseconds(200), ct);

    /// <summary>
    /// Calls <paramref name="call"/> up to <paramref name="attempts"/> times while it fails with a <see cref="Transient"/> error,
    /// waiting <paramref name="firstDelay"/>, then twice as long each time (at most 2 s).
    /// </summary>
    public static async Task<T> RetryTransientAsync<T>(Func<Task<T>> call, int attempts, TimeSpan firstDelay, CancellationToken ct)
    {
        var delay = firstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (attempt < attempts && Transient(ex) && !ct.IsCancellationRequested)
            {
                await Task.Delay(delay, ct);
                delay = Doubled(delay, TimeSpan.FromSeconds(2));
            }
        }
    }

    /// <summary>The next delay of an exponential backoff: twice <paramref name="delay"/>, at most <paramref name="max"/>.</summary>
    internal static TimeSpan Doubled(TimeSpan delay, TimeSpan max) => TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, max.Ticks));

    public static bool Transient(Exception ex) => ex switch
    {
        HttpOperationException h => (int)h.Response.StatusCode is 429 or >= 500,
        HttpRequestException or IOException => true,
        _ => false,
    };

    public async Task<JsonObject?> GetAsync(ObjectRef obj, CancellationToken ct)
    {
        try
        {
            var value = await Retry<object?>(async () => obj.Kind switch
            {
                "Deployment" => await Client.AppsV1.ReadNamespacedDeploymentAsync(obj.Name, Ns(obj), cancellationToken: ct),
                "StatefulSet" => await Client.AppsV1.ReadNamespacedStatefulSetAsync(obj.Name, Ns(obj), cancellationToken: ct),
                "DaemonSet" => await Client.AppsV1.ReadNamespacedDaemonSetAsync(obj.Name, Ns(obj), cancellationToken: ct),
                "ReplicaSet" => await Client.AppsV1.ReadNamespacedReplicaSetAsync(obj.Name, Ns(obj), cancellationToken: ct),
                "Pod" => await Client.CoreV1.ReadNamespacedPodAsync(obj.Name, Ns(obj), cancellationToken: ct),
                "Node" => await Client.CoreV1.ReadNodeAsync(obj.Name, cancellationToken: ct),
                _ => throw new UserInputException($"kind '{obj.Kind}' is not supported by fix (Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod, Node)"),
            }, ct);
            return ToJson(value, obj.Kind);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<JsonObject> PatchAsync(ObjectRef obj, JsonNode patch, PatchKind kind, CancellationToken ct)
    {
        var body = new V1Patch(patch.ToJsonString(), kind switch
        {
            PatchKind.Strategic => V1Patch.PatchType.StrategicMergePatch,
            PatchKind.Merge => V1Patch.PatchType.MergePatch,
            _ => V1Patch.PatchType.JsonPatch,
        });
        const string manager = "kubemedic";
        var result = await Retry<object>(async () => obj.Kind switch
        {
            "Deployment" => await Client.AppsV1.PatchNamespacedDeploymentAsync(body, obj.Name, Ns(obj), fieldManager: manager, cancellationToken: ct),
            "StatefulSet" => await Client.AppsV1.PatchNamespacedStatefulSetAsync(body, obj.Name, Ns(obj), fieldManager: manager, cancellationToken: ct),
            "DaemonSet" => await Client.AppsV1.PatchNamespacedDaemonSetAsync(body, obj.Name, Ns(obj), fieldManager: manager, cancellationToken: ct),
            "Pod" => await Client.CoreV1.PatchNamespacedPodAsync(body, obj.Name, Ns(obj), fieldManager: manager, cancellationToken: ct),
            _ => throw new UserInputException($"kind '{obj.Kind}' cannot be patched by fix"),
        }, ct);
        return ToJson(result, obj.Kind)!;
    }

    public async Task DeletePodAsync(ObjectRef pod, CancellationToken ct)
    {
        try
        {
            await Retry<object>(async () => await Client.CoreV1.DeleteNamespacedPodAsync(pod.Name, Ns(pod), new V1DeleteOptions { GracePeriodSeconds = 0, PropagationPolicy = "Background" }, gracePeriodSeconds: 0, cancellationToken: ct), ct);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // already gone (a retried delete that had landed, or the controller was faster): the goal is met
        }
    }

    public async Task<IReadOnlyList<JsonObject>> ReplicaSetsAsync(string ns, CancellationToken ct) =>
        Items((await Retry(() => Client.AppsV1.ListNamespacedReplicaSetAsync(ns, cancellationToken: ct), ct)).Items, "ReplicaSet");

    public async Task<IReadOnlyList<JsonObject>> PodsAsync(string ns, string? labelSelector, CancellationToken ct) =>
        Items((await Retry(() => Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labelSelector, cancellationToken: ct), ct)).Items, "Pod");

    public async Task<IReadOnlyList<JsonObject>> NodesAsync(CancellationToken ct) =>
        Items((await Retry(() => Client.CoreV1.ListNodeAsync(cancellationToken: ct), ct)).Items, "Node");

    public async Task<IReadOnlyList<JsonObject>> PdbsAsync(string? ns, CancellationToken ct) =>
        Items((await Retry(() => ns is null ? Client.PolicyV1.ListPodDisruptionBudgetForAllNamespacesAsync(cancellationToken: ct)
            : Client.PolicyV1.ListNamespacedPodDisruptionBudgetAsync(ns, cancellationToken: ct), ct)).Items, "PodDisruptionBudget");

    public async Task<IReadOnlyList<JsonObject>> PriorityClassesAsync(CancellationToken ct) =>
        Items((await Retry(() => Client.SchedulingV1.ListPriorityClassAsync(cancellationToken: ct), ct)).Items, "PriorityClass");

    public async Task<IReadOnlyList<JsonObject>> DeploymentsAsync(CancellationToken ct) =>
        Items((await Retry(() => Client.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: ct), ct)).Items, "Deployment");

    private static string Ns(ObjectRef obj) => obj.Namespace ?? throw new UserInputException($"{obj.Kind}/{obj.Name} needs a namespace (KIND/NAMESPACE/NAME)");

    public static JsonObject? ToJson(object? value, string kind)
    {
        if (value is null)
        {
            return null;
        }

        var node = JsonNode.Parse(KubernetesJson.Serialize(value))!.AsObject();
        node["kind"] ??= kind;
        node["apiVersion"] ??= kind switch
        {
            "Deployment" or "StatefulSet" or "DaemonSet" or "ReplicaSet" => "apps/v1",
            "PodDisruptionBudget" => "policy/v1",
            "PriorityClass" => "scheduling.k8s.io/v1",
            _ => "v1",
        };
        return node;
    }

    private static List<JsonObject> Items<T>(IEnumerable<T> items, string kind) => items.Select(i => ToJson(i, kind)!).ToList();
}
