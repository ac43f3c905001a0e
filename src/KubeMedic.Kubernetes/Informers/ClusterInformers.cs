using System.Text;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using KubeMedic.Core.Model.Parsing;

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
        const int PageSize = 500;
        Pods = new("Pod", "v1", (watch, rv, cont, ct) => client.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(
            allowWatchBookmarks: watch ? true : null, continueParameter: cont, limit: watch ? null : PageSize, resourceVersion: rv, timeoutSeconds: watch ? timeout : null, watch: watch, cancellationToken: ct), _changes.Writer, time, summarize: PodState.Of, trim: TrimPod);
        Deployments = new("Deployment", "apps/v1", (watch, rv, cont, ct) => client.AppsV1.ListDeploymentForAllNamespacesWithHttpMessagesAsync(
            allowWatchBookmarks: watch ? true : null, continueParameter: cont, limit: watch ? null : PageSize, resourceVersion: rv, timeoutSeconds: watch ? timeout : null, watch: watch, cancellationToken: ct), _changes.Writer, time);
        ReplicaSets = new("ReplicaSet", "apps/v1", (watch, rv, cont, ct) => client.AppsV1.ListReplicaSetForAllNamespacesWithHttpMessagesAsync(
            allowWatchBookmarks: watch ? true : null, continueParameter: cont, limit: watch ? null : PageSize, resourceVersion: rv, timeoutSeconds: watch ? timeout : null, watch: watch, cancellationToken: ct), _changes.Writer, time);
        Nodes = new("Node", "v1", (watch, rv, cont, ct) => client.CoreV1.ListNodeWithHttpMessagesAsync(
            allowWatchBookmarks: watch ? true : null, continueParameter: cont, limit: watch ? null : PageSize, resourceVersion: rv, timeoutSeconds: watch ? timeout : null, watch: watch, cancellationToken: ct), _changes.Writer, time);
        Events = new("Event", "v1", (watch, rv, cont, ct) => client.CoreV1.ListEventForAllNamespacesWithHttpMessagesAsync(
            allowWatchBookmarks: watch ? true : null, continueParameter: cont, limit: watch ? null : PageSize, resourceVersion: rv, timeoutSeconds: watch ? timeout : null, watch: watch, cancellationToken: ct), null, time, keep: KeepEvent);
        Pdbs = new("PodDisruptionBudget", "policy/v1", (watch, rv, cont, ct) => client.PolicyV1.ListPodDisruptionBudgetForAllNamespacesWithHttpMessagesAsync(
            allowWatchBookmarks: watch ? true : null, continueParameter: cont, limit: watch ? null : PageSize, resourceVersion: rv, timeoutSeconds: watch ? timeout : null, watch: watch, cancellationToken: ct), null, time);
    }

    /// <summary>
    /// Events the diagnosis reads: every Warning, and the Normal ones it quotes (Killing: liveness restarts; Evicted; Preempting).
    /// The routine Normal events (Scheduled, Pulled, Created, Started, ...) are not kept: on a big cluster they are most of the memory.
    /// </summary>
    public static bool KeepEvent(Corev1Event e) => e.Type != "Normal" || e.Reason is "Killing" or "Evicted" or "Preempting";

    /// <summary>
    /// Drops the pod fields the diagnosis never reads (node-local addresses, container runtime IDs, defaulted settings), about a third
    /// of a typical pod's JSON. What the model builder parses (spec containers, resources, probes, scheduling, status, owners) stays.
    /// </summary>
    public static void TrimPod(V1Pod pod)
    {
        if (pod.Metadata?.OwnerReferences is { } owners)
        {
            foreach (var o in owners)
            {
                o.BlockOwnerDeletion = null;
            }
        }

        if (pod.Spec is { } spec)
        {
            spec.DnsPolicy = null;
            spec.EnableServiceLinks = null;
            spec.SchedulerName = null;
            spec.SecurityContext = null;
            spec.ServiceAccount = null;
            spec.TerminationGracePeriodSeconds = null;
            spec.PreemptionPolicy = null;
            foreach (var c in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
            {
                c.TerminationMessagePath = null;
                c.TerminationMessagePolicy = null;
                c.ImagePullPolicy = null;
            }
        }

        if (pod.Status is { } status)
        {
            status.HostIP = null;
            status.HostIPs = null;
            status.PodIPs = null;
            foreach (var c in (status.ContainerStatuses ?? []).Concat(status.InitContainerStatuses ?? []))
            {
                c.ContainerID = null;
                c.ImageID = null;
            }

            foreach (var c in status.Conditions ?? [])
            {
                c.LastProbeTime = null;
            }
        }
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

    /// <summary>Every cached object as one <c>{"kind":"List","items":[...]}</c> document, read straight from the cache (no copy).</summary>
    public Stream OpenList() => new ConcatStream(ListParts());

    private IEnumerable<byte[]> ListParts()
    {
        yield return Encoding.UTF8.GetBytes("{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[");
        var comma = Encoding.UTF8.GetBytes(",");
        var first = true;
        foreach (var raw in Nodes.RawItems().Concat(Deployments.RawItems()).Concat(ReplicaSets.RawItems()).Concat(Pods.RawItems())
                     .Concat(Pdbs.RawItems()).Concat(Events.RawItems()))
        {
            if (!first)
            {
                yield return comma;
            }

            yield return raw;
            first = false;
        }

        yield return Encoding.UTF8.GetBytes("]}");
    }

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

/// <summary>Pod states as in the seed-001 status summary, computed once when a pod arrives.</summary>
public static class PodState
{
    public const byte Running = 1;
    public const byte Pending = 2;
    public const byte Error = 3;
    public const byte Succeeded = 4;

    public static byte Of(V1Pod pod)
    {
        var phase = pod.Status?.Phase;
        var bad = pod.Status?.ContainerStatuses?.Any(c => c.State?.Waiting?.Reason is { } r && r is not ("ContainerCreating" or "PodInitializing")) == true;
        return phase switch
        {
            "Succeeded" => Succeeded,
            "Pending" when !bad => Pending,
            "Running" when !bad => Running,
            _ => Error,
        };
    }
}

/// <summary>A read-only stream over a sequence of byte arrays.</summary>
internal sealed class ConcatStream(IEnumerable<byte[]> parts) : ReadOnlyStream
{
    private readonly IEnumerator<byte[]> _parts = parts.GetEnumerator();
    private byte[]? _current;
    private int _offset;

    public override bool CanSeek => false;
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var written = 0;
        while (written < buffer.Length)
        {
            if (_current is null || _offset >= _current.Length)
            {
                if (!_parts.MoveNext())
                {
                    break;
                }

                _current = _parts.Current;
                _offset = 0;
                continue;
            }

            var n = Math.Min(buffer.Length - written, _current.Length - _offset);
            _current.AsSpan(_offset, n).CopyTo(buffer[written..]);
            _offset += n;
            written += n;
        }

        return written;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _parts.Dispose();
        }

        base.Dispose(disposing);
    }
}
