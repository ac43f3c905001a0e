using System.Text;
using System.Threading.Channels;
using k8s;
using k8s.Models;

namespace KubeMedic.Kubernetes.Informers;

/// <summary>
/// The informers the autopilot watches (pods, deployments, replicasets, nodes, events, PDBs) sharing one change channel, and a
/// <c>kubectl get -o json</c>-shaped List of everything cached, for building the diagnosis model without another API round trip.
/// </summary>
public sealed class ClusterInformers
{
    private readonly Channel<InformerEvent> _changes = Channel.CreateBounded<InformerEvent>(new BoundedChannelOptions(100_000)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    public ClusterInformers(IKubernetes client, TimeProvider? time = null)
    {
        const int timeout = 300;
        Pods = new("Pod", "v1", (watch, rv, ct) => client.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(
            allowWatchBookmarks: watch ? true : null, resourceVersion: rv, timeoutSeconds: watch ? timeout : null, watch: watch, cancellationToken: ct), _changes.Writer, time);
        Deployments = new("Deployment", "apps/v1", (watch, rv, ct) => client.AppsV1.ListDeploymentForAllNamespacesWithHttpMessagesAsync(
            allowWatchBookmarks: watch ? true : null, resourceVersion: rv, timeoutSeconds: watch ? timeout : null, watch: watch, cancellationToken: ct), _changes.Writer, time);
        ReplicaSets = new("ReplicaSet", "apps/v1", (watch, rv, ct) => client.AppsV1.ListReplicaSetForAllNamespacesWithHttpMessagesAsync(
            allowWatchBookmarks: watch ? true : null, resourceVersion: rv, timeoutSeconds: watch ? timeout : null, watch: watch, cancellationToken: ct), _changes.Writer, time);
        Nodes = new("Node", "v1", (watch, rv, ct) => client.CoreV1.ListNodeWithHttpMessagesAsync(
            allowWatchBookmarks: watch ? true : null, resourceVersion: rv, timeoutSeconds: watch ? timeout : null, watch: watch, cancellationToken: ct), _changes.Writer, time);
        Events = new("Event", "v1", (watch, rv, ct) => client.CoreV1.ListEventForAllNamespacesWithHttpMessagesAsync(
            allowWatchBookmarks: watch ? true : null, resourceVersion: rv, timeoutSeconds: watch ? timeout : null, watch: watch, cancellationToken: ct), null, time);
        Pdbs = new("PodDisruptionBudget", "policy/v1", (watch, rv, ct) => client.PolicyV1.ListPodDisruptionBudgetForAllNamespacesWithHttpMessagesAsync(
            allowWatchBookmarks: watch ? true : null, resourceVersion: rv, timeoutSeconds: watch ? timeout : null, watch: watch, cancellationToken: ct), null, time);
    }

    public Informer<V1Pod, V1PodList> Pods { get; }
    public Informer<V1Deployment, V1DeploymentList> Deployments { get; }
    public Informer<V1ReplicaSet, V1ReplicaSetList> ReplicaSets { get; }
    public Informer<V1Node, V1NodeList> Nodes { get; }
    public Informer<Corev1Event, Corev1EventList> Events { get; }
    public Informer<V1PodDisruptionBudget, V1PodDisruptionBudgetList> Pdbs { get; }

    public ChannelReader<InformerEvent> Changes => _changes.Reader;

    public IEnumerable<InformerStats> AllStats => [Pods.Stats, Deployments.Stats, ReplicaSets.Stats, Nodes.Stats, Events.Stats, Pdbs.Stats];

    public Task RunAsync(CancellationToken ct) => Task.WhenAll(
        Pods.RunAsync(ct), Deployments.RunAsync(ct), ReplicaSets.RunAsync(ct), Nodes.RunAsync(ct), Events.RunAsync(ct), Pdbs.RunAsync(ct));

    public Task WaitForSyncAsync(CancellationToken ct) =>
        Task.WhenAll(Pods.Synced, Deployments.Synced, ReplicaSets.Synced, Nodes.Synced, Events.Synced, Pdbs.Synced).WaitAsync(ct);

    /// <summary>Writes every cached object as one <c>{"kind":"List","items":[...]}</c> document.</summary>
    public void WriteList(Stream output)
    {
        var comma = Encoding.UTF8.GetBytes(",");
        var head = Encoding.UTF8.GetBytes("{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[");
        output.Write(head);
        var first = true;
        foreach (var raw in Nodes.RawItems().Concat(Deployments.RawItems()).Concat(ReplicaSets.RawItems()).Concat(Pods.RawItems())
                     .Concat(Pdbs.RawItems()).Concat(Events.RawItems()))
        {
            if (!first)
            {
                output.Write(comma);
            }

            output.Write(raw);
            first = false;
        }

        output.Write(Encoding.UTF8.GetBytes("]}"));
    }
}
