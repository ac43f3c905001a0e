using System.Text.Json;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Model.Parsing;

internal static partial class KubeJsonParser
{
    /// <summary>
    /// Parses one top-level JSON document (a List, a typed list such as PodList, or a single object); the stream is
    /// on its StartObject.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void ReadDocument(ref JsonStream js, ModelSink sink, ItemDraft draft, string? defaultKind = null)
    {
        ReadItem(ref js, sink, draft, kindHint: defaultKind, topLevel: true);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadItem(ref JsonStream js, ModelSink sink, ItemDraft d, string? kindHint, bool topLevel)
    {
        d.Reset();
        var isList = false;
        while (js.NextProperty())
        {
            if (js.Is("kind"u8))
            {
                d.Kind = js.String();
            }
            else if (js.Is("apiVersion"u8))
            {
                d.ApiVersion = js.String();
            }
            else if (js.Is("metadata"u8))
            {
                ReadMetadata(ref js, d);
            }
            else if (js.Is("items"u8) && topLevel)
            {
                isList = true;
                var listKind = d.Kind;
                var hint = listKind is { Length: > 4 } && listKind.EndsWith("List", StringComparison.Ordinal) ? listKind[..^4] : kindHint;
                if (js.EnterArray("items"))
                {
                    var nested = new ItemDraft();
                    while (js.NextElement())
                    {
                        js.ExpectObject("an item of items[]");
                        ReadItem(ref js, sink, nested, hint, topLevel: false);
                    }
                }

                d.Reset();
                d.Kind = listKind;
            }
            else if (js.Is("spec"u8))
            {
                ReadSpec(ref js, d, KindFor(d, kindHint, "spec"));
            }
            else if (js.Is("status"u8))
            {
                ReadStatus(ref js, d, KindFor(d, kindHint, "status"));
            }
            else if (js.Is("subsets"u8))
            {
                KindFor(d, kindHint, "subsets");
                ReadSubsets(ref js, Ensure<EndpointsInfo>(d));
            }
            else if (js.Is("data"u8) || js.Is("binaryData"u8) || js.Is("stringData"u8))
            {
                d.DataKeys = ReadKeys(ref js, "data", d.DataKeys);
            }
            else if (js.Is("type"u8))
            {
                d.Type = js.String();
            }
            else if (js.Is("involvedObject"u8) || js.Is("regarding"u8))
            {
                ReadInvolvedObject(ref js, d);
            }
            else if (js.Is("reason"u8))
            {
                d.Reason = js.String();
            }
            else if (js.Is("message"u8) || js.Is("note"u8))
            {
                d.Message = js.String();
            }
            else if (js.Is("count"u8) || js.Is("deprecatedCount"u8))
            {
                d.Count = js.Int();
            }
            else if (js.Is("firstTimestamp"u8) || js.Is("deprecatedFirstTimestamp"u8))
            {
                d.First = js.Time() ?? d.First;
            }
            else if (js.Is("lastTimestamp"u8) || js.Is("deprecatedLastTimestamp"u8))
            {
                d.Last = js.Time() ?? d.Last;
            }
            else if (js.Is("eventTime"u8))
            {
                d.EventTime = js.Time();
            }
            else if (js.Is("source"u8) || js.Is("deprecatedSource"u8))
            {
                if (js.EnterObject("source"))
                {
                    while (js.NextProperty())
                    {
                        if (js.Is("component"u8))
                        {
                            d.Source = js.String();
                        }
                        else
                        {
                            js.SkipValue();
                        }
                    }
                }
            }
            else if (js.Is("reportingController"u8))
            {
                d.Source ??= js.String();
            }
            else if (js.Is("series"u8))
            {
                ReadSeries(ref js, d);
            }
            else
            {
                js.SkipValue();
            }
        }

        if (isList)
        {
            sink.Documents++;
            return;
        }

        d.Kind ??= kindHint;
        if (topLevel && d.Kind == "List")
        {
            return;
        }
        sink.Add(d);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static string KindFor(ItemDraft d, string? hint, string property)
    {
        d.Kind ??= hint;
        return d.Kind ?? throw new SnapshotFormatException($"an object has '{property}' before any 'kind' (not a Kubernetes object?)");
    }

    private static T Ensure<T>(ItemDraft d)
        where T : KubeObject, new()
    {
        if (d.Object is T t)
        {
            return t;
        }

        t = new T();
        d.Object = t;
        return t;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadSpec(ref JsonStream js, ItemDraft d, string kind)
    {
        switch (kind)
        {
            case "Pod":
                Ensure<PodInfo>(d).Spec = ReadPodSpec(ref js, "spec");
                break;
            case "Node":
                ReadNodeSpec(ref js, Ensure<NodeInfo>(d));
                break;
            case "Deployment" or "ReplicaSet" or "StatefulSet" or "DaemonSet" or "Job":
                ReadWorkloadSpec(ref js, (WorkloadObject)(kind switch
                {
                    "Deployment" => Ensure<DeploymentInfo>(d),
                    "ReplicaSet" => Ensure<ReplicaSetInfo>(d),
                    "StatefulSet" => Ensure<StatefulSetInfo>(d),
                    "DaemonSet" => Ensure<DaemonSetInfo>(d),
                    _ => Ensure<JobInfo>(d),
                }));
                break;
            case "CronJob":
                ReadCronJobSpec(ref js, Ensure<CronJobInfo>(d));
                break;
            case "Service":
                ReadServiceSpec(ref js, Ensure<ServiceInfo>(d));
                break;
            case "PersistentVolumeClaim":
                ReadPvcSpec(ref js, Ensure<PvcInfo>(d));
                break;
            case "HorizontalPodAutoscaler":
                ReadHpaSpec(ref js, Ensure<HpaInfo>(d));
                break;
            case "PodDisruptionBudget":
                ReadPdbSpec(ref js, Ensure<PdbInfo>(d));
                break;
            case "Ingress":
                ReadIngressSpec(ref js, Ensure<IngressInfo>(d));
                break;
            case "NetworkPolicy":
                ReadNetworkPolicySpec(ref js, Ensure<NetworkPolicyInfo>(d));
                break;
            default:
                js.SkipValue();
                break;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadStatus(ref JsonStream js, ItemDraft d, string kind)
    {
        switch (kind)
        {
            case "Pod":
                ReadPodStatus(ref js, Ensure<PodInfo>(d));
                break;
            case "Node":
                ReadNodeStatus(ref js, Ensure<NodeInfo>(d));
                break;
            case "Deployment" or "ReplicaSet" or "StatefulSet" or "DaemonSet" or "Job" or "CronJob" or "HorizontalPodAutoscaler"
                or "PodDisruptionBudget" or "Namespace" or "PersistentVolumeClaim":
                ReadGenericStatus(ref js, d, kind);
                break;
            default:
                js.SkipValue();
                break;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadNodeSpec(ref JsonStream js, NodeInfo node)
    {
        if (!js.EnterObject("spec"))
        {
            return;
        }

        while (js.NextProperty())
        {
            if (js.Is("unschedulable"u8))
            {
                node.Unschedulable = js.Bool();
            }
            else if (js.Is("taints"u8))
            {
                var taints = new List<Taint>();
                if (js.EnterArray("spec.taints"))
                {
                    while (js.NextElement())
                    {
                        js.ExpectObject("a taint");
                        string? key = null, value = null, effect = null;
                        while (js.NextProperty())
                        {
                            if (js.Is("key"u8))
                            {
                                key = js.String();
                            }
                            else if (js.Is("value"u8))
                            {
                                value = js.String();
                            }
                            else if (js.Is("effect"u8))
                            {
                                effect = js.String();
                            }
                            else
                            {
                                js.SkipValue();
                            }
                        }

                        if (key is not null)
                        {
                            taints.Add(new Taint(key, value, effect ?? "NoSchedule"));
                        }
                    }
                }

                node.Taints = taints;
            }
            else
            {
                js.SkipValue();
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadNodeStatus(ref JsonStream js, NodeInfo node)
    {
        if (!js.EnterObject("status"))
        {
            return;
        }

        while (js.NextProperty())
        {
            if (js.Is("conditions"u8))
            {
                node.Conditions = ReadConditions(ref js);
            }
            else if (js.Is("allocatable"u8))
            {
                node.Allocatable = ReadResourceList(ref js, "status.allocatable", out _, out _);
            }
            else if (js.Is("capacity"u8))
            {
                node.Capacity = ReadResourceList(ref js, "status.capacity", out _, out _);
            }
            else
            {
                js.SkipValue();
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadWorkloadSpec(ref JsonStream js, WorkloadObject w)
    {
        if (!js.EnterObject("spec"))
        {
            return;
        }

        while (js.NextProperty())
        {
            if (js.Is("selector"u8))
            {
                w.Selector = ReadLabelSelector(ref js, "spec.selector");
            }
            else if (js.Is("template"u8))
            {
                w.Template = ReadPodTemplate(ref js, "spec.template");
            }
            else if (js.Is("replicas"u8))
            {
                var r = js.Int();
                switch (w)
                {
                    case DeploymentInfo d:
                        d.Replicas = r;
                        break;
                    case ReplicaSetInfo rs:
                        rs.Replicas = r;
                        break;
                    case StatefulSetInfo s:
                        s.Replicas = r;
                        break;
                }
            }
            else if (w is DeploymentInfo dep && js.Is("strategy"u8))
            {
                dep.Strategy = ReadStrategy(ref js);
            }
            else if (w is DeploymentInfo dep2 && js.Is("progressDeadlineSeconds"u8))
            {
                dep2.ProgressDeadlineSeconds = js.Int();
            }
            else if (w is DeploymentInfo dep3 && js.Is("paused"u8))
            {
                dep3.Paused = js.Bool();
            }
            else if (w is StatefulSetInfo sts && js.Is("serviceName"u8))
            {
                sts.ServiceName = js.String();
            }
            else if (w is StatefulSetInfo sts2 && js.Is("updateStrategy"u8))
            {
                sts2.UpdateStrategyType = ReadStrategy(ref js).Type;
            }
            else if (w is JobInfo job && js.Is("completions"u8))
            {
                job.Completions = js.Int();
            }
            else if (w is JobInfo job2 && js.Is("parallelism"u8))
            {
                job2.Parallelism = js.Int();
            }
            else if (w is JobInfo job3 && js.Is("backoffLimit"u8))
            {
                job3.BackoffLimit = js.Int();
            }
            else if (w is JobInfo job4 && js.Is("suspend"u8))
            {
                job4.Suspend = js.Bool();
            }
            else
            {
                js.SkipValue();
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static RolloutStrategy ReadStrategy(ref JsonStream js)
    {
        string type = "RollingUpdate";
        string? maxUnavailable = null, maxSurge = null;
        if (!js.EnterObject("strategy"))
        {
            return new RolloutStrategy(type, "25%", "25%");
        }

        while (js.NextProperty())
        {
            if (js.Is("type"u8))
            {
                type = js.String() ?? type;
            }
            else if (js.Is("rollingUpdate"u8))
            {
                if (js.EnterObject("rollingUpdate"))
                {
                    while (js.NextProperty())
                    {
                        if (js.Is("maxUnavailable"u8))
                        {
                            maxUnavailable = js.String();
                        }
                        else if (js.Is("maxSurge"u8))
                        {
                            maxSurge = js.String();
                        }
                        else
                        {
                            js.SkipValue();
                        }
                    }
                }
            }
            else
            {
                js.SkipValue();
            }
        }

        return type == "RollingUpdate" ? new RolloutStrategy(type, maxUnavailable ?? "25%", maxSurge ?? "25%") : new RolloutStrategy(type, null, null);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadCronJobSpec(ref JsonStream js, CronJobInfo cj)
    {
        if (!js.EnterObject("spec"))
        {
            return;
        }

        while (js.NextProperty())
        {
            if (js.Is("schedule"u8))
            {
                cj.Schedule = js.String() ?? "";
            }
            else if (js.Is("suspend"u8))
            {
                cj.Suspend = js.Bool();
            }
            else if (js.Is("startingDeadlineSeconds"u8))
            {
                cj.StartingDeadlineSeconds = js.Int();
            }
            else if (js.Is("jobTemplate"u8))
            {
                if (js.EnterObject("spec.jobTemplate"))
                {
                    while (js.NextProperty())
                    {
                        if (js.Is("spec"u8))
                        {
                            var job = new JobInfo();
                            ReadWorkloadSpec(ref js, job);
                            cj.Template = job.Template;
                        }
                        else
                        {
                            js.SkipValue();
                        }
                    }
                }
            }
            else
            {
                js.SkipValue();
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadGenericStatus(ref JsonStream js, ItemDraft d, string kind)
    {
        if (!js.EnterObject("status"))
        {
            return;
        }

        var obj = kind switch
        {
            "Deployment" => (KubeObject)Ensure<DeploymentInfo>(d),
            "ReplicaSet" => Ensure<ReplicaSetInfo>(d),
            "StatefulSet" => Ensure<StatefulSetInfo>(d),
            "DaemonSet" => Ensure<DaemonSetInfo>(d),
            "Job" => Ensure<JobInfo>(d),
            "CronJob" => Ensure<CronJobInfo>(d),
            "HorizontalPodAutoscaler" => Ensure<HpaInfo>(d),
            "PodDisruptionBudget" => Ensure<PdbInfo>(d),
            "Namespace" => Ensure<NamespaceInfo>(d),
            _ => Ensure<PvcInfo>(d),
        };
        while (js.NextProperty())
        {
            if (js.Is("conditions"u8))
            {
                var conditions = ReadConditions(ref js);
                switch (obj)
                {
                    case WorkloadObject w:
                        w.Conditions = conditions;
                        break;
                    case HpaInfo h:
                        h.Conditions = conditions;
                        break;
                }

                continue;
            }

            var handled = obj switch
            {
                DeploymentInfo x => ReadDeploymentStatusField(ref js, x),
                ReplicaSetInfo x => ReadReplicaSetStatusField(ref js, x),
                StatefulSetInfo x => ReadStatefulSetStatusField(ref js, x),
                DaemonSetInfo x => ReadDaemonSetStatusField(ref js, x),
                JobInfo x => ReadJobStatusField(ref js, x),
                CronJobInfo x => ReadCronJobStatusField(ref js, x),
                HpaInfo x => ReadHpaStatusField(ref js, x),
                PdbInfo x => ReadPdbStatusField(ref js, x),
                NamespaceInfo x => ReadPhase(ref js, p => x.Phase = p),
                PvcInfo x => ReadPhase(ref js, p => x.Phase = p),
                _ => false,
            };
            if (!handled)
            {
                js.SkipValue();
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool ReadPhase(ref JsonStream js, Action<string?> set)
    {
        if (!js.Is("phase"u8))
        {
            return false;
        }

        set(js.String());
        return true;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool ReadDeploymentStatusField(ref JsonStream js, DeploymentInfo x)
    {
        if (js.Is("observedGeneration"u8))
        {
            x.ObservedGeneration = js.Long() ?? 0;
        }
        else if (js.Is("replicas"u8))
        {
            x.StatusReplicas = js.Int() ?? 0;
        }
        else if (js.Is("updatedReplicas"u8))
        {
            x.UpdatedReplicas = js.Int() ?? 0;
        }
        else if (js.Is("readyReplicas"u8))
        {
            x.ReadyReplicas = js.Int() ?? 0;
        }
        else if (js.Is("availableReplicas"u8))
        {
            x.AvailableReplicas = js.Int() ?? 0;
        }
        else if (js.Is("unavailableReplicas"u8))
        {
            x.UnavailableReplicas = js.Int() ?? 0;
        }
        else
        {
            return false;
        }

        return true;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool ReadReplicaSetStatusField(ref JsonStream js, ReplicaSetInfo x)
    {
        if (js.Is("replicas"u8))
        {
            x.StatusReplicas = js.Int() ?? 0;
        }
        else if (js.Is("readyReplicas"u8))
        {
            x.ReadyReplicas = js.Int() ?? 0;
        }
        else if (js.Is("availableReplicas"u8))
        {
            x.AvailableReplicas = js.Int() ?? 0;
        }
        else
        {
            return false;
        }

        return true;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool ReadStatefulSetStatusField(ref JsonStream js, StatefulSetInfo x)
    {
        if (js.Is("replicas"u8))
        {
            x.StatusReplicas = js.Int() ?? 0;
        }
        else if (js.Is("readyReplicas"u8))
        {
            x.ReadyReplicas = js.Int() ?? 0;
        }
        else if (js.Is("availableReplicas"u8))
        {
            x.AvailableReplicas = js.Int() ?? 0;
        }
        else if (js.Is("updatedReplicas"u8))
        {
            x.UpdatedReplicas = js.Int() ?? 0;
        }
        else if (js.Is("currentRevision"u8))
        {
            x.CurrentRevision = js.String();
        }
        else if (js.Is("updateRevision"u8))
        {
            x.UpdateRevision = js.String();
        }
        else
        {
            return false;
        }

        return true;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool ReadDaemonSetStatusField(ref JsonStream js, DaemonSetInfo x)
    {
        if (js.Is("desiredNumberScheduled"u8))
        {
            x.DesiredNumberScheduled = js.Int() ?? 0;
        }
        else if (js.Is("currentNumberScheduled"u8))
        {
            x.CurrentNumberScheduled = js.Int() ?? 0;
        }
        else if (js.Is("numberReady"u8))
        {
            x.NumberReady = js.Int() ?? 0;
        }
        else if (js.Is("numberAvailable"u8))
        {
            x.NumberAvailable = js.Int() ?? 0;
        }
        else if (js.Is("numberUnavailable"u8))
        {
            x.NumberUnavailable = js.Int() ?? 0;
        }
        else if (js.Is("numberMisscheduled"u8))
        {
            x.NumberMisscheduled = js.Int() ?? 0;
        }
        else if (js.Is("updatedNumberScheduled"u8))
        {
            x.UpdatedNumberScheduled = js.Int() ?? 0;
        }
        else
        {
            return false;
        }

        return true;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool ReadJobStatusField(ref JsonStream js, JobInfo x)
    {
        if (js.Is("active"u8))
        {
            x.Active = js.Int() ?? 0;
        }
        else if (js.Is("succeeded"u8))
        {
            x.Succeeded = js.Int() ?? 0;
        }
        else if (js.Is("failed"u8))
        {
            x.Failed = js.Int() ?? 0;
        }
        else if (js.Is("startTime"u8))
        {
            x.StartTime = js.Time();
        }
        else if (js.Is("completionTime"u8))
        {
            x.CompletionTime = js.Time();
        }
        else
        {
            return false;
        }

        return true;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool ReadCronJobStatusField(ref JsonStream js, CronJobInfo x)
    {
        if (js.Is("lastScheduleTime"u8))
        {
            x.LastScheduleTime = js.Time();
        }
        else if (js.Is("lastSuccessfulTime"u8))
        {
            x.LastSuccessfulTime = js.Time();
        }
        else if (js.Is("active"u8))
        {
            var count = 0;
            if (js.EnterArray("status.active"))
            {
                while (js.NextElement())
                {
                    count++;
                    js.SkipCurrent();
                }
            }

            x.ActiveJobs = count;
        }
        else
        {
            return false;
        }

        return true;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool ReadHpaStatusField(ref JsonStream js, HpaInfo x)
    {
        if (js.Is("currentReplicas"u8))
        {
            x.CurrentReplicas = js.Int() ?? 0;
        }
        else if (js.Is("desiredReplicas"u8))
        {
            x.DesiredReplicas = js.Int() ?? 0;
        }
        else
        {
            return false;
        }

        return true;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool ReadPdbStatusField(ref JsonStream js, PdbInfo x)
    {
        if (js.Is("currentHealthy"u8))
        {
            x.CurrentHealthy = js.Int() ?? 0;
        }
        else if (js.Is("desiredHealthy"u8))
        {
            x.DesiredHealthy = js.Int() ?? 0;
        }
        else if (js.Is("disruptionsAllowed"u8))
        {
            x.DisruptionsAllowed = js.Int() ?? 0;
        }
        else if (js.Is("expectedPods"u8))
        {
            x.ExpectedPods = js.Int() ?? 0;
        }
        else
        {
            return false;
        }

        return true;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadServiceSpec(ref JsonStream js, ServiceInfo svc)
    {
        if (!js.EnterObject("spec"))
        {
            return;
        }

        while (js.NextProperty())
        {
            if (js.Is("type"u8))
            {
                svc.Type = js.String() ?? "ClusterIP";
            }
            else if (js.Is("clusterIP"u8))
            {
                svc.ClusterIP = js.String();
            }
            else if (js.Is("externalName"u8))
            {
                svc.ExternalName = js.String();
            }
            else if (js.Is("selector"u8))
            {
                svc.Selector = ReadSharedStringMap(ref js, "spec.selector") ?? [];
            }
            else if (js.Is("ports"u8))
            {
                var ports = new List<ServicePort>();
                if (js.EnterArray("spec.ports"))
                {
                    while (js.NextElement())
                    {
                        js.ExpectObject("a service port");
                        string? name = null, target = null, protocol = null;
                        int port = 0;
                        int? nodePort = null;
                        while (js.NextProperty())
                        {
                            if (js.Is("name"u8))
                            {
                                name = js.String();
                            }
                            else if (js.Is("port"u8))
                            {
                                port = js.Int() ?? 0;
                            }
                            else if (js.Is("targetPort"u8))
                            {
                                target = js.String();
                            }
                            else if (js.Is("protocol"u8))
                            {
                                protocol = js.String();
                            }
                            else if (js.Is("nodePort"u8))
                            {
                                nodePort = js.Int();
                            }
                            else
                            {
                                js.SkipValue();
                            }
                        }

                        ports.Add(new ServicePort(name, port, target, protocol ?? "TCP", nodePort));
                    }
                }

                svc.Ports = ports;
            }
            else
            {
                js.SkipValue();
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadSubsets(ref JsonStream js, EndpointsInfo ep)
    {
        var ready = new List<EndpointAddress>();
        var notReady = new List<EndpointAddress>();
        var ports = new List<int>();
        if (js.EnterArray("subsets"))
        {
            while (js.NextElement())
            {
                js.ExpectObject("a subset");
                while (js.NextProperty())
                {
                    if (js.Is("addresses"u8) || js.Is("notReadyAddresses"u8))
                    {
                        var into = js.Is("addresses"u8) ? ready : notReady;
                        if (!js.EnterArray("subsets.addresses"))
                        {
                            continue;
                        }

                        while (js.NextElement())
                        {
                            js.ExpectObject("an address");
                            string? ip = null, node = null, tkind = null, tname = null;
                            while (js.NextProperty())
                            {
                                if (js.Is("ip"u8))
                                {
                                    ip = js.String();
                                }
                                else if (js.Is("nodeName"u8))
                                {
                                    node = js.String();
                                }
                                else if (js.Is("targetRef"u8))
                                {
                                    if (js.EnterObject("targetRef"))
                                    {
                                        while (js.NextProperty())
                                        {
                                            if (js.Is("kind"u8))
                                            {
                                                tkind = js.String();
                                            }
                                            else if (js.Is("name"u8))
                                            {
                                                tname = js.String();
                                            }
                                            else
                                            {
                                                js.SkipValue();
                                            }
                                        }
                                    }
                                }
                                else
                                {
                                    js.SkipValue();
                                }
                            }

                            into.Add(new EndpointAddress(ip, tkind, tname, node));
                        }
                    }
                    else if (js.Is("ports"u8))
                    {
                        if (!js.EnterArray("subsets.ports"))
                        {
                            continue;
                        }

                        while (js.NextElement())
                        {
                            js.ExpectObject("an endpoint port");
                            while (js.NextProperty())
                            {
                                if (js.Is("port"u8))
                                {
                                    ports.Add(js.Int() ?? 0);
                                }
                                else
                                {
                                    js.SkipValue();
                                }
                            }
                        }
                    }
                    else
                    {
                        js.SkipValue();
                    }
                }
            }
        }

        ep.ReadyAddresses = ready;
        ep.NotReadyAddresses = notReady;
        ep.Ports = ports;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadPvcSpec(ref JsonStream js, PvcInfo pvc)
    {
        if (!js.EnterObject("spec"))
        {
            return;
        }

        while (js.NextProperty())
        {
            if (js.Is("storageClassName"u8))
            {
                pvc.StorageClassName = js.String();
            }
            else if (js.Is("volumeName"u8))
            {
                pvc.VolumeName = js.String();
            }
            else if (js.Is("accessModes"u8))
            {
                var modes = new List<string>();
                ReadStringList(ref js, modes, "spec.accessModes");
                pvc.AccessModes = modes;
            }
            else if (js.Is("resources"u8))
            {
                if (js.EnterObject("spec.resources"))
                {
                    while (js.NextProperty())
                    {
                        if (!js.Is("requests"u8))
                        {
                            js.SkipValue();
                            continue;
                        }

                        if (!js.EnterObject("spec.resources.requests"))
                        {
                            continue;
                        }

                        while (js.NextProperty())
                        {
                            if (js.Is("storage"u8))
                            {
                                pvc.RequestedStorage = js.String();
                            }
                            else
                            {
                                js.SkipValue();
                            }
                        }
                    }
                }
            }
            else
            {
                js.SkipValue();
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadHpaSpec(ref JsonStream js, HpaInfo hpa)
    {
        if (!js.EnterObject("spec"))
        {
            return;
        }

        while (js.NextProperty())
        {
            if (js.Is("minReplicas"u8))
            {
                hpa.MinReplicas = js.Int();
            }
            else if (js.Is("maxReplicas"u8))
            {
                hpa.MaxReplicas = js.Int() ?? 0;
            }
            else if (js.Is("scaleTargetRef"u8))
            {
                if (js.EnterObject("spec.scaleTargetRef"))
                {
                    while (js.NextProperty())
                    {
                        if (js.Is("kind"u8))
                        {
                            hpa.TargetKind = js.String() ?? "";
                        }
                        else if (js.Is("name"u8))
                        {
                            hpa.TargetName = js.String() ?? "";
                        }
                        else
                        {
                            js.SkipValue();
                        }
                    }
                }
            }
            else
            {
                js.SkipValue();
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadPdbSpec(ref JsonStream js, PdbInfo pdb)
    {
        if (!js.EnterObject("spec"))
        {
            return;
        }

        while (js.NextProperty())
        {
            if (js.Is("minAvailable"u8))
            {
                pdb.MinAvailable = js.String();
            }
            else if (js.Is("maxUnavailable"u8))
            {
                pdb.MaxUnavailable = js.String();
            }
            else if (js.Is("selector"u8))
            {
                pdb.Selector = ReadLabelSelector(ref js, "spec.selector");
            }
            else
            {
                js.SkipValue();
            }
        }
    }

    private static void ReadNetworkPolicySpec(ref JsonStream js, NetworkPolicyInfo np)
    {
        if (!js.EnterObject("spec"))
        {
            return;
        }

        while (js.NextProperty())
        {
            if (js.Is("podSelector"u8))
            {
                np.PodSelector = ReadLabelSelector(ref js, "spec.podSelector");
            }
            else if (js.Is("policyTypes"u8))
            {
                var types = new List<string>();
                if (js.EnterArray("spec.policyTypes"))
                {
                    while (js.NextElement())
                    {
                        if (js.CurrentString() is { } t)
                        {
                            types.Add(t);
                        }
                    }
                }

                np.PolicyTypes = types;
            }
            else if (js.Is("ingress"u8))
            {
                var rules = new List<NetworkPolicyRule>();
                if (js.EnterArray("spec.ingress"))
                {
                    while (js.NextElement())
                    {
                        js.ExpectObject("spec.ingress[]");
                        rules.Add(ReadNetworkPolicyRule(ref js, "from"u8, "spec.ingress[]"));
                    }
                }

                np.Ingress = rules;
            }
            else if (js.Is("egress"u8))
            {
                np.HasEgressField = true;
                var count = 0;
                if (js.EnterArray("spec.egress"))
                {
                    while (js.NextElement())
                    {
                        js.SkipCurrent();
                        count++;
                    }
                }

                np.EgressRuleCount = count;
            }
            else
            {
                js.SkipValue();
            }
        }
    }

    private static NetworkPolicyRule ReadNetworkPolicyRule(ref JsonStream js, ReadOnlySpan<byte> peersField, string what)
    {
        var peers = new List<NetworkPolicyPeer>();
        var ports = new List<NetworkPolicyPort>();
        while (js.NextProperty())
        {
            if (js.Is(peersField))
            {
                if (js.EnterArray(what + ".peers"))
                {
                    while (js.NextElement())
                    {
                        js.ExpectObject(what + ".peers[]");
                        LabelSelectorInfo? pods = null, namespaces = null;
                        string? cidr = null;
                        var except = new List<string>();
                        while (js.NextProperty())
                        {
                            if (js.Is("podSelector"u8))
                            {
                                pods = ReadLabelSelector(ref js, what + ".podSelector");
                            }
                            else if (js.Is("namespaceSelector"u8))
                            {
                                namespaces = ReadLabelSelector(ref js, what + ".namespaceSelector");
                            }
                            else if (js.Is("ipBlock"u8))
                            {
                                if (js.EnterObject(what + ".ipBlock"))
                                {
                                    while (js.NextProperty())
                                    {
                                        if (js.Is("cidr"u8))
                                        {
                                            cidr = js.String();
                                        }
                                        else if (js.Is("except"u8))
                                        {
                                            if (js.EnterArray(what + ".ipBlock.except"))
                                            {
                                                while (js.NextElement())
                                                {
                                                    if (js.CurrentString() is { } e)
                                                    {
                                                        except.Add(e);
                                                    }
                                                }
                                            }
                                        }
                                        else
                                        {
                                            js.SkipValue();
                                        }
                                    }
                                }
                            }
                            else
                            {
                                js.SkipValue();
                            }
                        }

                        peers.Add(new NetworkPolicyPeer(pods, namespaces, cidr, except));
                    }
                }
            }
            else if (js.Is("ports"u8))
            {
                if (js.EnterArray(what + ".ports"))
                {
                    while (js.NextElement())
                    {
                        js.ExpectObject(what + ".ports[]");
                        string? protocol = null, port = null;
                        int? endPort = null;
                        while (js.NextProperty())
                        {
                            if (js.Is("protocol"u8))
                            {
                                protocol = js.String();
                            }
                            else if (js.Is("port"u8))
                            {
                                port = js.String();
                            }
                            else if (js.Is("endPort"u8))
                            {
                                endPort = js.Int();
                            }
                            else
                            {
                                js.SkipValue();
                            }
                        }

                        ports.Add(new NetworkPolicyPort(protocol, port, endPort));
                    }
                }
            }
            else
            {
                js.SkipValue();
            }
        }

        return new NetworkPolicyRule(peers, ports);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadIngressSpec(ref JsonStream js, IngressInfo ing)
    {
        var services = new List<string>();
        var hosts = new List<string>();
        if (js.EnterObject("spec"))
        {
            while (js.NextProperty())
            {
                if (js.Is("ingressClassName"u8))
                {
                    ing.IngressClassName = js.String();
                }
                else
                {
                    // rules[].host and every backend service name at any depth below
                    js.Read();
                    CollectIngressNames(ref js, services, hosts);
                }
            }
        }

        ing.BackendServices = services.Distinct().ToList();
        ing.Hosts = hosts;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void CollectIngressNames(ref JsonStream js, List<string> services, List<string> hosts)
    {
        if (js.TokenType == JsonTokenType.StartArray)
        {
            while (js.NextElement())
            {
                CollectIngressNames(ref js, services, hosts);
            }

            return;
        }

        if (js.TokenType != JsonTokenType.StartObject)
        {
            return;
        }

        while (js.NextProperty())
        {
            if (js.Is("host"u8))
            {
                if (js.String() is { } h)
                {
                    hosts.Add(h);
                }
            }
            else if (js.Is("serviceName"u8))
            {
                if (js.String() is { } s)
                {
                    services.Add(s);
                }
            }
            else if (js.Is("service"u8))
            {
                if (js.EnterObject("backend.service"))
                {
                    while (js.NextProperty())
                    {
                        if (!js.Is("name"u8))
                        {
                            js.SkipValue();
                        }
                        else if (js.String() is { } s)
                        {
                            services.Add(s);
                        }
                    }
                }
            }
            else
            {
                js.Read();
                CollectIngressNames(ref js, services, hosts);
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadInvolvedObject(ref JsonStream js, ItemDraft d)
    {
        if (!js.EnterObject("involvedObject"))
        {
            return;
        }

        string? kind = null, ns = null, name = null;
        while (js.NextProperty())
        {
            if (js.Is("kind"u8))
            {
                kind = js.String();
            }
            else if (js.Is("namespace"u8))
            {
                ns = js.String();
            }
            else if (js.Is("name"u8))
            {
                name = js.String();
            }
            else if (js.Is("uid"u8))
            {
                js.SkipValue();
            }
            else if (js.Is("fieldPath"u8))
            {
                d.FieldPath = js.String();
            }
            else
            {
                js.SkipValue();
            }
        }

        d.Involved = js.Pool.Share(new ObjectRef(kind ?? "", string.IsNullOrEmpty(ns) ? null : ns, name ?? ""));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadSeries(ref JsonStream js, ItemDraft d)
    {
        if (!js.EnterObject("series"))
        {
            return;
        }

        while (js.NextProperty())
        {
            if (js.Is("count"u8))
            {
                d.Count = js.Int();
            }
            else if (js.Is("lastObservedTime"u8))
            {
                d.Last = js.Time() ?? d.Last;
            }
            else
            {
                js.SkipValue();
            }
        }
    }
}
