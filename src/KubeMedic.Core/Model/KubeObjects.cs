using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Model;

/// <summary>The shared empty string map used as the default of every label/selector map.</summary>
public static class EmptyMap
{
    public static readonly IReadOnlyDictionary<string, string> Instance = new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string>());
}

/// <summary>An owner reference (metadata.ownerReferences[]): who controls an object.</summary>
public sealed record OwnerRef(string Kind, string Name, string? Uid, bool Controller);

/// <summary>A status condition (pods, nodes, workloads, HPAs, PDBs).</summary>
public sealed record Condition(string Type, string Status, string? Reason, string? Message, DateTimeOffset? LastTransitionTime, DateTimeOffset? LastHeartbeatTime = null)
{
    /// <summary>The first condition of <paramref name="type"/> (a loop: called per pod, no closure allocated).</summary>
    public static Condition? Find(IReadOnlyList<Condition> conditions, string type)
    {
        for (var i = 0; i < conditions.Count; i++)
        {
            if (conditions[i].Type == type)
            {
                return conditions[i];
            }
        }

        return null;
    }

    public bool IsTrue => Status == "True";
}

/// <summary>
/// Fields every Kubernetes object in the model has. Only a few annotations are kept
/// (revision, change-cause, leader election), never last-applied-configuration.
/// </summary>
public abstract class KubeObject
{
    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    public abstract string Kind { get; }
    public string Name { get; internal set; } = "";
    public string? Namespace { get; internal set; }
    public string? Uid { get; internal set; }
    public DateTimeOffset? CreationTimestamp { get; internal set; }
    public DateTimeOffset? DeletionTimestamp { get; internal set; }
    public long Generation { get; internal set; }
    public IReadOnlyDictionary<string, string> Labels { get; internal set; } = Empty;
    public IReadOnlyDictionary<string, string> Annotations { get; internal set; } = Empty;
    public IReadOnlyList<OwnerRef> OwnerReferences { get; internal set; } = [];

    /// <summary>The controlling owner (controller: true), else the first owner, else null.</summary>
    public OwnerRef? ControllerOwner => OwnerReferences.FirstOrDefault(o => o.Controller) ?? (OwnerReferences.Count > 0 ? OwnerReferences[0] : null);

    public ObjectRef Ref => new(Kind, Namespace, Name);

    public override string ToString() => Ref.ToString();
}

/// <summary>Resource amounts in canonical units: CPU in millicores, memory in bytes. Null when not set.</summary>
public sealed record ResourceAmounts(long? CpuMillis, long? MemoryBytes, long? Pods = null, long? EphemeralStorageBytes = null)
{
    public static readonly ResourceAmounts None = new(null, null);

    public bool IsEmpty => CpuMillis is null && MemoryBytes is null && Pods is null && EphemeralStorageBytes is null;
}

/// <summary>A probe, summarised: handler type and target, timings.</summary>
public sealed record ProbeSummary(string Handler, string? Path, string? Port, int InitialDelaySeconds, int PeriodSeconds, int TimeoutSeconds, int FailureThreshold)
{
    public override string ToString() => Handler switch
    {
        "httpGet" => $"httpGet {Path ?? "/"} port {Port} (delay {InitialDelaySeconds}s, period {PeriodSeconds}s, failureThreshold {FailureThreshold})",
        "tcpSocket" => $"tcpSocket port {Port} (delay {InitialDelaySeconds}s, period {PeriodSeconds}s)",
        _ => $"{Handler} (delay {InitialDelaySeconds}s, period {PeriodSeconds}s)",
    };
}

/// <summary>Where a reference to a ConfigMap or Secret comes from.</summary>
public enum ConfigRefKind
{
    ConfigMap,
    Secret,
}

/// <summary>
/// An env reference to a ConfigMap or Secret, by name and key only (never a value).
/// <see cref="Key"/> is null for envFrom (the whole object).
/// </summary>
public sealed record EnvRef(ConfigRefKind Kind, string Name, string? Key, bool Optional, string? EnvName);

/// <summary>A volume's reference to a ConfigMap, Secret or PersistentVolumeClaim.</summary>
public sealed record VolumeRef(string VolumeName, string Kind, string Name, bool Optional);

/// <summary>A container port.</summary>
public sealed record ContainerPort(string? Name, int Port, string Protocol);

/// <summary>The spec of one container: image, resources, probes, config references, ports.</summary>
public sealed class ContainerSpec
{
    public string Name { get; internal set; } = "";
    public string Image { get; internal set; } = "";
    public ResourceAmounts Requests { get; internal set; } = ResourceAmounts.None;
    public ResourceAmounts Limits { get; internal set; } = ResourceAmounts.None;
    /// <summary>The memory limit as written (e.g. 512Mi), for evidence.</summary>
    public string? MemoryLimitText { get; internal set; }
    public string? CpuRequestText { get; internal set; }
    public string? MemoryRequestText { get; internal set; }
    public ProbeSummary? Readiness { get; internal set; }
    public ProbeSummary? Liveness { get; internal set; }
    public ProbeSummary? Startup { get; internal set; }
    public IReadOnlyList<EnvRef> EnvRefs { get; internal set; } = [];
    public IReadOnlyList<ContainerPort> Ports { get; internal set; } = [];

    /// <summary>A hash of everything <see cref="SameAs"/> compares.</summary>
    internal int ContentHash() =>
        HashCode.Combine(Name, Image, Requests, Limits, Readiness, Liveness, EnvRefs.Count, Ports.Count);

    /// <summary>True if every field is equal (replicas of one template): the parser then keeps one instance.</summary>
    internal bool SameAs(ContainerSpec o) =>
        Name == o.Name && Image == o.Image && Requests == o.Requests && Limits == o.Limits && MemoryLimitText == o.MemoryLimitText
        && CpuRequestText == o.CpuRequestText && MemoryRequestText == o.MemoryRequestText && Readiness == o.Readiness
        && Liveness == o.Liveness && Startup == o.Startup && EnvRefs.SequenceEqual(o.EnvRefs) && Ports.SequenceEqual(o.Ports);
}

/// <summary>A node selector requirement from required node affinity (key operator values).</summary>
public sealed record NodeSelectorRequirement(string Key, string Operator, IReadOnlyList<string> Values)
{
    public override string ToString() => $"{Key} {Operator} [{string.Join(",", Values)}]";
}

/// <summary>A toleration.</summary>
public sealed record Toleration(string? Key, string? Operator, string? Value, string? Effect)
{
    /// <summary>True if this toleration tolerates the taint (same rules as the scheduler).</summary>
    public bool Tolerates(Taint taint)
    {
        if (Effect is { Length: > 0 } && Effect != taint.Effect)
        {
            return false;
        }

        if (string.IsNullOrEmpty(Key))
        {
            return Operator == "Exists";
        }

        if (Key != taint.Key)
        {
            return false;
        }

        return Operator == "Exists" || (Value ?? "") == (taint.Value ?? "");
    }
}

/// <summary>A node taint.</summary>
public sealed record Taint(string Key, string? Value, string Effect)
{
    public override string ToString() => Value is { Length: > 0 } ? $"{Key}={Value}:{Effect}" : $"{Key}:{Effect}";
}

/// <summary>A pod spec (also a workload's pod template), reduced to what diagnosis needs.</summary>
public sealed class PodSpecInfo
{
    public IReadOnlyList<ContainerSpec> Containers { get; internal set; } = [];
    public IReadOnlyList<ContainerSpec> InitContainers { get; internal set; } = [];
    public string? NodeName { get; internal set; }
    public IReadOnlyDictionary<string, string> NodeSelector { get; internal set; } = EmptyMap.Instance;
    /// <summary>Required node affinity terms (OR of terms, each an AND of requirements).</summary>
    public IReadOnlyList<IReadOnlyList<NodeSelectorRequirement>> RequiredNodeAffinity { get; internal set; } = [];
    public IReadOnlyList<Toleration> Tolerations { get; internal set; } = [];
    public IReadOnlyList<VolumeRef> Volumes { get; internal set; } = [];
    public string? RestartPolicy { get; internal set; }
    public string? ServiceAccountName { get; internal set; }
    public string? PriorityClassName { get; internal set; }

    public ContainerSpec? FindContainer(string name) =>
        Containers.FirstOrDefault(c => c.Name == name) ?? InitContainers.FirstOrDefault(c => c.Name == name);
}

/// <summary>A pod template: labels and spec.</summary>
public sealed class PodTemplateInfo
{
    public IReadOnlyDictionary<string, string> Labels { get; internal set; } = EmptyMap.Instance;
    public PodSpecInfo Spec { get; internal set; } = new();
}

/// <summary>One state of a container (state or lastState): waiting, running or terminated.</summary>
public sealed record ContainerState(string Kind, string? Reason, string? Message, int? ExitCode, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt)
{
    public bool IsWaiting => Kind == "waiting";
    public bool IsRunning => Kind == "running";
    public bool IsTerminated => Kind == "terminated";
}

/// <summary>A container status: readiness, restarts, current and last state.</summary>
public sealed class ContainerStatusInfo
{
    public string Name { get; internal set; } = "";
    public string? Image { get; internal set; }
    public bool Ready { get; internal set; }
    public bool? Started { get; internal set; }
    public int RestartCount { get; internal set; }
    public ContainerState? State { get; internal set; }
    public ContainerState? LastState { get; internal set; }
}
