using System.Text.Json.Nodes;

namespace KubeMedic.Simulator.Patching;

/// <summary>How a list field merges in a strategic merge patch.</summary>
internal enum ListStrategy { Atomic, MergeByKey, PrimitiveSet }

/// <summary>One field of a schema type: its child type and, for lists, the strategic-merge strategy.</summary>
internal sealed record FieldSchema(string? TypeName, bool IsList, ListStrategy Strategy, string? MergeKey, bool RetainKeys);

/// <summary>A closed type: the fields it declares. Unknown types are open (anything goes, lists are atomic).</summary>
internal sealed record TypeSchema(string Name, IReadOnlyDictionary<string, FieldSchema> Fields);

/// <summary>
/// A small schema of the built-in kinds: the patch strategies and merge keys from kubernetes/api (the table in
/// the reference) and the declared fields used by strict field validation. Types not listed here are open.
/// </summary>
internal static class Schema
{
    private static readonly Dictionary<string, TypeSchema> Types = new(StringComparer.Ordinal);

    static Schema()
    {
        T("ObjectMeta", "annotations", "creationTimestamp", "deletionGracePeriodSeconds", "deletionTimestamp", "finalizers:[set]", "generateName",
            "generation", "labels", "managedFields:[]", "name", "namespace", "ownerReferences:OwnerReference[uid]", "resourceVersion", "selfLink", "uid");
        T("PodTemplateSpec", "metadata:ObjectMeta", "spec:PodSpec");
        T("PodSpec", "activeDeadlineSeconds", "affinity", "automountServiceAccountToken", "containers:Container[name]", "dnsConfig", "dnsPolicy",
            "enableServiceLinks", "ephemeralContainers:Container[name]", "hostAliases:HostAlias[ip]", "hostIPC", "hostNetwork", "hostPID", "hostUsers",
            "hostname", "imagePullSecrets:LocalRef[name]", "initContainers:Container[name]", "nodeName", "nodeSelector", "os", "overhead",
            "preemptionPolicy", "priority", "priorityClassName", "readinessGates:[]", "resourceClaims:Open[name]+retain", "resources", "restartPolicy",
            "runtimeClassName", "schedulerName", "schedulingGates:Open[name]", "securityContext", "serviceAccount", "serviceAccountName",
            "setHostnameAsFQDN", "shareProcessNamespace", "subdomain", "terminationGracePeriodSeconds", "tolerations:[]",
            "topologySpreadConstraints:Open[topologyKey]", "volumes:Open[name]+retain");
        T("Container", "args:[]", "command:[]", "env:EnvVar[name]", "envFrom:[]", "image", "imagePullPolicy", "lifecycle", "livenessProbe:Probe", "name",
            "ports:ContainerPort[containerPort]", "readinessProbe:Probe", "resizePolicy:[]", "resources:Resources", "restartPolicy", "securityContext",
            "startupProbe:Probe", "stdin", "stdinOnce", "terminationMessagePath", "terminationMessagePolicy", "tty",
            "volumeDevices:Open[devicePath]", "volumeMounts:Open[mountPath]", "workingDir");
        T("EnvVar", "name", "value", "valueFrom");
        T("ContainerPort", "containerPort", "hostIP", "hostPort", "name", "protocol");
        T("Resources", "claims:[]", "limits", "requests");
        T("Probe", "exec", "failureThreshold", "grpc", "httpGet", "initialDelaySeconds", "periodSeconds", "successThreshold", "tcpSocket",
            "terminationGracePeriodSeconds", "timeoutSeconds");
        T("OwnerReference", "apiVersion", "blockOwnerDeletion", "controller", "kind", "name", "uid");
        T("LocalRef", "name");
        T("HostAlias", "hostnames:[]", "ip");

        T("Pod", "apiVersion", "kind", "metadata:ObjectMeta", "spec:PodSpec", "status:PodStatus");
        T("PodStatus", "conditions:Open[type]", "containerStatuses:[]", "ephemeralContainerStatuses:[]", "hostIP", "hostIPs:Open[ip]",
            "initContainerStatuses:[]", "message", "nominatedNodeName", "phase", "podIP", "podIPs:Open[ip]", "qosClass", "reason", "resize",
            "resourceClaimStatuses:[]", "startTime");
        T("Deployment", "apiVersion", "kind", "metadata:ObjectMeta", "spec:DeploymentSpec", "status:AppsStatus");
        T("DeploymentSpec", "minReadySeconds", "paused", "progressDeadlineSeconds", "replicas", "revisionHistoryLimit", "selector",
            "strategy:DeploymentStrategy", "template:PodTemplateSpec");
        T("DeploymentStrategy!retain", "rollingUpdate", "type");
        T("ReplicaSet", "apiVersion", "kind", "metadata:ObjectMeta", "spec:ReplicaSetSpec", "status:AppsStatus");
        T("ReplicaSetSpec", "minReadySeconds", "replicas", "selector", "template:PodTemplateSpec");
        T("StatefulSet", "apiVersion", "kind", "metadata:ObjectMeta", "spec:StatefulSetSpec", "status:AppsStatus");
        T("StatefulSetSpec", "minReadySeconds", "ordinals", "persistentVolumeClaimRetentionPolicy", "podManagementPolicy", "replicas",
            "revisionHistoryLimit", "selector", "serviceName", "template:PodTemplateSpec", "updateStrategy", "volumeClaimTemplates:[]");
        T("DaemonSet", "apiVersion", "kind", "metadata:ObjectMeta", "spec:DaemonSetSpec", "status:AppsStatus");
        T("DaemonSetSpec", "minReadySeconds", "revisionHistoryLimit", "selector", "template:PodTemplateSpec", "updateStrategy");
        T("AppsStatus~open", "conditions:Open[type]");
        T("Job", "apiVersion", "kind", "metadata:ObjectMeta", "spec:JobSpec", "status");
        T("JobSpec", "activeDeadlineSeconds", "backoffLimit", "backoffLimitPerIndex", "completionMode", "completions", "managedBy", "manualSelector",
            "maxFailedIndexes", "parallelism", "podFailurePolicy", "podReplacementPolicy", "selector", "successPolicy", "suspend",
            "template:PodTemplateSpec", "ttlSecondsAfterFinished");
        T("CronJob", "apiVersion", "kind", "metadata:ObjectMeta", "spec:CronJobSpec", "status");
        T("CronJobSpec", "concurrencyPolicy", "failedJobsHistoryLimit", "jobTemplate:JobTemplateSpec", "schedule", "startingDeadlineSeconds",
            "successfulJobsHistoryLimit", "suspend", "timeZone");
        T("JobTemplateSpec", "metadata:ObjectMeta", "spec:JobSpec");
        T("Service", "apiVersion", "kind", "metadata:ObjectMeta", "spec:ServiceSpec", "status");
        T("ServiceSpec", "allocateLoadBalancerNodePorts", "clusterIP", "clusterIPs:[]", "externalIPs:[]", "externalName", "externalTrafficPolicy",
            "healthCheckNodePort", "internalTrafficPolicy", "ipFamilies:[]", "ipFamilyPolicy", "loadBalancerClass", "loadBalancerIP",
            "loadBalancerSourceRanges:[]", "ports:ServicePort[port]", "publishNotReadyAddresses", "selector", "sessionAffinity",
            "sessionAffinityConfig", "trafficDistribution", "type");
        T("ServicePort", "appProtocol", "name", "nodePort", "port", "protocol", "targetPort");
        T("ConfigMap", "apiVersion", "kind", "metadata:ObjectMeta", "data", "binaryData", "immutable");
        T("Secret", "apiVersion", "kind", "metadata:ObjectMeta", "data", "stringData", "type", "immutable");
        T("Node", "apiVersion", "kind", "metadata:ObjectMeta", "spec:NodeSpec", "status:NodeStatus");
        T("NodeSpec", "configSource", "externalID", "podCIDR", "podCIDRs:[set]", "providerID", "taints:[]", "unschedulable");
        T("NodeStatus~open", "addresses:Open[type]", "conditions:Open[type]");
        T("Namespace", "apiVersion", "kind", "metadata:ObjectMeta", "spec", "status");
        T("ServiceAccount", "apiVersion", "kind", "metadata:ObjectMeta", "automountServiceAccountToken", "imagePullSecrets:[]", "secrets:Open[name]");
        T("PersistentVolumeClaim", "apiVersion", "kind", "metadata:ObjectMeta", "spec", "status");
        T("Event~open", "metadata:ObjectMeta");
    }

    public static TypeSchema? Get(string? name) => name is not null && Types.TryGetValue(name, out var t) ? t : null;

    public static bool IsOpen(string name) => name.EndsWith("~open", StringComparison.Ordinal);

    /// <summary>The root type of a kind (null: open).</summary>
    public static TypeSchema? ForKind(string kind) => Get(kind);

    public static FieldSchema? Field(TypeSchema? type, string field) =>
        type is not null && type.Fields.TryGetValue(field, out var f) ? f : null;

    public static bool RetainKeysType(TypeSchema? type) => type is not null && OpenOrRetain.Contains(type.Name);

    /// <summary>Whether a type accepts undeclared fields.</summary>
    public static bool Closed(TypeSchema? type) => type is not null && !OpenTypes.Contains(type.Name);

    private static readonly HashSet<string> OpenTypes = [];
    private static readonly HashSet<string> OpenOrRetain = [];

    private static void T(string name, params string[] fields)
    {
        var open = false;
        if (name.EndsWith("~open", StringComparison.Ordinal))
        {
            name = name[..^5];
            open = true;
        }

        if (name.EndsWith("!retain", StringComparison.Ordinal))
        {
            name = name[..^7];
            OpenOrRetain.Add(name);
        }

        var map = new Dictionary<string, FieldSchema>(StringComparer.Ordinal);
        foreach (var f in fields)
        {
            var colon = f.IndexOf(':');
            if (colon < 0)
            {
                map[f] = new FieldSchema(null, false, ListStrategy.Atomic, null, false);
                continue;
            }

            var fname = f[..colon];
            var spec = f[(colon + 1)..];
            var retain = spec.EndsWith("+retain", StringComparison.Ordinal);
            if (retain) spec = spec[..^7];
            if (spec == "[]") map[fname] = new FieldSchema(null, true, ListStrategy.Atomic, null, false);
            else if (spec == "[set]") map[fname] = new FieldSchema(null, true, ListStrategy.PrimitiveSet, null, false);
            else if (spec.EndsWith("[]", StringComparison.Ordinal)) map[fname] = new FieldSchema(spec[..^2], true, ListStrategy.Atomic, null, false);
            else if (spec.EndsWith(']'))
            {
                var b = spec.IndexOf('[');
                map[fname] = new FieldSchema(spec[..b] == "Open" ? null : spec[..b], true, ListStrategy.MergeByKey, spec[(b + 1)..^1], retain);
            }
            else map[fname] = new FieldSchema(spec, false, ListStrategy.Atomic, null, false);
        }

        Types[name] = new TypeSchema(name, map);
        if (open) OpenTypes.Add(name);
    }

    /// <summary>Unknown fields of <paramref name="obj"/> per the schema, as JSON paths ("spec.template.spec.containers[0].imagex").</summary>
    public static List<string> UnknownFields(string kind, JsonObject obj)
    {
        var result = new List<string>();
        Walk(Get(kind), obj, "", result);
        return result;
    }

    private static void Walk(TypeSchema? type, JsonObject obj, string path, List<string> unknown)
    {
        if (type is null) return;
        foreach (var (key, value) in obj)
        {
            if (key.StartsWith('$')) continue; // strategic merge patch directives
            var fpath = path.Length == 0 ? key : path + "." + key;
            var field = Field(type, key);
            if (field is null)
            {
                if (Closed(type)) unknown.Add(fpath);
                continue;
            }

            var childType = Get(field.TypeName);
            if (childType is null) continue;
            if (field.IsList && value is JsonArray arr)
            {
                for (var i = 0; i < arr.Count; i++)
                {
                    if (arr[i] is JsonObject item) Walk(childType, item, $"{fpath}[{i}]", unknown);
                }
            }
            else if (value is JsonObject child)
            {
                Walk(childType, child, fpath, unknown);
            }
        }
    }
}
