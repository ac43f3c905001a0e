using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Model;

/// <summary>A label selector: matchLabels AND matchExpressions.</summary>
public sealed class LabelSelectorInfo
{
    public IReadOnlyDictionary<string, string> MatchLabels { get; internal set; } = EmptyMap.Instance;
    public IReadOnlyList<NodeSelectorRequirement> MatchExpressions { get; internal set; } = [];

    public bool IsEmpty => MatchLabels.Count == 0 && MatchExpressions.Count == 0;

    /// <summary>True if the labels satisfy the selector. An empty selector matches everything.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (key, value) in MatchLabels)
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        foreach (var req in MatchExpressions)
        {
            var has = labels.TryGetValue(req.Key, out var actual);
            var ok = req.Operator switch
            {
                "In" => has && req.Values.Contains(actual!),
                "NotIn" => !has || !req.Values.Contains(actual!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() => string.Join(",", MatchLabels.Select(kv => $"{kv.Key}={kv.Value}").Concat(MatchExpressions.Select(e => e.ToString())));
}

/// <summary>A pod.</summary>
public sealed class PodInfo : KubeObject
{
    public override string Kind => "Pod";
    public PodSpecInfo Spec { get; internal set; } = new();
    public string? Phase { get; internal set; }
    /// <summary>status.reason, e.g. Evicted, NodeLost.</summary>
    public string? Reason { get; internal set; }
    public string? Message { get; internal set; }
    public IReadOnlyList<Condition> Conditions { get; internal set; } = [];
    public IReadOnlyList<ContainerStatusInfo> ContainerStatuses { get; internal set; } = [];
    public IReadOnlyList<ContainerStatusInfo> InitContainerStatuses { get; internal set; } = [];
    public DateTimeOffset? StartTime { get; internal set; }
    public string? PodIP { get; internal set; }
    public string? QosClass { get; internal set; }

    public Condition? FindCondition(string type) => Condition.Find(Conditions, type);

    public bool IsReady => FindCondition("Ready")?.IsTrue == true;

    /// <summary>Succeeded pods, and Failed pods of Jobs, are finished work rather than running services.</summary>
    public bool IsCompleted => Phase == "Succeeded";

    public int TotalRestarts => ContainerStatuses.Sum(c => c.RestartCount);
}

/// <summary>A node.</summary>
public sealed class NodeInfo : KubeObject
{
    public override string Kind => "Node";
    public IReadOnlyList<Condition> Conditions { get; internal set; } = [];
    public ResourceAmounts Allocatable { get; internal set; } = ResourceAmounts.None;
    public ResourceAmounts Capacity { get; internal set; } = ResourceAmounts.None;
    public IReadOnlyList<Taint> Taints { get; internal set; } = [];
    public bool Unschedulable { get; internal set; }

    public Condition? FindCondition(string type) => Condition.Find(Conditions, type);

    /// <summary>Ready condition is True. A node without conditions counts as ready (nothing says otherwise).</summary>
    public bool IsReady => FindCondition("Ready") is not { } ready || ready.IsTrue;

    /// <summary>The kubelet's last heartbeat (Ready condition lastHeartbeatTime).</summary>
    public DateTimeOffset? LastHeartbeat => FindCondition("Ready")?.LastHeartbeatTime;
}

/// <summary>Rolling update parameters, as written (int or percentage).</summary>
public sealed record RolloutStrategy(string Type, string? MaxUnavailable, string? MaxSurge);

/// <summary>Fields shared by workload controllers that own pods through a template and a selector.</summary>
public abstract class WorkloadObject : KubeObject
{
    public LabelSelectorInfo Selector { get; internal set; } = new();
    public PodTemplateInfo Template { get; internal set; } = new();
    public IReadOnlyList<Condition> Conditions { get; internal set; } = [];

    public Condition? FindCondition(string type) => Condition.Find(Conditions, type);

    /// <summary>The images of the template's containers.</summary>
    public IEnumerable<string> Images => Template.Spec.Containers.Select(c => c.Image);
}

/// <summary>A Deployment.</summary>
public sealed class DeploymentInfo : WorkloadObject
{
    public override string Kind => "Deployment";
    /// <summary>spec.replicas; null when unset (the API defaults it to 1).</summary>
    public int? Replicas { get; internal set; }
    public RolloutStrategy Strategy { get; internal set; } = new("RollingUpdate", "25%", "25%");
    public int? ProgressDeadlineSeconds { get; internal set; }
    public bool Paused { get; internal set; }
    public long ObservedGeneration { get; internal set; }
    public int StatusReplicas { get; internal set; }
    public int UpdatedReplicas { get; internal set; }
    public int ReadyReplicas { get; internal set; }
    public int AvailableReplicas { get; internal set; }
    public int UnavailableReplicas { get; internal set; }

    public int DesiredReplicas => Replicas ?? 1;

    /// <summary>The deployment.kubernetes.io/revision annotation.</summary>
    public long? Revision => Annotations.TryGetValue("deployment.kubernetes.io/revision", out var r) && long.TryParse(r, out var v) ? v : null;
}

/// <summary>A ReplicaSet.</summary>
public sealed class ReplicaSetInfo : WorkloadObject
{
    public override string Kind => "ReplicaSet";
    public int? Replicas { get; internal set; }
    public int StatusReplicas { get; internal set; }
    public int ReadyReplicas { get; internal set; }
    public int AvailableReplicas { get; internal set; }

    public long? Revision => Annotations.TryGetValue("deployment.kubernetes.io/revision", out var r) && long.TryParse(r, out var v) ? v : null;
}

/// <summary>A StatefulSet.</summary>
public sealed class StatefulSetInfo : WorkloadObject
{
    public override string Kind => "StatefulSet";
    public int? Replicas { get; internal set; }
    public string? ServiceName { get; internal set; }
    public string? UpdateStrategyType { get; internal set; }
    public int StatusReplicas { get; internal set; }
    public int ReadyReplicas { get; internal set; }
    public int AvailableReplicas { get; internal set; }
    public int UpdatedReplicas { get; internal set; }
    public string? CurrentRevision { get; internal set; }
    public string? UpdateRevision { get; internal set; }

    public int DesiredReplicas => Replicas ?? 1;
}

/// <summary>A DaemonSet.</summary>
public sealed class DaemonSetInfo : WorkloadObject
{
    public override string Kind => "DaemonSet";
    public int DesiredNumberScheduled { get; internal set; }
    public int CurrentNumberScheduled { get; internal set; }
    public int NumberReady { get; internal set; }
    public int NumberAvailable { get; internal set; }
    public int NumberUnavailable { get; internal set; }
    public int NumberMisscheduled { get; internal set; }
    public int UpdatedNumberScheduled { get; internal set; }
}

/// <summary>A Job.</summary>
public sealed class JobInfo : WorkloadObject
{
    public override string Kind => "Job";
    public int? Completions { get; internal set; }
    public int? Parallelism { get; internal set; }
    public int? BackoffLimit { get; internal set; }
    public bool Suspend { get; internal set; }
    public int Active { get; internal set; }
    public int Succeeded { get; internal set; }
    public int Failed { get; internal set; }
    public DateTimeOffset? StartTime { get; internal set; }
    public DateTimeOffset? CompletionTime { get; internal set; }

    /// <summary>Complete=True or SuccessCriteriaMet=True: the job succeeded, even after retries.</summary>
    public bool IsComplete => FindCondition("Complete")?.IsTrue == true || FindCondition("SuccessCriteriaMet")?.IsTrue == true;

    public bool IsFailed => FindCondition("Failed")?.IsTrue == true;
}

/// <summary>A CronJob.</summary>
public sealed class CronJobInfo : WorkloadObject
{
    public override string Kind => "CronJob";
    public string Schedule { get; internal set; } = "";
    public bool Suspend { get; internal set; }
    public int? StartingDeadlineSeconds { get; internal set; }
    public DateTimeOffset? LastScheduleTime { get; internal set; }
    public DateTimeOffset? LastSuccessfulTime { get; internal set; }
    public int ActiveJobs { get; internal set; }
}

/// <summary>A Service port.</summary>
public sealed record ServicePort(string? Name, int Port, string? TargetPort, string Protocol, int? NodePort);

/// <summary>A Service.</summary>
public sealed class ServiceInfo : KubeObject
{
    public override string Kind => "Service";
    public string Type { get; internal set; } = "ClusterIP";
    public string? ClusterIP { get; internal set; }
    public IReadOnlyDictionary<string, string> Selector { get; internal set; } = EmptyMap.Instance;
    public IReadOnlyList<ServicePort> Ports { get; internal set; } = [];
    public string? ExternalName { get; internal set; }

    /// <summary>True if the selector matches the labels (an empty selector matches nothing: such Services have manual endpoints).</summary>
    public bool Selects(IReadOnlyDictionary<string, string> labels) =>
        Selector.Count > 0 && Selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);
}

/// <summary>An endpoint address: IP, the pod it points to, and the node.</summary>
public sealed record EndpointAddress(string? Ip, string? TargetKind, string? TargetName, string? NodeName);

/// <summary>An Endpoints object, flattened over subsets.</summary>
public sealed class EndpointsInfo : KubeObject
{
    public override string Kind => "Endpoints";
    public IReadOnlyList<EndpointAddress> ReadyAddresses { get; internal set; } = [];
    public IReadOnlyList<EndpointAddress> NotReadyAddresses { get; internal set; } = [];
    public IReadOnlyList<int> Ports { get; internal set; } = [];
}

/// <summary>
/// An event, deduplicated: events with the same involved object, reason and message are merged, counts summed,
/// first/last timestamps widened.
/// </summary>
public sealed class EventInfo : KubeObject
{
    public override string Kind => "Event";
    public ObjectRef InvolvedObject { get; internal set; } = new("", null, "");
    public string? InvolvedUid { get; internal set; }
    public string? FieldPath { get; internal set; }
    public string Reason { get; internal set; } = "";
    public string Message { get; internal set; } = "";
    /// <summary>Normal or Warning.</summary>
    public string Type { get; internal set; } = "Normal";
    public int Count { get; internal set; } = 1;
    public DateTimeOffset? FirstTimestamp { get; internal set; }
    public DateTimeOffset? LastTimestamp { get; internal set; }
    public string? SourceComponent { get; internal set; }

    public bool IsWarning => Type == "Warning";

    /// <summary>The best timestamp for ordering: last, else first, else creation.</summary>
    public DateTimeOffset? When => LastTimestamp ?? FirstTimestamp ?? CreationTimestamp;
}

/// <summary>A PersistentVolumeClaim.</summary>
public sealed class PvcInfo : KubeObject
{
    public override string Kind => "PersistentVolumeClaim";
    public string? Phase { get; internal set; }
    public string? StorageClassName { get; internal set; }
    public string? VolumeName { get; internal set; }
    public string? RequestedStorage { get; internal set; }
    public IReadOnlyList<string> AccessModes { get; internal set; } = [];
}

/// <summary>A HorizontalPodAutoscaler (autoscaling/v2 or v1).</summary>
public sealed class HpaInfo : KubeObject
{
    public override string Kind => "HorizontalPodAutoscaler";
    public string TargetKind { get; internal set; } = "";
    public string TargetName { get; internal set; } = "";
    public int? MinReplicas { get; internal set; }
    public int MaxReplicas { get; internal set; }
    public int CurrentReplicas { get; internal set; }
    public int DesiredReplicas { get; internal set; }
    public IReadOnlyList<Condition> Conditions { get; internal set; } = [];

    public Condition? FindCondition(string type) => Condition.Find(Conditions, type);
}

/// <summary>A PodDisruptionBudget.</summary>
public sealed class PdbInfo : KubeObject
{
    public override string Kind => "PodDisruptionBudget";
    public string? MinAvailable { get; internal set; }
    public string? MaxUnavailable { get; internal set; }
    public LabelSelectorInfo Selector { get; internal set; } = new();
    public int CurrentHealthy { get; internal set; }
    public int DesiredHealthy { get; internal set; }
    public int DisruptionsAllowed { get; internal set; }
    public int ExpectedPods { get; internal set; }
}

/// <summary>A Namespace.</summary>
public sealed class NamespaceInfo : KubeObject
{
    public override string Kind => "Namespace";
    public string? Phase { get; internal set; }
}

/// <summary>A ConfigMap: name and keys only.</summary>
public sealed class ConfigMapInfo : KubeObject
{
    public override string Kind => "ConfigMap";
    public IReadOnlyList<string> Keys { get; internal set; } = [];
}

/// <summary>A Secret: name, type and keys only. Values are never read into the model.</summary>
public sealed class SecretInfo : KubeObject
{
    public override string Kind => "Secret";
    public string? Type { get; internal set; }
    public IReadOnlyList<string> Keys { get; internal set; } = [];
}

/// <summary>An Ingress: the Services it routes to (what makes a workload user-facing).</summary>
public sealed class IngressInfo : KubeObject
{
    public override string Kind => "Ingress";
    public string? IngressClassName { get; internal set; }
    public IReadOnlyList<string> BackendServices { get; internal set; } = [];
    public IReadOnlyList<string> Hosts { get; internal set; } = [];
}

/// <summary>Log lines of one container (the last N lines), current or previous instance.</summary>
public sealed record ContainerLog(string Namespace, string Pod, string Container, bool Previous, IReadOnlyList<string> Lines);

/// <summary>One peer of a NetworkPolicy rule (from[] / to[]): pod selector, namespace selector (null = absent) or an ipBlock CIDR.</summary>
public sealed record NetworkPolicyPeer(LabelSelectorInfo? PodSelector, LabelSelectorInfo? NamespaceSelector, string? IpBlockCidr, IReadOnlyList<string> IpBlockExcept)
{
    /// <summary>kubectl-like text, e.g. <c>podSelector app=frontend</c> or <c>ipBlock 10.0.0.0/8</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (NamespaceSelector is not null)
        {
            parts.Add("namespaceSelector " + NetworkPolicyInfo.SelectorText(NamespaceSelector));
        }

        if (PodSelector is not null)
        {
            parts.Add("podSelector " + NetworkPolicyInfo.SelectorText(PodSelector));
        }

        if (IpBlockCidr is not null)
        {
            parts.Add("ipBlock " + IpBlockCidr + (IpBlockExcept.Count > 0 ? $" except {string.Join(",", IpBlockExcept)}" : ""));
        }

        return parts.Count == 0 ? "{}" : string.Join(" + ", parts);
    }
}

/// <summary>A NetworkPolicy port (port may be a number or a named port; null = all ports).</summary>
public sealed record NetworkPolicyPort(string? Protocol, string? Port, int? EndPort);

/// <summary>One ingress (or egress) rule: an empty peer list admits every source; an empty port list admits every port.</summary>
public sealed record NetworkPolicyRule(IReadOnlyList<NetworkPolicyPeer> Peers, IReadOnlyList<NetworkPolicyPort> Ports);

/// <summary>A NetworkPolicy (networking.k8s.io/v1): which pods it selects, its policy types and its ingress rules.</summary>
public sealed class NetworkPolicyInfo : KubeObject
{
    public override string Kind => "NetworkPolicy";
    public LabelSelectorInfo PodSelector { get; internal set; } = new();

    /// <summary>spec.policyTypes as written (empty when absent).</summary>
    public IReadOnlyList<string> PolicyTypes { get; internal set; } = [];

    public IReadOnlyList<NetworkPolicyRule> Ingress { get; internal set; } = [];
    public int EgressRuleCount { get; internal set; }
    public bool HasEgressField { get; internal set; }

    /// <summary>
    /// True if the policy restricts ingress: policyTypes lists Ingress, or (policyTypes absent) always — the API server
    /// defaults policyTypes to [Ingress] (+ Egress when egress rules are present).
    /// </summary>
    public bool AffectsIngress => PolicyTypes.Count == 0 || PolicyTypes.Contains("Ingress");

    /// <summary>The selector as kubectl prints it (<c>&lt;none&gt;</c> selects every pod of the namespace).</summary>
    public static string SelectorText(LabelSelectorInfo sel)
    {
        if (sel.IsEmpty)
        {
            return "{} (all)";
        }

        var parts = sel.MatchLabels.Select(kv => $"{kv.Key}={kv.Value}")
            .Concat(sel.MatchExpressions.Select(e => e.Values.Count > 0 ? $"{e.Key} {e.Operator} ({string.Join(",", e.Values)})" : $"{e.Key} {e.Operator}"));
        return string.Join(",", parts);
    }
}
