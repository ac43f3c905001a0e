using System.Text.Json.Nodes;

namespace KubeMedic.Simulator.Metrics;

/// <summary>
/// kube-state-metrics v2-compatible exposition (job="kube-state-metrics"): the metric names, types and label names
/// (in kube-state-metrics' order: namespace, pod, uid first) that the kubernetes-mixin rules and dashboards query.
/// </summary>
public static class KubeStateMetrics
{
    private static readonly string[] PodPhases = ["Pending", "Succeeded", "Failed", "Unknown", "Running"];
    private static readonly string[] PodReasons = ["Evicted", "NodeAffinity", "NodeLost", "PreemptionByScheduler", "SchedulingGated", "Shutdown", "TerminationByKubelet", "UnexpectedAdmissionError", "Other"];
    private static readonly string[] ConditionStatuses = ["true", "false", "unknown"];

    private static readonly HashSet<string> DeploymentReasons = new(StringComparer.Ordinal)
    {
        "MinimumReplicasAvailable", "MinimumReplicasUnavailable", "NewReplicaSetAvailable", "NewReplicaSetCreated", "FoundNewReplicaSet",
        "ReplicaSetUpdated", "ProgressDeadlineExceeded", "DeploymentPaused", "DeploymentResumed", "ReplicaSetCreateError",
    };

    public static string Write(ClusterState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var w = new ExpositionWriter();
        WritePods(w, state);
        WriteDeployments(w, state);
        WriteReplicaSets(w, state);
        WriteStatefulSets(w, state);
        WriteDaemonSets(w, state);
        WriteJobs(w, state);
        WriteHpas(w, state);
        WritePdbs(w, state);
        WriteNodes(w, state);
        WritePvcs(w, state);
        WriteServices(w, state);
        WriteNamespaces(w, state);
        return w.ToString();
    }

    private static (string, string?)[] L(params (string, string?)[] labels) => labels;

    private static double Bool(bool b) => b ? 1 : 0;

    private static string StatusLabel(string? s) => s switch
    {
        "True" => "true",
        "False" => "false",
        _ => "unknown",
    };

    private static void WritePods(ExpositionWriter w, ClusterState s)
    {
        var pods = s.Pods;
        (string, string?)[] P(JsonObject p, params (string, string?)[] more) => [("namespace", J.Ns(p)), ("pod", J.Name(p)), ("uid", J.Uid(p)), .. more];

        w.Family("kube_pod_info", "gauge", "Information about pod.");
        foreach (var p in pods)
        {
            var owner = J.A(p, "metadata", "ownerReferences").FirstOrDefault(o => J.B(o, "controller")) ?? J.A(p, "metadata", "ownerReferences").FirstOrDefault();
            w.Sample("kube_pod_info", 1, P(p,
                ("host_ip", J.S(p, "status", "hostIP") ?? ""), ("pod_ip", J.S(p, "status", "podIP") ?? ""), ("node", J.S(p, "spec", "nodeName") ?? ""),
                ("created_by_kind", owner is null ? "<none>" : J.S(owner, "kind")), ("created_by_name", owner is null ? "<none>" : J.S(owner, "name")),
                ("priority_class", J.S(p, "spec", "priorityClassName") ?? ""), ("host_network", J.B(p, "spec", "hostNetwork") ? "true" : "false")));
        }

        w.Family("kube_pod_owner", "gauge", "Information about the Pod's owner.");
        foreach (var p in pods) SampleOwners(w, "kube_pod_owner", p, more => P(p, more));

        w.Family("kube_pod_created", "gauge", "Unix creation timestamp");
        foreach (var p in pods)
        {
            if (J.Time(p, "metadata", "creationTimestamp") is { } t) w.Sample("kube_pod_created", t.ToUnixTimeSeconds(), P(p));
        }

        w.Family("kube_pod_start_time", "gauge", "Start time in unix timestamp for a pod.");
        foreach (var p in pods)
        {
            if (J.Time(p, "status", "startTime") is { } t) w.Sample("kube_pod_start_time", t.ToUnixTimeSeconds(), P(p));
        }

        w.Family("kube_pod_deletion_timestamp", "gauge", "Unix deletion timestamp");
        foreach (var p in pods)
        {
            if (J.Time(p, "metadata", "deletionTimestamp") is { } t) w.Sample("kube_pod_deletion_timestamp", t.ToUnixTimeSeconds(), P(p));
        }

        w.Family("kube_pod_status_phase", "gauge", "The pods current phase.");
        foreach (var p in pods)
        {
            var phase = J.S(p, "status", "phase") ?? "Pending";
            foreach (var ph in PodPhases) w.Sample("kube_pod_status_phase", Bool(ph == phase), P(p, ("phase", ph)));
        }

        w.Family("kube_pod_status_ready", "gauge", "Describes whether the pod is ready to serve requests.");
        foreach (var p in pods)
        {
            if (J.Condition(p, "Ready") is not { } c) continue;
            var st = StatusLabel(J.S(c, "status"));
            foreach (var cs in ConditionStatuses) w.Sample("kube_pod_status_ready", Bool(cs == st), P(p, ("condition", cs)));
        }

        w.Family("kube_pod_status_scheduled", "gauge", "Describes the status of the scheduling process for the pod.");
        foreach (var p in pods)
        {
            if (J.Condition(p, "PodScheduled") is not { } c) continue;
            var st = StatusLabel(J.S(c, "status"));
            foreach (var cs in ConditionStatuses) w.Sample("kube_pod_status_scheduled", Bool(cs == st), P(p, ("condition", cs)));
        }

        w.Family("kube_pod_status_reason", "gauge", "The pod status reasons");
        foreach (var p in pods)
        {
            var reason = J.S(p, "status", "reason");
            if (reason is null) continue;
            var r = PodReasons.Contains(reason) ? reason : reason == "UnexpectedAdmissionError" ? reason : null;
            if (r is not null) w.Sample("kube_pod_status_reason", 1, P(p, ("reason", r)));
        }

        w.Family("kube_pod_status_unschedulable", "gauge", "Describes the unschedulable status for the pod.");
        foreach (var p in pods)
        {
            if (J.Condition(p, "PodScheduled") is { } c && J.S(c, "reason") == "Unschedulable") w.Sample("kube_pod_status_unschedulable", 1, P(p));
        }

        var statuses = pods.SelectMany(p => J.A(p, "status", "containerStatuses").Select(cs => (Pod: p, Status: cs))).ToList();
        (string, string?)[] C(JsonObject p, JsonObject cs, params (string, string?)[] more) => P(p, [("container", J.S(cs, "name")), .. more]);

        w.Family("kube_pod_container_info", "gauge", "Information about a container in a pod.");
        foreach (var (p, cs) in statuses)
        {
            var spec = J.A(p, "spec", "containers").FirstOrDefault(c => J.S(c, "name") == J.S(cs, "name"));
            w.Sample("kube_pod_container_info", 1, C(p, cs, ("image", J.S(cs, "image") ?? ""), ("image_id", J.S(cs, "imageID") ?? ""),
                ("image_spec", J.S(spec, "image") ?? ""), ("container_id", J.S(cs, "containerID") ?? "")));
        }

        w.Family("kube_pod_container_status_waiting", "gauge", "Describes whether the container is currently in waiting state.");
        foreach (var (p, cs) in statuses) w.Sample("kube_pod_container_status_waiting", Bool(J.O(cs, "state", "waiting") is not null), C(p, cs));

        w.Family("kube_pod_container_status_waiting_reason", "gauge", "Describes the reason the container is currently in waiting state.");
        foreach (var (p, cs) in statuses)
        {
            if (J.O(cs, "state", "waiting") is { } wt) w.Sample("kube_pod_container_status_waiting_reason", 1, C(p, cs, ("reason", J.S(wt, "reason") ?? "")));
        }

        w.Family("kube_pod_container_status_running", "gauge", "Describes whether the container is currently in running state.");
        foreach (var (p, cs) in statuses) w.Sample("kube_pod_container_status_running", Bool(J.O(cs, "state", "running") is not null), C(p, cs));

        w.Family("kube_pod_container_state_started", "gauge", "Start time in unix timestamp for a pod container.");
        foreach (var (p, cs) in statuses)
        {
            if (J.Time(cs, "state", "running", "startedAt") is { } t) w.Sample("kube_pod_container_state_started", t.ToUnixTimeSeconds(), C(p, cs));
        }

        w.Family("kube_pod_container_status_terminated", "gauge", "Describes whether the container is currently in terminated state.");
        foreach (var (p, cs) in statuses) w.Sample("kube_pod_container_status_terminated", Bool(J.O(cs, "state", "terminated") is not null), C(p, cs));

        w.Family("kube_pod_container_status_terminated_reason", "gauge", "Describes the reason the container is currently in terminated state.");
        foreach (var (p, cs) in statuses)
        {
            if (J.O(cs, "state", "terminated") is { } t) w.Sample("kube_pod_container_status_terminated_reason", 1, C(p, cs, ("reason", J.S(t, "reason") ?? "")));
        }

        w.Family("kube_pod_container_status_last_terminated_reason", "gauge", "Describes the last reason the container was in terminated state.");
        foreach (var (p, cs) in statuses)
        {
            if (J.O(cs, "lastState", "terminated") is { } t) w.Sample("kube_pod_container_status_last_terminated_reason", 1, C(p, cs, ("reason", J.S(t, "reason") ?? "")));
        }

        w.Family("kube_pod_container_status_last_terminated_exitcode", "gauge", "Describes the exit code for the last container in terminated state.");
        foreach (var (p, cs) in statuses)
        {
            if (J.O(cs, "lastState", "terminated") is { } t) w.Sample("kube_pod_container_status_last_terminated_exitcode", J.L(t, "exitCode") ?? 0, C(p, cs));
        }

        w.Family("kube_pod_container_status_ready", "gauge", "Describes whether the containers readiness check succeeded.");
        foreach (var (p, cs) in statuses) w.Sample("kube_pod_container_status_ready", Bool(J.B(cs, "ready")), C(p, cs));

        w.Family("kube_pod_container_status_restarts_total", "counter", "The number of container restarts per container.");
        foreach (var (p, cs) in statuses) w.Sample("kube_pod_container_status_restarts_total", J.L(cs, "restartCount") ?? 0, C(p, cs));

        foreach (var kind in new[] { "requests", "limits" })
        {
            var name = "kube_pod_container_resource_" + kind;
            w.Family(name, "gauge", $"The number of requested {kind} resource by a container. It is recommended to use the kube_pod_resource_{kind} metric exposed by kube-scheduler instead, as it is more precise.");
            foreach (var p in pods)
            {
                var node = J.S(p, "spec", "nodeName") ?? "";
                foreach (var c in J.A(p, "spec", "containers"))
                {
                    if (J.O(c, "resources", kind) is not { } res) continue;
                    foreach (var (key, val) in res)
                    {
                        var (resource, unit) = MetricQuantity.KsmResource(key);
                        w.Sample(name, MetricQuantity.Parse(val?.ToString()), P(p, ("container", J.S(c, "name")), ("node", node), ("resource", resource), ("unit", unit)));
                    }
                }
            }
        }
    }

    private static void WriteDeployments(ExpositionWriter w, ClusterState s)
    {
        var ds = s.Deployments;
        (string, string?)[] D(JsonObject d, params (string, string?)[] more) => [("namespace", J.Ns(d)), ("deployment", J.Name(d)), .. more];
        void G(string name, string help, Func<JsonObject, double?> value)
        {
            w.Family(name, "gauge", help);
            foreach (var d in ds)
            {
                if (value(d) is { } v) w.Sample(name, v, D(d));
            }
        }

        G("kube_deployment_created", "Unix creation timestamp", d => J.Time(d, "metadata", "creationTimestamp")?.ToUnixTimeSeconds());
        G("kube_deployment_spec_replicas", "Number of desired pods for a deployment.", d => J.L(d, "spec", "replicas") ?? 1);
        G("kube_deployment_spec_paused", "Whether the deployment is paused and will not be processed by the deployment controller.", d => Bool(J.B(d, "spec", "paused")));
        G("kube_deployment_status_replicas", "The number of replicas per deployment.", d => J.L(d, "status", "replicas") ?? 0);
        G("kube_deployment_status_replicas_ready", "The number of ready replicas per deployment.", d => J.L(d, "status", "readyReplicas") ?? 0);
        G("kube_deployment_status_replicas_available", "The number of available replicas per deployment.", d => J.L(d, "status", "availableReplicas") ?? 0);
        G("kube_deployment_status_replicas_unavailable", "The number of unavailable replicas per deployment.", d => J.L(d, "status", "unavailableReplicas") ?? 0);
        G("kube_deployment_status_replicas_updated", "The number of updated replicas per deployment.", d => J.L(d, "status", "updatedReplicas") ?? 0);
        G("kube_deployment_status_observed_generation", "The generation observed by the deployment controller.", d => J.L(d, "status", "observedGeneration") ?? 0);
        G("kube_deployment_metadata_generation", "Sequence number representing a specific generation of the desired state.", d => J.L(d, "metadata", "generation") ?? 0);

        w.Family("kube_deployment_status_condition", "gauge", "The current status conditions of a deployment.");
        foreach (var d in ds)
        {
            foreach (var c in J.A(d, "status", "conditions"))
            {
                var reason = J.S(c, "reason") is { } r && DeploymentReasons.Contains(r) ? r : "unknown";
                var st = StatusLabel(J.S(c, "status"));
                foreach (var cs in ConditionStatuses) w.Sample("kube_deployment_status_condition", Bool(cs == st), D(d, ("reason", reason), ("condition", J.S(c, "type")), ("status", cs)));
            }
        }
    }

    /// <summary>kube-state-metrics' <c>*_owner</c> series: one per ownerReference, or one <c>&lt;none&gt;</c> series for an unowned object.</summary>
    private static void SampleOwners(ExpositionWriter w, string family, JsonObject o, Func<(string, string?)[], (string, string?)[]> labels)
    {
        var owners = J.A(o, "metadata", "ownerReferences").ToList();
        if (owners.Count == 0) w.Sample(family, 1, labels([("owner_kind", "<none>"), ("owner_name", "<none>"), ("owner_is_controller", "<none>")]));
        foreach (var owner in owners)
        {
            w.Sample(family, 1, labels([("owner_kind", J.S(owner, "kind")), ("owner_name", J.S(owner, "name")), ("owner_is_controller", J.B(owner, "controller") ? "true" : "false")]));
        }
    }

    private static void WriteReplicaSets(ExpositionWriter w, ClusterState s)
    {
        (string, string?)[] R(JsonObject r, params (string, string?)[] more) => [("namespace", J.Ns(r)), ("replicaset", J.Name(r)), .. more];
        w.Family("kube_replicaset_owner", "gauge", "Information about the ReplicaSet's owner.");
        foreach (var r in s.ReplicaSets) SampleOwners(w, "kube_replicaset_owner", r, more => R(r, more));

        w.Family("kube_replicaset_spec_replicas", "gauge", "Number of desired pods for a ReplicaSet.");
        foreach (var r in s.ReplicaSets) w.Sample("kube_replicaset_spec_replicas", J.L(r, "spec", "replicas") ?? 1, R(r));
        w.Family("kube_replicaset_status_replicas", "gauge", "The number of replicas per ReplicaSet.");
        foreach (var r in s.ReplicaSets) w.Sample("kube_replicaset_status_replicas", J.L(r, "status", "replicas") ?? 0, R(r));
        w.Family("kube_replicaset_status_ready_replicas", "gauge", "The number of ready replicas per ReplicaSet.");
        foreach (var r in s.ReplicaSets) w.Sample("kube_replicaset_status_ready_replicas", J.L(r, "status", "readyReplicas") ?? 0, R(r));
    }

    private static void WriteStatefulSets(ExpositionWriter w, ClusterState s)
    {
        (string, string?)[] S(JsonObject o, params (string, string?)[] more) => [("namespace", J.Ns(o)), ("statefulset", J.Name(o)), .. more];
        void G(string name, string help, Func<JsonObject, double> value)
        {
            w.Family(name, "gauge", help);
            foreach (var o in s.StatefulSets) w.Sample(name, value(o), S(o));
        }

        G("kube_statefulset_replicas", "Number of desired pods for a StatefulSet.", o => J.L(o, "spec", "replicas") ?? 1);
        G("kube_statefulset_status_replicas", "The number of replicas per StatefulSet.", o => J.L(o, "status", "replicas") ?? 0);
        G("kube_statefulset_status_replicas_available", "The number of available replicas per StatefulSet.", o => J.L(o, "status", "availableReplicas") ?? 0);
        G("kube_statefulset_status_replicas_current", "The number of current replicas per StatefulSet.", o => J.L(o, "status", "currentReplicas") ?? 0);
        G("kube_statefulset_status_replicas_ready", "The number of ready replicas per StatefulSet.", o => J.L(o, "status", "readyReplicas") ?? 0);
        G("kube_statefulset_status_replicas_updated", "The number of updated replicas per StatefulSet.", o => J.L(o, "status", "updatedReplicas") ?? 0);
        G("kube_statefulset_status_observed_generation", "The generation observed by the StatefulSet controller.", o => J.L(o, "status", "observedGeneration") ?? 0);
        G("kube_statefulset_metadata_generation", "Sequence number representing a specific generation of the desired state for the StatefulSet.", o => J.L(o, "metadata", "generation") ?? 0);
        w.Family("kube_statefulset_status_current_revision", "gauge", "Indicates the version of the StatefulSet used to generate Pods in the sequence [0,currentReplicas).");
        foreach (var o in s.StatefulSets) w.Sample("kube_statefulset_status_current_revision", 1, S(o, ("revision", J.S(o, "status", "currentRevision") ?? "")));
        w.Family("kube_statefulset_status_update_revision", "gauge", "Indicates the version of the StatefulSet used to generate Pods in the sequence [replicas-updatedReplicas,replicas)");
        foreach (var o in s.StatefulSets) w.Sample("kube_statefulset_status_update_revision", 1, S(o, ("revision", J.S(o, "status", "updateRevision") ?? "")));
    }

    private static void WriteDaemonSets(ExpositionWriter w, ClusterState s)
    {
        void G(string name, string field, string help)
        {
            w.Family(name, "gauge", help);
            foreach (var o in s.DaemonSets) w.Sample(name, J.L(o, "status", field) ?? 0, ("namespace", J.Ns(o)), ("daemonset", J.Name(o)));
        }

        G("kube_daemonset_status_current_number_scheduled", "currentNumberScheduled", "The number of nodes running at least one daemon pod and are supposed to.");
        G("kube_daemonset_status_desired_number_scheduled", "desiredNumberScheduled", "The number of nodes that should be running the daemon pod.");
        G("kube_daemonset_status_number_available", "numberAvailable", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available");
        G("kube_daemonset_status_number_misscheduled", "numberMisscheduled", "The number of nodes running a daemon pod but are not supposed to.");
        G("kube_daemonset_status_number_ready", "numberReady", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.");
        G("kube_daemonset_status_number_unavailable", "numberUnavailable", "The number of nodes that should be running the daemon pod and have none of the daemon pod running and available");
        G("kube_daemonset_status_updated_number_scheduled", "updatedNumberScheduled", "The total number of nodes that are running updated daemon pod");
        G("kube_daemonset_status_observed_generation", "observedGeneration", "The most recent generation observed by the daemon set controller.");
    }

    private static void WriteJobs(ExpositionWriter w, ClusterState s)
    {
        (string, string?)[] Jb(JsonObject o, params (string, string?)[] more) => [("namespace", J.Ns(o)), ("job_name", J.Name(o)), .. more];
        w.Family("kube_job_info", "gauge", "Information about job.");
        foreach (var o in s.Jobs) w.Sample("kube_job_info", 1, Jb(o));
        w.Family("kube_job_owner", "gauge", "Information about the Job's owner.");
        foreach (var o in s.Jobs) SampleOwners(w, "kube_job_owner", o, more => Jb(o, more));

        w.Family("kube_job_spec_completions", "gauge", "The desired number of successfully finished pods the job should be run with.");
        foreach (var o in s.Jobs) w.Sample("kube_job_spec_completions", J.L(o, "spec", "completions") ?? 1, Jb(o));
        w.Family("kube_job_spec_parallelism", "gauge", "The maximum desired number of pods the job should run at any given time.");
        foreach (var o in s.Jobs) w.Sample("kube_job_spec_parallelism", J.L(o, "spec", "parallelism") ?? 1, Jb(o));
        w.Family("kube_job_status_active", "gauge", "The number of actively running pods.");
        foreach (var o in s.Jobs) w.Sample("kube_job_status_active", J.L(o, "status", "active") ?? 0, Jb(o));
        w.Family("kube_job_status_succeeded", "gauge", "The number of pods which reached Phase Succeeded.");
        foreach (var o in s.Jobs) w.Sample("kube_job_status_succeeded", J.L(o, "status", "succeeded") ?? 0, Jb(o));
        w.Family("kube_job_status_failed", "gauge", "The number of pods which reached Phase Failed and the reason for failure.");
        foreach (var o in s.Jobs) w.Sample("kube_job_status_failed", J.L(o, "status", "failed") ?? 0, Jb(o));
        w.Family("kube_job_status_start_time", "gauge", "StartTime represents time when the job was acknowledged by the Job Manager.");
        foreach (var o in s.Jobs)
        {
            if (J.Time(o, "status", "startTime") is { } t) w.Sample("kube_job_status_start_time", t.ToUnixTimeSeconds(), Jb(o));
        }

        w.Family("kube_job_status_completion_time", "gauge", "CompletionTime represents time when the job was completed.");
        foreach (var o in s.Jobs)
        {
            if (J.Time(o, "status", "completionTime") is { } t) w.Sample("kube_job_status_completion_time", t.ToUnixTimeSeconds(), Jb(o));
        }

        foreach (var (metric, type, help) in new[] { ("kube_job_complete", "Complete", "The job has completed its execution."), ("kube_job_failed", "Failed", "The job has failed its execution.") })
        {
            w.Family(metric, "gauge", help);
            foreach (var o in s.Jobs)
            {
                if (J.Condition(o, type) is not { } c) continue;
                var st = StatusLabel(J.S(c, "status"));
                foreach (var cs in ConditionStatuses) w.Sample(metric, Bool(cs == st), Jb(o, ("condition", cs)));
            }
        }
    }

    private static void WriteHpas(ExpositionWriter w, ClusterState s)
    {
        (string, string?)[] H(JsonObject o, params (string, string?)[] more) => [("namespace", J.Ns(o)), ("horizontalpodautoscaler", J.Name(o)), .. more];
        void G(string name, string help, Func<JsonObject, double> value)
        {
            w.Family(name, "gauge", help);
            foreach (var o in s.HorizontalPodAutoscalers) w.Sample(name, value(o), H(o));
        }

        G("kube_horizontalpodautoscaler_spec_min_replicas", "Lower limit for the number of pods that can be set by the autoscaler, default 1.", o => J.L(o, "spec", "minReplicas") ?? 1);
        G("kube_horizontalpodautoscaler_spec_max_replicas", "Upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.", o => J.L(o, "spec", "maxReplicas") ?? 1);
        G("kube_horizontalpodautoscaler_status_current_replicas", "Current number of replicas of pods managed by this autoscaler.", o => J.L(o, "status", "currentReplicas") ?? 0);
        G("kube_horizontalpodautoscaler_status_desired_replicas", "Desired number of replicas of pods managed by this autoscaler.", o => J.L(o, "status", "desiredReplicas") ?? 0);
        w.Family("kube_horizontalpodautoscaler_status_condition", "gauge", "The condition of this autoscaler.");
        foreach (var o in s.HorizontalPodAutoscalers)
        {
            foreach (var c in J.A(o, "status", "conditions"))
            {
                var st = StatusLabel(J.S(c, "status"));
                foreach (var cs in ConditionStatuses) w.Sample("kube_horizontalpodautoscaler_status_condition", Bool(cs == st), H(o, ("condition", J.S(c, "type")), ("status", cs)));
            }
        }
    }

    private static void WritePdbs(ExpositionWriter w, ClusterState s)
    {
        void G(string name, string field, string help)
        {
            w.Family(name, "gauge", help);
            foreach (var o in s.PodDisruptionBudgets) w.Sample(name, J.L(o, "status", field) ?? 0, ("namespace", J.Ns(o)), ("poddisruptionbudget", J.Name(o)));
        }

        G("kube_poddisruptionbudget_status_current_healthy", "currentHealthy", "Current number of healthy pods");
        G("kube_poddisruptionbudget_status_desired_healthy", "desiredHealthy", "Minimum desired number of healthy pods");
        G("kube_poddisruptionbudget_status_pod_disruptions_allowed", "disruptionsAllowed", "Number of pod disruptions that are currently allowed");
        G("kube_poddisruptionbudget_status_expected_pods", "expectedPods", "Total number of pods counted by this disruption budget");
    }

    private static void WriteNodes(ExpositionWriter w, ClusterState s)
    {
        var nodes = s.Nodes;
        w.Family("kube_node_info", "gauge", "Information about a cluster node.");
        foreach (var n in nodes)
        {
            var info = J.O(n, "status", "nodeInfo");
            var ip = J.A(n, "status", "addresses").FirstOrDefault(a => J.S(a, "type") == "InternalIP");
            w.Sample("kube_node_info", 1, ("node", J.Name(n)), ("kernel_version", J.S(info, "kernelVersion") ?? ""), ("os_image", J.S(info, "osImage") ?? ""),
                ("container_runtime_version", J.S(info, "containerRuntimeVersion") ?? ""), ("kubelet_version", J.S(info, "kubeletVersion") ?? ""),
                ("kubeproxy_version", J.S(info, "kubeProxyVersion") ?? "deprecated"), ("provider_id", J.S(n, "spec", "providerID") ?? ""),
                ("pod_cidr", J.S(n, "spec", "podCIDR") ?? ""), ("system_uuid", J.S(info, "systemUUID") ?? ""), ("internal_ip", J.S(ip, "address") ?? ""));
        }

        w.Family("kube_node_created", "gauge", "Unix creation timestamp");
        foreach (var n in nodes)
        {
            if (J.Time(n, "metadata", "creationTimestamp") is { } t) w.Sample("kube_node_created", t.ToUnixTimeSeconds(), ("node", J.Name(n)));
        }

        w.Family("kube_node_role", "gauge", "The role of a cluster node.");
        foreach (var n in nodes)
        {
            foreach (var key in J.Labels(n, "metadata", "labels").Keys.Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal)))
            {
                w.Sample("kube_node_role", 1, ("node", J.Name(n)), ("role", key["node-role.kubernetes.io/".Length..]));
            }
        }

        w.Family("kube_node_spec_taint", "gauge", "The taint of a cluster node.");
        foreach (var n in nodes)
        {
            foreach (var t in J.A(n, "spec", "taints")) w.Sample("kube_node_spec_taint", 1, ("node", J.Name(n)), ("key", J.S(t, "key")), ("value", J.S(t, "value") ?? ""), ("effect", J.S(t, "effect")));
        }

        w.Family("kube_node_spec_unschedulable", "gauge", "Whether a node can schedule new pods.");
        foreach (var n in nodes) w.Sample("kube_node_spec_unschedulable", Bool(J.B(n, "spec", "unschedulable")), ("node", J.Name(n)));

        w.Family("kube_node_status_condition", "gauge", "The condition of a cluster node.");
        foreach (var n in nodes)
        {
            foreach (var c in J.A(n, "status", "conditions"))
            {
                var st = StatusLabel(J.S(c, "status"));
                foreach (var cs in ConditionStatuses) w.Sample("kube_node_status_condition", Bool(cs == st), ("node", J.Name(n)), ("condition", J.S(c, "type")), ("status", cs));
            }
        }

        foreach (var (metric, field, help) in new[] { ("kube_node_status_capacity", "capacity", "The capacity for different resources of a node."), ("kube_node_status_allocatable", "allocatable", "The allocatable for different resources of a node that are available for scheduling.") })
        {
            w.Family(metric, "gauge", help);
            foreach (var n in nodes)
            {
                if (J.O(n, "status", field) is not { } res) continue;
                foreach (var (key, val) in res)
                {
                    var (resource, unit) = MetricQuantity.KsmResource(key);
                    w.Sample(metric, MetricQuantity.Parse(val?.ToString()), ("node", J.Name(n)), ("resource", resource), ("unit", unit));
                }
            }
        }
    }

    private static void WritePvcs(ExpositionWriter w, ClusterState s)
    {
        (string, string?)[] C(JsonObject o, params (string, string?)[] more) => [("namespace", J.Ns(o)), ("persistentvolumeclaim", J.Name(o)), .. more];
        w.Family("kube_persistentvolumeclaim_info", "gauge", "Information about persistent volume claim.");
        foreach (var o in s.PersistentVolumeClaims)
        {
            w.Sample("kube_persistentvolumeclaim_info", 1, C(o, ("storageclass", J.S(o, "spec", "storageClassName") ?? ""), ("volumename", J.S(o, "spec", "volumeName") ?? ""), ("volumemode", J.S(o, "spec", "volumeMode") ?? "Filesystem")));
        }

        w.Family("kube_persistentvolumeclaim_status_phase", "gauge", "The phase the persistent volume claim is currently in.");
        foreach (var o in s.PersistentVolumeClaims)
        {
            var phase = J.S(o, "status", "phase") ?? "Pending";
            foreach (var ph in new[] { "Lost", "Bound", "Pending" }) w.Sample("kube_persistentvolumeclaim_status_phase", Bool(ph == phase), C(o, ("phase", ph)));
        }

        w.Family("kube_persistentvolumeclaim_resource_requests_storage_bytes", "gauge", "The capacity of storage requested by the persistent volume claim.");
        foreach (var o in s.PersistentVolumeClaims)
        {
            if (J.S(o, "spec", "resources", "requests", "storage") is { } q) w.Sample("kube_persistentvolumeclaim_resource_requests_storage_bytes", MetricQuantity.Parse(q), C(o));
        }
    }

    private static void WriteServices(ExpositionWriter w, ClusterState s)
    {
        w.Family("kube_service_info", "gauge", "Information about service.");
        foreach (var o in s.Services)
        {
            w.Sample("kube_service_info", 1, ("namespace", J.Ns(o)), ("service", J.Name(o)), ("uid", J.Uid(o)), ("cluster_ip", J.S(o, "spec", "clusterIP") ?? ""),
                ("external_name", J.S(o, "spec", "externalName") ?? ""), ("load_balancer_ip", J.S(o, "spec", "loadBalancerIP") ?? ""));
        }

        w.Family("kube_service_spec_type", "gauge", "Type about service.");
        foreach (var o in s.Services) w.Sample("kube_service_spec_type", 1, ("namespace", J.Ns(o)), ("service", J.Name(o)), ("uid", J.Uid(o)), ("type", J.S(o, "spec", "type") ?? "ClusterIP"));

        w.Family("kube_endpoint_address", "gauge", "Information about Endpoint available and non available addresses.");
        foreach (var e in s.Endpoints)
        {
            foreach (var subset in J.A(e, "subsets"))
            {
                foreach (var (field, ready) in new[] { ("addresses", "true"), ("notReadyAddresses", "false") })
                {
                    foreach (var a in J.A(subset, field)) w.Sample("kube_endpoint_address", 1, ("namespace", J.Ns(e)), ("endpoint", J.Name(e)), ("ip", J.S(a, "ip")), ("ready", ready));
                }
            }
        }
    }

    private static void WriteNamespaces(ExpositionWriter w, ClusterState s)
    {
        w.Family("kube_namespace_status_phase", "gauge", "kubernetes namespace status phase.");
        foreach (var o in s.Namespaces)
        {
            var phase = J.S(o, "status", "phase") ?? "Active";
            foreach (var ph in new[] { "Active", "Terminating" }) w.Sample("kube_namespace_status_phase", Bool(ph == phase), ("namespace", J.Name(o)), ("phase", ph));
        }
    }
}
