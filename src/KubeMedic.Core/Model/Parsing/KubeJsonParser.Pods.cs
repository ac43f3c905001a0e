using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Model.Parsing;

internal static partial class KubeJsonParser
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static PodTemplateInfo ReadPodTemplate(ref JsonStream js, string what)
    {
        var template = new PodTemplateInfo();
        if (!js.EnterObject(what))
        {
            return template;
        }

        while (js.NextProperty())
        {
            if (js.Is("metadata"u8))
            {
                if (js.EnterObject(what + ".metadata"))
                {
                    while (js.NextProperty())
                    {
                        if (js.Is("labels"u8))
                        {
                            template.Labels = ReadSharedStringMap(ref js, what + ".metadata.labels") ?? [];
                        }
                        else
                        {
                            js.SkipValue();
                        }
                    }
                }
            }
            else if (js.Is("spec"u8))
            {
                template.Spec = ReadPodSpec(ref js, what + ".spec");
            }
            else
            {
                js.SkipValue();
            }
        }

        return template;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static PodSpecInfo ReadPodSpec(ref JsonStream js, string what)
    {
        var spec = new PodSpecInfo();
        if (!js.EnterObject(what))
        {
            return spec;
        }

        while (js.NextProperty())
        {
            if (js.Is("containers"u8))
            {
                spec.Containers = ReadContainers(ref js, what + ".containers");
            }
            else if (js.Is("initContainers"u8))
            {
                spec.InitContainers = ReadContainers(ref js, what + ".initContainers");
            }
            else if (js.Is("nodeName"u8))
            {
                spec.NodeName = js.String();
            }
            else if (js.Is("nodeSelector"u8))
            {
                spec.NodeSelector = ReadSharedStringMap(ref js, what + ".nodeSelector") ?? [];
            }
            else if (js.Is("affinity"u8))
            {
                spec.RequiredNodeAffinity = ReadRequiredNodeAffinity(ref js);
            }
            else if (js.Is("tolerations"u8))
            {
                spec.Tolerations = ReadTolerations(ref js);
            }
            else if (js.Is("volumes"u8))
            {
                spec.Volumes = ReadVolumes(ref js);
            }
            else if (js.Is("restartPolicy"u8))
            {
                spec.RestartPolicy = js.String();
            }
            else if (js.Is("serviceAccountName"u8))
            {
                spec.ServiceAccountName = js.String();
            }
            else if (js.Is("priorityClassName"u8))
            {
                spec.PriorityClassName = js.String();
            }
            else
            {
                js.SkipValue();
            }
        }

        return spec;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static List<ContainerSpec> ReadContainers(ref JsonStream js, string what)
    {
        var list = new List<ContainerSpec>(1);
        if (!js.EnterArray(what))
        {
            return list;
        }

        while (js.NextElement())
        {
            js.ExpectObject("a container");
            var c = new ContainerSpec();
            List<EnvRef>? envRefs = null;
            while (js.NextProperty())
            {
                if (js.Is("name"u8))
                {
                    c.Name = js.String() ?? "";
                }
                else if (js.Is("image"u8))
                {
                    c.Image = js.String() ?? "";
                }
                else if (js.Is("resources"u8))
                {
                    ReadContainerResources(ref js, c);
                }
                else if (js.Is("readinessProbe"u8))
                {
                    c.Readiness = ReadProbe(ref js);
                }
                else if (js.Is("livenessProbe"u8))
                {
                    c.Liveness = ReadProbe(ref js);
                }
                else if (js.Is("startupProbe"u8))
                {
                    c.Startup = ReadProbe(ref js);
                }
                else if (js.Is("env"u8))
                {
                    ReadEnv(ref js, envRefs ??= []);
                }
                else if (js.Is("envFrom"u8))
                {
                    ReadEnvFrom(ref js, envRefs ??= []);
                }
                else if (js.Is("ports"u8))
                {
                    c.Ports = ReadContainerPorts(ref js);
                }
                else
                {
                    js.SkipValue();
                }
            }

            if (envRefs is not null)
            {
                c.EnvRefs = envRefs;
            }

            list.Add(c);
        }

        return js.Pool.ShareContainers(list);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadContainerResources(ref JsonStream js, ContainerSpec c)
    {
        if (!js.EnterObject("resources"))
        {
            return;
        }

        while (js.NextProperty())
        {
            if (js.Is("requests"u8))
            {
                c.Requests = ReadResourceList(ref js, "resources.requests", out var cpu, out var mem);
                c.CpuRequestText = cpu;
                c.MemoryRequestText = mem;
            }
            else if (js.Is("limits"u8))
            {
                c.Limits = ReadResourceList(ref js, "resources.limits", out _, out var mem);
                c.MemoryLimitText = mem;
            }
            else
            {
                js.SkipValue();
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static ProbeSummary? ReadProbe(ref JsonStream js)
    {
        if (!js.EnterObject("probe"))
        {
            return null;
        }

        string handler = "exec";
        string? path = null, port = null;
        int delay = 0, period = 10, timeout = 1, failure = 3;
        while (js.NextProperty())
        {
            if (js.Is("httpGet"u8) || js.Is("tcpSocket"u8) || js.Is("grpc"u8))
            {
                handler = js.Is("httpGet"u8) ? "httpGet" : js.Is("tcpSocket"u8) ? "tcpSocket" : "grpc";
                if (js.EnterObject(handler))
                {
                    while (js.NextProperty())
                    {
                        if (js.Is("path"u8))
                        {
                            path = js.String();
                        }
                        else if (js.Is("port"u8))
                        {
                            port = js.String();
                        }
                        else
                        {
                            js.SkipValue();
                        }
                    }
                }
            }
            else if (js.Is("exec"u8))
            {
                handler = "exec";
                js.SkipValue();
            }
            else if (js.Is("initialDelaySeconds"u8))
            {
                delay = js.Int() ?? 0;
            }
            else if (js.Is("periodSeconds"u8))
            {
                period = js.Int() ?? 10;
            }
            else if (js.Is("timeoutSeconds"u8))
            {
                timeout = js.Int() ?? 1;
            }
            else if (js.Is("failureThreshold"u8))
            {
                failure = js.Int() ?? 3;
            }
            else
            {
                js.SkipValue();
            }
        }

        return js.Pool.Share(new ProbeSummary(handler, path, port, delay, period, timeout, failure));
    }

    /// <summary>env[]: only valueFrom configMapKeyRef/secretKeyRef names and keys; literal values are skipped unread.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadEnv(ref JsonStream js, List<EnvRef> into)
    {
        if (!js.EnterArray("env"))
        {
            return;
        }

        while (js.NextElement())
        {
            js.ExpectObject("an env var");
            string? envName = null;
            EnvRef? found = null;
            while (js.NextProperty())
            {
                if (js.Is("name"u8))
                {
                    envName = js.String();
                }
                else if (js.Is("valueFrom"u8))
                {
                    if (js.EnterObject("env.valueFrom"))
                    {
                        while (js.NextProperty())
                        {
                            if (js.Is("configMapKeyRef"u8) || js.Is("secretKeyRef"u8))
                            {
                                var kind = js.Is("configMapKeyRef"u8) ? ConfigRefKind.ConfigMap : ConfigRefKind.Secret;
                                found = ReadKeyRef(ref js, kind);
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

            if (found is not null)
            {
                into.Add(js.Pool.Share(found with { EnvName = envName }));
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static EnvRef? ReadKeyRef(ref JsonStream js, ConfigRefKind kind)
    {
        if (!js.EnterObject("keyRef"))
        {
            return null;
        }

        string? name = null, key = null;
        var optional = false;
        while (js.NextProperty())
        {
            if (js.Is("name"u8))
            {
                name = js.String();
            }
            else if (js.Is("key"u8))
            {
                key = js.String();
            }
            else if (js.Is("optional"u8))
            {
                optional = js.Bool();
            }
            else
            {
                js.SkipValue();
            }
        }

        return name is null ? null : new EnvRef(kind, name, key, optional, null);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadEnvFrom(ref JsonStream js, List<EnvRef> into)
    {
        if (!js.EnterArray("envFrom"))
        {
            return;
        }

        while (js.NextElement())
        {
            js.ExpectObject("an envFrom source");
            while (js.NextProperty())
            {
                if (js.Is("configMapRef"u8) || js.Is("secretRef"u8))
                {
                    var kind = js.Is("configMapRef"u8) ? ConfigRefKind.ConfigMap : ConfigRefKind.Secret;
                    if (ReadKeyRef(ref js, kind) is { } r)
                    {
                        into.Add(r);
                    }
                }
                else
                {
                    js.SkipValue();
                }
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static List<ContainerPort> ReadContainerPorts(ref JsonStream js)
    {
        var list = new List<ContainerPort>(1);
        if (!js.EnterArray("ports"))
        {
            return list;
        }

        while (js.NextElement())
        {
            js.ExpectObject("a port");
            string? name = null, protocol = null;
            var port = 0;
            while (js.NextProperty())
            {
                if (js.Is("name"u8))
                {
                    name = js.String();
                }
                else if (js.Is("containerPort"u8))
                {
                    port = js.Int() ?? 0;
                }
                else if (js.Is("protocol"u8))
                {
                    protocol = js.String();
                }
                else
                {
                    js.SkipValue();
                }
            }

            list.Add(js.Pool.Share(new ContainerPort(name, port, protocol ?? "TCP")));
        }

        return list;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static List<IReadOnlyList<NodeSelectorRequirement>> ReadRequiredNodeAffinity(ref JsonStream js)
    {
        var terms = new List<IReadOnlyList<NodeSelectorRequirement>>();
        if (!js.EnterObject("affinity"))
        {
            return terms;
        }

        while (js.NextProperty())
        {
            if (!js.Is("nodeAffinity"u8))
            {
                js.SkipValue();
                continue;
            }

            if (!js.EnterObject("affinity.nodeAffinity"))
            {
                continue;
            }

            while (js.NextProperty())
            {
                if (!js.Is("requiredDuringSchedulingIgnoredDuringExecution"u8))
                {
                    js.SkipValue();
                    continue;
                }

                if (!js.EnterObject("requiredDuringSchedulingIgnoredDuringExecution"))
                {
                    continue;
                }

                while (js.NextProperty())
                {
                    if (!js.Is("nodeSelectorTerms"u8))
                    {
                        js.SkipValue();
                        continue;
                    }

                    if (!js.EnterArray("nodeSelectorTerms"))
                    {
                        continue;
                    }

                    while (js.NextElement())
                    {
                        js.ExpectObject("a node selector term");
                        var term = new List<NodeSelectorRequirement>();
                        while (js.NextProperty())
                        {
                            if (js.Is("matchExpressions"u8) || js.Is("matchFields"u8))
                            {
                                term.AddRange(ReadRequirements(ref js, "nodeSelectorTerms.matchExpressions"));
                            }
                            else
                            {
                                js.SkipValue();
                            }
                        }

                        terms.Add(term);
                    }
                }
            }
        }

        return terms;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static List<Toleration> ReadTolerations(ref JsonStream js)
    {
        var list = new List<Toleration>();
        if (!js.EnterArray("tolerations"))
        {
            return list;
        }

        while (js.NextElement())
        {
            js.ExpectObject("a toleration");
            string? key = null, op = null, value = null, effect = null;
            while (js.NextProperty())
            {
                if (js.Is("key"u8))
                {
                    key = js.String();
                }
                else if (js.Is("operator"u8))
                {
                    op = js.String();
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

            list.Add(js.Pool.Share(new Toleration(key, op ?? "Equal", value, effect)));
        }

        return js.Pool.ShareList(list);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static List<VolumeRef> ReadVolumes(ref JsonStream js)
    {
        var list = new List<VolumeRef>();
        if (!js.EnterArray("volumes"))
        {
            return list;
        }

        while (js.NextElement())
        {
            js.ExpectObject("a volume");
            string volumeName = "";
            var refs = new List<(string Kind, string Name, bool Optional)>(1);
            while (js.NextProperty())
            {
                if (js.Is("name"u8))
                {
                    volumeName = js.String() ?? "";
                }
                else if (js.Is("configMap"u8))
                {
                    ReadVolumeSource(ref js, "ConfigMap", "name"u8, refs);
                }
                else if (js.Is("secret"u8))
                {
                    ReadVolumeSource(ref js, "Secret", "secretName"u8, refs);
                }
                else if (js.Is("persistentVolumeClaim"u8))
                {
                    ReadVolumeSource(ref js, "PersistentVolumeClaim", "claimName"u8, refs);
                }
                else if (js.Is("projected"u8))
                {
                    if (!js.EnterObject("projected"))
                    {
                        continue;
                    }

                    while (js.NextProperty())
                    {
                        if (!js.Is("sources"u8))
                        {
                            js.SkipValue();
                            continue;
                        }

                        if (!js.EnterArray("projected.sources"))
                        {
                            continue;
                        }

                        while (js.NextElement())
                        {
                            js.ExpectObject("a projected source");
                            while (js.NextProperty())
                            {
                                if (js.Is("configMap"u8))
                                {
                                    ReadVolumeSource(ref js, "ConfigMap", "name"u8, refs);
                                }
                                else if (js.Is("secret"u8))
                                {
                                    ReadVolumeSource(ref js, "Secret", "name"u8, refs);
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

            foreach (var (kind, name, optional) in refs)
            {
                list.Add(js.Pool.Share(new VolumeRef(volumeName, kind, name, optional)));
            }
        }

        return js.Pool.ShareList(list);
    }

    private static void ReadVolumeSource(ref JsonStream js, string kind, ReadOnlySpan<byte> nameProperty, List<(string, string, bool)> into)
    {
        if (!js.EnterObject(kind))
        {
            return;
        }

        string? name = null;
        var optional = false;
        while (js.NextProperty())
        {
            if (js.Is(nameProperty))
            {
                name = js.String();
            }
            else if (js.Is("optional"u8))
            {
                optional = js.Bool();
            }
            else
            {
                js.SkipValue();
            }
        }

        if (name is not null)
        {
            into.Add((kind, name, optional));
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void ReadPodStatus(ref JsonStream js, PodInfo pod)
    {
        if (!js.EnterObject("status"))
        {
            return;
        }

        while (js.NextProperty())
        {
            if (js.Is("phase"u8))
            {
                pod.Phase = js.String();
            }
            else if (js.Is("reason"u8))
            {
                pod.Reason = js.String();
            }
            else if (js.Is("message"u8))
            {
                pod.Message = js.String();
            }
            else if (js.Is("conditions"u8))
            {
                pod.Conditions = ReadConditions(ref js);
            }
            else if (js.Is("containerStatuses"u8))
            {
                pod.ContainerStatuses = ReadContainerStatuses(ref js);
            }
            else if (js.Is("initContainerStatuses"u8))
            {
                pod.InitContainerStatuses = ReadContainerStatuses(ref js);
            }
            else if (js.Is("startTime"u8))
            {
                pod.StartTime = js.Time();
            }
            else if (js.Is("podIP"u8))
            {
                pod.PodIP = js.UniqueString();
            }
            else if (js.Is("qosClass"u8))
            {
                pod.QosClass = js.String();
            }
            else
            {
                js.SkipValue();
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static List<ContainerStatusInfo> ReadContainerStatuses(ref JsonStream js)
    {
        var list = new List<ContainerStatusInfo>(1);
        if (!js.EnterArray("containerStatuses"))
        {
            return list;
        }

        while (js.NextElement())
        {
            js.ExpectObject("a container status");
            var cs = new ContainerStatusInfo();
            while (js.NextProperty())
            {
                if (js.Is("name"u8))
                {
                    cs.Name = js.String() ?? "";
                }
                else if (js.Is("image"u8))
                {
                    cs.Image = js.String();
                }
                else if (js.Is("ready"u8))
                {
                    cs.Ready = js.Bool();
                }
                else if (js.Is("started"u8))
                {
                    cs.Started = js.Bool();
                }
                else if (js.Is("restartCount"u8))
                {
                    cs.RestartCount = js.Int() ?? 0;
                }
                else if (js.Is("state"u8))
                {
                    cs.State = ReadContainerState(ref js);
                }
                else if (js.Is("lastState"u8) || js.Is("lastTerminationState"u8))
                {
                    cs.LastState = ReadContainerState(ref js);
                }
                else
                {
                    js.SkipValue();
                }
            }

            list.Add(cs);
        }

        return list;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static ContainerState? ReadContainerState(ref JsonStream js)
    {
        if (!js.EnterObject("container state"))
        {
            return null;
        }

        ContainerState? state = null;
        while (js.NextProperty())
        {
            var kind = js.Is("waiting"u8) ? "waiting" : js.Is("running"u8) ? "running" : js.Is("terminated"u8) ? "terminated" : null;
            if (kind is null)
            {
                js.SkipValue();
                continue;
            }

            if (!js.EnterObject("container state"))
            {
                continue;
            }

            string? reason = null, message = null;
            int? exitCode = null;
            DateTimeOffset? started = null, finished = null;
            while (js.NextProperty())
            {
                if (js.Is("reason"u8))
                {
                    reason = js.String();
                }
                else if (js.Is("message"u8))
                {
                    message = js.String();
                }
                else if (js.Is("exitCode"u8))
                {
                    exitCode = js.Int();
                }
                else if (js.Is("startedAt"u8))
                {
                    started = js.Time();
                }
                else if (js.Is("finishedAt"u8))
                {
                    finished = js.Time();
                }
                else
                {
                    js.SkipValue();
                }
            }

            state = new ContainerState(kind, reason, message, exitCode, started, finished);
        }

        return state;
    }
}
