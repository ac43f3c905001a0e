using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Printing;

/// <summary>A column of a server-side Table (priority 1 columns only show with -o wide).</summary>
internal sealed record Column(string Name, string Type, string Description, int Priority = 0, string Format = "");

/// <summary>
/// Server-side printing: the columns and cells kubectl shows, per kind, after kubernetes/pkg/printers/internalversion/printers.go.
/// Cells always include the wide columns; kubectl hides the priority-1 ones unless -o wide.
/// </summary>
internal static class TablePrinter
{
    private static readonly Column NameCol = new("Name", "string", "Name must be unique within a namespace.", 0, "name");
    private static readonly Column AgeCol = new("Age", "string", "CreationTimestamp is a timestamp representing the server time when this object was created.");

    public static (Column[] Columns, Func<JsonObject, DateTimeOffset, object?[]> Row) For(ResourceType rt) => rt.Kind switch
    {
        "Pod" => (PodColumns, PodRow),
        "Node" => ([NameCol, C("Status"), C("Roles"), AgeCol, C("Version"), C("Internal-IP", 1), C("External-IP", 1), C("OS-Image", 1), C("Kernel-Version", 1), C("Container-Runtime", 1)], NodeRow),
        "Namespace" => ([NameCol, C("Status"), AgeCol], (o, now) => [o.Name(), o.Str("status.phase") ?? "Active", Age(o, now)]),
        "Service" => ([NameCol, C("Type"), C("Cluster-IP"), C("External-IP"), C("Port(s)"), AgeCol, C("Selector", 1)], ServiceRow),
        "Endpoints" => ([NameCol, C("Endpoints"), AgeCol], EndpointsRow),
        "Event" => ([C("Last Seen"), C("Type"), C("Reason"), C("Object"), C("Subobject", 1), C("Source", 1), C("Message"), C("First Seen", 1), new Column("Count", "integer", "", 1), C("Name", 1)], EventRow),
        "ConfigMap" => ([NameCol, new Column("Data", "integer", ""), AgeCol], (o, now) => [o.Name(), (long)((o.Obj("data")?.Count ?? 0) + (o.Obj("binaryData")?.Count ?? 0)), Age(o, now)]),
        "Secret" => ([NameCol, C("Type"), new Column("Data", "integer", ""), AgeCol], (o, now) => [o.Name(), o.Str("type") ?? "Opaque", (long)(o.Obj("data")?.Count ?? 0), Age(o, now)]),
        "ServiceAccount" => ([NameCol, new Column("Secrets", "integer", ""), AgeCol], (o, now) => [o.Name(), (long)(o.Arr("secrets")?.Count ?? 0), Age(o, now)]),
        "PersistentVolumeClaim" => ([NameCol, C("Status"), C("Volume"), C("Capacity"), C("Access Modes"), C("StorageClass"), C("VolumeAttributesClass"), AgeCol, C("VolumeMode", 1)], PvcRow),
        "PersistentVolume" => ([NameCol, C("Capacity"), C("Access Modes"), C("Reclaim Policy"), C("Status"), C("Claim"), C("StorageClass"), C("VolumeAttributesClass"), C("Reason"), AgeCol, C("VolumeMode", 1)], PvRow),
        "StorageClass" => ([NameCol, C("Provisioner"), C("ReclaimPolicy"), C("VolumeBindingMode"), C("AllowVolumeExpansion"), AgeCol], StorageClassRow),
        "Deployment" => ([NameCol, C("Ready"), new Column("Up-to-date", "integer", ""), new Column("Available", "integer", ""), AgeCol, C("Containers", 1), C("Images", 1), C("Selector", 1)], DeploymentRow),
        "ReplicaSet" => ([NameCol, new Column("Desired", "integer", ""), new Column("Current", "integer", ""), new Column("Ready", "integer", ""), AgeCol, C("Containers", 1), C("Images", 1), C("Selector", 1)], ReplicaSetRow),
        "StatefulSet" => ([NameCol, C("Ready"), AgeCol, C("Containers", 1), C("Images", 1)], StatefulSetRow),
        "DaemonSet" => ([NameCol, new Column("Desired", "integer", ""), new Column("Current", "integer", ""), new Column("Ready", "integer", ""), new Column("Up-to-date", "integer", ""), new Column("Available", "integer", ""), C("Node Selector"), AgeCol, C("Containers", 1), C("Images", 1), C("Selector", 1)], DaemonSetRow),
        "Job" => ([NameCol, C("Status"), C("Completions"), C("Duration"), AgeCol, C("Containers", 1), C("Images", 1), C("Selector", 1)], JobRow),
        "CronJob" => ([NameCol, C("Schedule"), C("Timezone"), C("Suspend"), new Column("Active", "integer", ""), C("Last Schedule"), AgeCol, C("Containers", 1), C("Images", 1), C("Selector", 1)], CronJobRow),
        "HorizontalPodAutoscaler" => ([NameCol, C("Reference"), C("Targets"), new Column("MinPods", "string", ""), new Column("MaxPods", "integer", ""), new Column("Replicas", "integer", ""), AgeCol], HpaRow),
        "PodDisruptionBudget" => ([NameCol, C("Min Available"), C("Max Unavailable"), new Column("Allowed Disruptions", "integer", ""), AgeCol], PdbRow),
        "PriorityClass" => ([NameCol, new Column("Value", "integer", ""), new Column("Global-Default", "boolean", ""), AgeCol, C("PreemptionPolicy", 1)], (o, now) => [o.Name(), o.Long("value") ?? 0, o.Bool("globalDefault") ?? false, Age(o, now), o.Str("preemptionPolicy") ?? "PreemptLowerPriority"]),
        "Lease" => ([NameCol, C("Holder"), AgeCol], (o, now) => [o.Name(), o.Str("spec.holderIdentity") ?? "", Age(o, now)]),
        _ => ([NameCol, AgeCol], (o, now) => [o.Name(), Age(o, now)]),
    };

    private static readonly Column[] PodColumns =
    [
        NameCol, C("Ready"), C("Status"), new Column("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."), AgeCol,
        C("IP", 1), C("Node", 1), C("Nominated Node", 1), C("Readiness Gates", 1),
    ];

    private static Column C(string name, int priority = 0) => new(name, "string", "", priority);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<JsonObject, StrongBox<DateTimeOffset?>> Created = new();
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<JsonObject, PodRowCache> PodRows = new();

    /// <summary>Stored objects never change, so what a row derives from one is computed once per version.</summary>
    private sealed record PodRowCache(string Ready, string Status, int Restarts, DateTimeOffset? LastRestart, string Ip, string Node, string Nominated, string Gates);

    public static string Age(JsonObject o, DateTimeOffset now) =>
        Durations.Since(Created.GetValue(o, x => new StrongBox<DateTimeOffset?>(x.Time("metadata.creationTimestamp"))).Value, now);

    /// <summary>The STATUS column of a pod, exactly as kubectl's printPod computes it.</summary>
    public static (string Ready, string Status, int Restarts, DateTimeOffset? LastRestart) PodStatus(JsonObject pod)
    {
        var restarts = 0;
        var restartableInitRestarts = 0;
        var containers = pod.Arr("spec.containers")?.Count ?? 0;
        var readyContainers = 0;
        DateTimeOffset? lastRestart = null;
        DateTimeOffset? lastRestartableInitRestart = null;
        var phase = pod.Str("status.phase") ?? "";
        var reason = pod.Str("status.reason") is { Length: > 0 } r ? r : phase;
        foreach (var c in pod.Arr("status.conditions").Objects())
        {
            if (c.Str("type") == "PodScheduled" && c.Str("reason") == "SchedulingGated") reason = "SchedulingGated";
        }

        var initSpecs = pod.Arr("spec.initContainers").Objects().ToDictionary(c => c.Str("name") ?? "", c => c);
        bool Restartable(string name) => initSpecs.TryGetValue(name, out var spec) && spec.Str("restartPolicy") == "Always";
        containers += initSpecs.Values.Count(c => c.Str("restartPolicy") == "Always");

        var initializing = false;
        var initStatuses = pod.Arr("status.initContainerStatuses").Objects().ToList();
        for (var i = 0; i < initStatuses.Count; i++)
        {
            var cs = initStatuses[i];
            var name = cs.Str("name") ?? "";
            restarts += (int)(cs.Long("restartCount") ?? 0);
            var finished = cs.Time("lastState.terminated.finishedAt");
            if (finished is not null && (lastRestart is null || finished > lastRestart)) lastRestart = finished;
            if (Restartable(name))
            {
                restartableInitRestarts += (int)(cs.Long("restartCount") ?? 0);
                if (finished is not null && (lastRestartableInitRestart is null || finished > lastRestartableInitRestart)) lastRestartableInitRestart = finished;
            }

            if (cs.Obj("state.terminated") is not null && cs.Long("state.terminated.exitCode") == 0) continue;
            if (Restartable(name) && cs.Bool("started") == true)
            {
                if (cs.Bool("ready") == true) readyContainers++;
                continue;
            }

            if (cs.Obj("state.terminated") is { } term)
            {
                reason = term.Str("reason") is { Length: > 0 } tr ? "Init:" + tr
                    : term.Long("signal") is { } sig and not 0 ? $"Init:Signal:{sig}" : $"Init:ExitCode:{term.Long("exitCode") ?? 0}";
                initializing = true;
            }
            else if (cs.Str("state.waiting.reason") is { Length: > 0 } wr && wr != "PodInitializing")
            {
                reason = "Init:" + wr;
                initializing = true;
            }
            else
            {
                reason = $"Init:{i}/{initSpecs.Count}";
                initializing = true;
            }

            break;
        }

        var initializedTrue = pod.Arr("status.conditions").Objects().Any(c => c.Str("type") == "Initialized" && c.Str("status") == "True");
        if (!initializing || initializedTrue)
        {
            restarts = restartableInitRestarts;
            lastRestart = lastRestartableInitRestart;
            var hasRunning = false;
            var statuses = pod.Arr("status.containerStatuses").Objects().ToList();
            for (var i = statuses.Count - 1; i >= 0; i--)
            {
                var cs = statuses[i];
                restarts += (int)(cs.Long("restartCount") ?? 0);
                var finished = cs.Time("lastState.terminated.finishedAt");
                if (finished is not null && (lastRestart is null || finished > lastRestart)) lastRestart = finished;
                if (cs.Str("state.waiting.reason") is { Length: > 0 } wr) reason = wr;
                else if (cs.Obj("state.terminated") is { } term && term.Str("reason") is { Length: > 0 } tr) reason = tr;
                else if (cs.Obj("state.terminated") is { } term2)
                {
                    reason = term2.Long("signal") is { } sig and not 0 ? $"Signal:{sig}" : $"ExitCode:{term2.Long("exitCode") ?? 0}";
                }
                else if (cs.Bool("ready") == true && cs.Obj("state.running") is not null)
                {
                    hasRunning = true;
                    readyContainers++;
                }
            }

            if (reason == "Completed" && hasRunning)
            {
                reason = pod.Arr("status.conditions").Objects().Any(c => c.Str("type") == "Ready" && c.Str("status") == "True") ? "Running" : "NotReady";
            }
        }

        var deleting = pod.Str("metadata.deletionTimestamp") is not null;
        if (deleting && pod.Str("status.reason") == "NodeLost") reason = "Unknown";
        else if (deleting && phase is not ("Succeeded" or "Failed")) reason = "Terminating";

        return ($"{readyContainers}/{containers}", reason, restarts, lastRestart);
    }

    private static object?[] PodRow(JsonObject pod, DateTimeOffset now)
    {
        var c = PodRows.GetValue(pod, ComputePodRow);
        var restartText = c.Restarts.ToString(CultureInfo.InvariantCulture);
        if (c.Restarts != 0 && c.LastRestart is not null) restartText = $"{c.Restarts} ({Durations.Since(c.LastRestart, now)} ago)";
        return [pod.Name(), c.Ready, c.Status, restartText, Age(pod, now), c.Ip, c.Node, c.Nominated, c.Gates];
    }

    private static PodRowCache ComputePodRow(JsonObject pod)
    {
        var (ready, status, restarts, lastRestart) = PodStatus(pod);
        var ip = pod.Arr("status.podIPs").Objects().FirstOrDefault()?.Str("ip") ?? pod.Str("status.podIP");
        var gates = pod.Arr("spec.readinessGates");
        var gatesText = "<none>";
        if (gates is { Count: > 0 })
        {
            var conds = pod.Arr("status.conditions").Objects().ToList();
            var trueCount = gates.Objects().Count(g => conds.Any(c => c.Str("type") == g.Str("conditionType") && c.Str("status") == "True"));
            gatesText = $"{trueCount}/{gates.Count}";
        }

        return new PodRowCache(
            ready, status, restarts, lastRestart,
            string.IsNullOrEmpty(ip) ? "<none>" : ip,
            pod.Str("spec.nodeName") is { Length: > 0 } n ? n : "<none>",
            pod.Str("status.nominatedNodeName") is { Length: > 0 } nn ? nn : "<none>",
            gatesText);
    }

    public static string NodeStatus(JsonObject node)
    {
        var parts = new List<string>();
        var ready = node.Arr("status.conditions").Objects().FirstOrDefault(c => c.Str("type") == "Ready");
        parts.Add(ready?.Str("status") == "True" ? "Ready" : "NotReady");
        if (node.Bool("spec.unschedulable") == true) parts.Add("SchedulingDisabled");
        return string.Join(",", parts);
    }

    private static object?[] NodeRow(JsonObject node, DateTimeOffset now)
    {
        var roles = node.Labels().Keys
            .Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
            .Select(k => k["node-role.kubernetes.io/".Length..]).Where(r => r.Length > 0).Order(StringComparer.Ordinal).ToList();
        if (node.Labels().TryGetValue("kubernetes.io/role", out var role) && role.Length > 0) roles.Add(role);
        var addresses = node.Arr("status.addresses").Objects().ToList();
        string Addr(string type) => addresses.FirstOrDefault(a => a.Str("type") == type)?.Str("address") ?? "<none>";
        return
        [
            node.Name(), NodeStatus(node), roles.Count == 0 ? "<none>" : string.Join(",", roles), Age(node, now), node.Str("status.nodeInfo.kubeletVersion") ?? "",
            Addr("InternalIP"), Addr("ExternalIP"), node.Str("status.nodeInfo.osImage") ?? "<unknown>", node.Str("status.nodeInfo.kernelVersion") ?? "<unknown>",
            node.Str("status.nodeInfo.containerRuntimeVersion") ?? "<unknown>",
        ];
    }

    public static string ServicePorts(JsonObject svc)
    {
        var ports = svc.Arr("spec.ports").Objects().Select(p =>
        {
            var text = $"{p.Long("port")}/{p.Str("protocol") ?? "TCP"}";
            return p.Long("nodePort") is { } np && np > 0 ? $"{p.Long("port")}:{np}/{p.Str("protocol") ?? "TCP"}" : text;
        }).ToList();
        return ports.Count == 0 ? "<none>" : string.Join(",", ports);
    }

    private static object?[] ServiceRow(JsonObject svc, DateTimeOffset now)
    {
        var type = svc.Str("spec.type") ?? "ClusterIP";
        var clusterIp = svc.Str("spec.clusterIP") is { Length: > 0 } ip ? ip : "<none>";
        var external = type switch
        {
            "ExternalName" => svc.Str("spec.externalName") ?? "<none>",
            "LoadBalancer" => svc.Arr("status.loadBalancer.ingress").Objects().Select(i => i.Str("ip") ?? i.Str("hostname")).FirstOrDefault() ?? "<pending>",
            _ => svc.Arr("spec.externalIPs") is { Count: > 0 } ext ? string.Join(",", ext.Select(x => x?.GetValue<string>())) : "<none>",
        };
        var selector = svc.Obj("spec.selector") is { Count: > 0 } sel ? string.Join(",", Json.StringMap(sel).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")) : "<none>";
        return [svc.Name(), type, clusterIp, external, ServicePorts(svc), Age(svc, now), selector];
    }

    public static string EndpointsText(JsonObject ep, int max = 3)
    {
        var all = new List<string>();
        foreach (var subset in ep.Arr("subsets").Objects())
        {
            var ports = subset.Arr("ports").Objects().Select(p => p.Long("port")).ToList();
            foreach (var addr in subset.Arr("addresses").Objects())
            {
                if (ports.Count == 0) all.Add(addr.Str("ip") ?? "");
                else all.AddRange(ports.Select(p => $"{addr.Str("ip")}:{p}"));
            }
        }

        if (all.Count == 0) return "<none>";
        return all.Count > max ? string.Join(",", all.Take(max)) + $" + {all.Count - max} more..." : string.Join(",", all);
    }

    private static object?[] EndpointsRow(JsonObject ep, DateTimeOffset now) => [ep.Name(), EndpointsText(ep), Age(ep, now)];

    private static object?[] EventRow(JsonObject ev, DateTimeOffset now)
    {
        var first = ev.Time("firstTimestamp") ?? ev.Time("eventTime") ?? ev.Time("metadata.creationTimestamp");
        var last = ev.Time("lastTimestamp") ?? first;
        var count = ev.Long("count") ?? 1;
        var lastSeen = Durations.Since(last, now);
        var kind = ev.Str("involvedObject.kind") ?? "";
        var obj = $"{kind.ToLowerInvariant()}/{ev.Str("involvedObject.name")}";
        var source = ev.Str("source.component") ?? ev.Str("reportingComponent") ?? "";
        if (ev.Str("source.host") is { Length: > 0 } host) source += ", " + host;
        return
        [
            lastSeen, ev.Str("type") ?? "", ev.Str("reason") ?? "", obj, ev.Str("involvedObject.fieldPath") ?? "", source,
            (ev.Str("message") ?? "").Trim(), Durations.Since(first, now), count, ev.Name(),
        ];
    }

    private static object?[] PvcRow(JsonObject pvc, DateTimeOffset now)
    {
        var bound = pvc.Str("status.phase") == "Bound";
        return
        [
            pvc.Name(), pvc.Str("status.phase") ?? "Pending", pvc.Str("spec.volumeName") ?? "", bound ? pvc.Str("status.capacity.storage") ?? "" : "",
            bound ? AccessModes(pvc.Arr("status.accessModes") ?? pvc.Arr("spec.accessModes")) : "",
            pvc.Str("spec.storageClassName") ?? "<unset>", pvc.Str("spec.volumeAttributesClassName") ?? "<unset>", Age(pvc, now), pvc.Str("spec.volumeMode") ?? "Filesystem",
        ];
    }

    private static object?[] PvRow(JsonObject pv, DateTimeOffset now)
    {
        var claim = pv.Obj("spec.claimRef") is { } cr ? $"{cr.Str("namespace")}/{cr.Str("name")}" : "";
        return
        [
            pv.Name(), pv.Str("spec.capacity.storage") ?? "", AccessModes(pv.Arr("spec.accessModes")), pv.Str("spec.persistentVolumeReclaimPolicy") ?? "Delete",
            pv.Str("status.phase") ?? "Available", claim, pv.Str("spec.storageClassName") ?? "", pv.Str("spec.volumeAttributesClassName") ?? "<unset>",
            pv.Str("status.reason") ?? "", Age(pv, now), pv.Str("spec.volumeMode") ?? "Filesystem",
        ];
    }

    private static string AccessModes(JsonArray? modes) => modes is null ? "" : string.Join(",", modes.Select(m => m?.GetValue<string>() switch
    {
        "ReadWriteOnce" => "RWO",
        "ReadOnlyMany" => "ROX",
        "ReadWriteMany" => "RWX",
        "ReadWriteOncePod" => "RWOP",
        var x => x,
    }));

    private static object?[] StorageClassRow(JsonObject sc, DateTimeOffset now)
    {
        var name = sc.Name();
        var ann = sc.Obj("metadata.annotations");
        if (ann is not null && Json.StringMap(ann).TryGetValue("storageclass.kubernetes.io/is-default-class", out var d) && d == "true") name = sc.Name() + " (default)";
        return [name, sc.Str("provisioner") ?? "", sc.Str("reclaimPolicy") ?? "Delete", sc.Str("volumeBindingMode") ?? "Immediate", sc.Bool("allowVolumeExpansion") ?? false, Age(sc, now)];
    }

    private static (string Names, string Images) Containers(JsonObject? podSpec)
    {
        var cs = podSpec.Arr("containers").Objects().ToList();
        return (string.Join(",", cs.Select(c => c.Str("name"))), string.Join(",", cs.Select(c => c.Str("image"))));
    }

    private static object?[] DeploymentRow(JsonObject d, DateTimeOffset now)
    {
        var (names, images) = Containers(d.Obj("spec.template.spec"));
        return
        [
            d.Name(), $"{d.Long("status.readyReplicas") ?? 0}/{d.Long("spec.replicas") ?? 1}", d.Long("status.updatedReplicas") ?? 0, d.Long("status.availableReplicas") ?? 0,
            Age(d, now), names, images, LabelSelector.Format(d.Obj("spec.selector")),
        ];
    }

    private static object?[] ReplicaSetRow(JsonObject rs, DateTimeOffset now)
    {
        var (names, images) = Containers(rs.Obj("spec.template.spec"));
        return [rs.Name(), rs.Long("spec.replicas") ?? 1, rs.Long("status.replicas") ?? 0, rs.Long("status.readyReplicas") ?? 0, Age(rs, now), names, images, LabelSelector.Format(rs.Obj("spec.selector"))];
    }

    private static object?[] StatefulSetRow(JsonObject s, DateTimeOffset now)
    {
        var (names, images) = Containers(s.Obj("spec.template.spec"));
        return [s.Name(), $"{s.Long("status.readyReplicas") ?? 0}/{s.Long("spec.replicas") ?? 1}", Age(s, now), names, images];
    }

    private static object?[] DaemonSetRow(JsonObject ds, DateTimeOffset now)
    {
        var (names, images) = Containers(ds.Obj("spec.template.spec"));
        var nodeSelector = ds.Obj("spec.template.spec.nodeSelector") is { Count: > 0 } ns ? string.Join(",", Json.StringMap(ns).Select(p => $"{p.Key}={p.Value}")) : "<none>";
        return
        [
            ds.Name(), ds.Long("status.desiredNumberScheduled") ?? 0, ds.Long("status.currentNumberScheduled") ?? 0, ds.Long("status.numberReady") ?? 0,
            ds.Long("status.updatedNumberScheduled") ?? 0, ds.Long("status.numberAvailable") ?? 0, nodeSelector, Age(ds, now), names, images, LabelSelector.Format(ds.Obj("spec.selector")),
        ];
    }

    private static object?[] JobRow(JsonObject job, DateTimeOffset now)
    {
        var (names, images) = Containers(job.Obj("spec.template.spec"));
        var completions = job.Long("spec.completions") is { } c ? $"{job.Long("status.succeeded") ?? 0}/{c}" : $"{job.Long("status.succeeded") ?? 0}/1 of {job.Long("spec.parallelism") ?? 1}";
        var start = job.Time("status.startTime");
        var end = job.Time("status.completionTime") ?? now;
        var conditions = job.Arr("status.conditions").Objects().Where(x => x.Str("status") == "True").Select(x => x.Str("type")).ToList();
        var status = conditions.Contains("Failed") ? "Failed" : conditions.Contains("Complete") ? "Complete" : conditions.Contains("Suspended") ? "Suspended"
            : conditions.Contains("FailureTarget") ? "FailureTarget" : conditions.Contains("SuccessCriteriaMet") ? "SuccessCriteriaMet" : "Running";
        return [job.Name(), status, completions, start is null ? "" : Durations.Human(end - start.Value), Age(job, now), names, images, LabelSelector.Format(job.Obj("spec.selector"))];
    }

    private static object?[] CronJobRow(JsonObject cj, DateTimeOffset now)
    {
        var (names, images) = Containers(cj.Obj("spec.jobTemplate.spec.template.spec"));
        var last = cj.Time("status.lastScheduleTime");
        return
        [
            cj.Name(), cj.Str("spec.schedule") ?? "", cj.Str("spec.timeZone") ?? "<none>", (cj.Bool("spec.suspend") ?? false) ? "True" : "False",
            (long)(cj.Arr("status.active")?.Count ?? 0), last is null ? "<none>" : Durations.Since(last, now), Age(cj, now), names, images, "<none>",
        ];
    }

    private static object?[] HpaRow(JsonObject hpa, DateTimeOffset now)
    {
        var reference = $"{hpa.Str("spec.scaleTargetRef.kind")}/{hpa.Str("spec.scaleTargetRef.name")}";
        var targets = new List<string>();
        var current = hpa.Arr("status.currentMetrics").Objects().ToList();
        foreach (var m in hpa.Arr("spec.metrics").Objects())
        {
            if (m.Str("type") == "Resource")
            {
                var name = m.Str("resource.name");
                var cur = current.FirstOrDefault(c => c.Str("resource.name") == name)?.Long("resource.current.averageUtilization");
                var target = m.Long("resource.target.averageUtilization");
                targets.Add($"{name}: {(cur is null ? "<unknown>" : cur + "%")}/{target}%");
            }
        }

        return
        [
            hpa.Name(), reference, targets.Count == 0 ? "<none>" : string.Join(", ", targets), (hpa.Long("spec.minReplicas") ?? 1).ToString(CultureInfo.InvariantCulture),
            hpa.Long("spec.maxReplicas") ?? 0, hpa.Long("status.currentReplicas") ?? 0, Age(hpa, now),
        ];
    }

    private static object?[] PdbRow(JsonObject pdb, DateTimeOffset now) =>
    [
        pdb.Name(), pdb.Str("spec.minAvailable") ?? "N/A", pdb.Str("spec.maxUnavailable") ?? "N/A", pdb.Long("status.disruptionsAllowed") ?? 0, Age(pdb, now),
    ];
}
