using System.Text;
using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Api;

/// <summary>Defaulting (what the apiserver fills in) and validation (422 with apiserver-style messages) per kind.</summary>
internal static class Admission
{
    private static int _nextServiceIp = 10;

    public static void Default(ResourceType rt, JsonObject obj, ObjectStore store)
    {
        switch (rt.Kind)
        {
            case "Pod":
                DefaultPodSpec(obj.Ensure("spec"), isTemplate: false);
                var status = obj.Ensure("status");
                status["phase"] ??= "Pending";
                status["qosClass"] ??= QosClass(obj.Obj("spec")!);
                break;
            case "Deployment":
            {
                var spec = obj.Ensure("spec");
                spec["replicas"] ??= 1;
                spec["revisionHistoryLimit"] ??= 10;
                spec["progressDeadlineSeconds"] ??= 600;
                var strategy = spec.Ensure("strategy");
                strategy["type"] ??= "RollingUpdate";
                if (strategy.Str("type") == "RollingUpdate")
                {
                    var ru = strategy.Ensure("rollingUpdate");
                    ru["maxSurge"] ??= "25%";
                    ru["maxUnavailable"] ??= "25%";
                }

                DefaultTemplate(spec);
                break;
            }

            case "ReplicaSet":
                obj.Ensure("spec")["replicas"] ??= 1;
                DefaultTemplate(obj.Ensure("spec"));
                break;
            case "StatefulSet":
            {
                var spec = obj.Ensure("spec");
                spec["replicas"] ??= 1;
                spec["podManagementPolicy"] ??= "OrderedReady";
                spec["revisionHistoryLimit"] ??= 10;
                spec.Ensure("updateStrategy")["type"] ??= "RollingUpdate";
                DefaultTemplate(spec);
                break;
            }

            case "DaemonSet":
            {
                var spec = obj.Ensure("spec");
                spec["revisionHistoryLimit"] ??= 10;
                var us = spec.Ensure("updateStrategy");
                us["type"] ??= "RollingUpdate";
                DefaultTemplate(spec);
                break;
            }

            case "Job":
            {
                var spec = obj.Ensure("spec");
                spec["backoffLimit"] ??= 6;
                spec["completions"] ??= 1;
                spec["parallelism"] ??= 1;
                spec["completionMode"] ??= "NonIndexed";
                spec["suspend"] ??= false;
                if (spec.Obj("selector") is null)
                {
                    var uidLabel = Guid.NewGuid().ToString();
                    obj.Ensure("metadata")["uid"] = uidLabel;
                    spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["batch.kubernetes.io/controller-uid"] = uidLabel } };
                    var labels = spec.Ensure("template.metadata.labels");
                    labels["batch.kubernetes.io/controller-uid"] = uidLabel;
                    labels["batch.kubernetes.io/job-name"] = obj.Name();
                    labels["controller-uid"] = uidLabel;
                    labels["job-name"] = obj.Name();
                }

                DefaultTemplate(spec);
                break;
            }

            case "CronJob":
            {
                var spec = obj.Ensure("spec");
                spec["concurrencyPolicy"] ??= "Allow";
                spec["suspend"] ??= false;
                spec["successfulJobsHistoryLimit"] ??= 3;
                spec["failedJobsHistoryLimit"] ??= 1;
                break;
            }

            case "Service":
            {
                var spec = obj.Ensure("spec");
                spec["type"] ??= "ClusterIP";
                spec["sessionAffinity"] ??= "None";
                if (spec.Str("type") != "ExternalName" && spec.Str("clusterIP") is null)
                {
                    var n = Interlocked.Increment(ref _nextServiceIp);
                    var ip = $"10.96.{n / 250}.{(n % 250) + 1}";
                    spec["clusterIP"] = ip;
                    spec["clusterIPs"] = Json.StringArray([ip]);
                }

                spec["ipFamilies"] ??= Json.StringArray(["IPv4"]);
                spec["ipFamilyPolicy"] ??= "SingleStack";
                spec["internalTrafficPolicy"] ??= "Cluster";
                foreach (var p in spec.Arr("ports").Objects())
                {
                    p["protocol"] ??= "TCP";
                    p["targetPort"] ??= p["port"]?.DeepClone();
                }

                break;
            }

            case "Namespace":
                obj.Ensure("spec")["finalizers"] ??= Json.StringArray(["kubernetes"]);
                obj.Ensure("status")["phase"] ??= "Active";
                obj.Ensure("metadata.labels")["kubernetes.io/metadata.name"] = obj.Name();
                break;
            case "Secret":
                obj["type"] ??= "Opaque";
                if (obj.Obj("stringData") is { } sd)
                {
                    var data = obj.Ensure("data");
                    foreach (var (k, v) in Json.StringMap(sd)) data[k] = Convert.ToBase64String(Encoding.UTF8.GetBytes(v));
                    obj.Remove("stringData");
                }

                break;
            case "PersistentVolumeClaim":
                obj.Ensure("status")["phase"] ??= "Pending";
                obj.Ensure("spec")["volumeMode"] ??= "Filesystem";
                if (obj.Str("spec.storageClassName") is null)
                {
                    var def = store.All(Resources.StorageClasses).FirstOrDefault(sc => sc.Labels("metadata.annotations").GetValueOrDefault("storageclass.kubernetes.io/is-default-class") == "true");
                    if (def is not null) obj.Ensure("spec")["storageClassName"] = def.Name();
                }

                break;
            case "PersistentVolume":
                obj.Ensure("status")["phase"] ??= "Available";
                obj.Ensure("spec")["persistentVolumeReclaimPolicy"] ??= "Retain";
                break;
            case "Node":
                break;
        }
    }

    private static void DefaultTemplate(JsonObject spec)
    {
        if (spec.Obj("template.spec") is { } ps) DefaultPodSpec(ps, isTemplate: true);
    }

    public static void DefaultPodSpec(JsonObject spec, bool isTemplate)
    {
        spec["restartPolicy"] ??= "Always";
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["schedulerName"] ??= "default-scheduler";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["securityContext"] ??= new JsonObject();
        foreach (var list in new[] { "initContainers", "containers" })
        {
            foreach (var c in spec.Arr(list).Objects())
            {
                var image = c.Str("image") ?? "";
                c["imagePullPolicy"] ??= image.EndsWith(":latest", StringComparison.Ordinal) || !image.Contains(':') ? "Always" : "IfNotPresent";
                c["terminationMessagePath"] ??= "/dev/termination-log";
                c["terminationMessagePolicy"] ??= "File";
                c["resources"] ??= new JsonObject();
                foreach (var p in c.Arr("ports").Objects()) p["protocol"] ??= "TCP";
                foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
                {
                    if (c.Obj(probe) is not { } pr) continue;
                    pr["timeoutSeconds"] ??= 1;
                    pr["periodSeconds"] ??= 10;
                    pr["successThreshold"] ??= 1;
                    pr["failureThreshold"] ??= 3;
                    if (pr.Obj("httpGet") is { } hg) hg["scheme"] ??= "HTTP";
                }

                // A container with only limits gets requests equal to its limits, as the apiserver defaults them.
                if (c.Obj("resources.limits") is { } limits)
                {
                    var requests = c.Obj("resources")!.Ensure("requests");
                    foreach (var (k, v) in limits)
                    {
                        requests[k] ??= v?.DeepClone();
                    }
                }
            }
        }

        if (!isTemplate)
        {
            spec["serviceAccountName"] ??= "default";
            spec["serviceAccount"] ??= spec.Str("serviceAccountName");
            spec["priority"] ??= 0;
            spec["enableServiceLinks"] ??= true;
            spec["preemptionPolicy"] ??= "PreemptLowerPriority";
            var tolerations = spec.EnsureArray("tolerations");
            foreach (var key in new[] { "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable" })
            {
                if (!tolerations.Objects().Any(t => t.Str("key") == key && (t.Str("effect") is null or "NoExecute")))
                {
                    tolerations.Add(new JsonObject { ["key"] = key, ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 300 });
                }
            }
        }
    }

    public static string QosClass(JsonObject podSpec)
    {
        var containers = podSpec.Arr("containers").Objects().ToList();
        var anyRequests = false;
        var guaranteed = true;
        foreach (var c in containers)
        {
            var req = c.Obj("resources.requests");
            var lim = c.Obj("resources.limits");
            if ((req?.Count ?? 0) > 0 || (lim?.Count ?? 0) > 0) anyRequests = true;
            foreach (var r in new[] { "cpu", "memory" })
            {
                var l = lim?.Str(r);
                var q = req?.Str(r) ?? l;
                if (l is null || Quantity.Parse(l) != Quantity.Parse(q)) guaranteed = false;
            }
        }

        return !anyRequests ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

    /// <summary>Validates an object; throws 422 Invalid with the apiserver's field paths and messages.</summary>
    public static void Validate(ResourceType rt, JsonObject obj)
    {
        var causes = new List<(string, string, string)>();
        var name = obj.Name();
        if (string.IsNullOrEmpty(name)) causes.Add(("metadata.name", "FieldValueRequired", "Required value: name or generateName is required"));
        else if (!IsDns1123(name, rt.Kind is "Namespace" or "Service" ? 63 : 253, subdomain: rt.Kind is not ("Namespace" or "Service")))
        {
            causes.Add(("metadata.name", "FieldValueInvalid",
                $"Invalid value: \"{name}\": a lowercase RFC 1123 {(rt.Kind is "Namespace" or "Service" ? "label" : "subdomain")} must consist of lower case alphanumeric characters, '-'{(rt.Kind is "Namespace" or "Service" ? "" : " or '.'")}, and must start and end with an alphanumeric character"));
        }

        switch (rt.Kind)
        {
            case "Pod":
                ValidatePodSpec(obj.Obj("spec"), "spec", causes);
                break;
            case "Deployment" or "ReplicaSet" or "StatefulSet" or "DaemonSet":
                ValidateWorkload(obj, causes);
                break;
            case "Job":
                ValidatePodSpec(obj.Obj("spec.template.spec"), "spec.template.spec", causes);
                var rp = obj.Str("spec.template.spec.restartPolicy");
                if (rp is not ("Never" or "OnFailure"))
                {
                    causes.Add(("spec.template.spec.restartPolicy", "FieldValueNotSupported", $"Unsupported value: \"{rp}\": supported values: \"OnFailure\", \"Never\""));
                }

                break;
            case "Service":
                if (obj.Str("spec.type") != "ExternalName" && (obj.Arr("spec.ports")?.Count ?? 0) == 0 && obj.Str("spec.clusterIP") != "None")
                {
                    causes.Add(("spec.ports", "FieldValueRequired", "Required value"));
                }

                var i = 0;
                foreach (var p in obj.Arr("spec.ports").Objects())
                {
                    if (p.Long("port") is null or < 1 or > 65535) causes.Add(($"spec.ports[{i}].port", "FieldValueInvalid", $"Invalid value: {p.Long("port") ?? 0}: must be between 1 and 65535, inclusive"));
                    i++;
                }

                break;
            case "Node":
                break;
        }

        if (causes.Count > 0) throw ApiException.Invalid(rt, name, causes);
    }

    private static void ValidateWorkload(JsonObject obj, List<(string, string, string)> causes)
    {
        if (obj.Obj("spec.selector") is not { } selector)
        {
            causes.Add(("spec.selector", "FieldValueRequired", "Required value"));
        }
        else if (obj.Obj("spec.template.metadata.labels") is not { } labels || !LabelSelector.FromObject(selector).Matches(Json.StringMap(labels)))
        {
            var map = Json.StringMap(obj.Obj("spec.template.metadata.labels"));
            var text = "map[string]string{" + string.Join(", ", map.Select(p => $"\"{p.Key}\":\"{p.Value}\"")) + "}";
            causes.Add(("spec.template.metadata.labels", "FieldValueInvalid", $"Invalid value: {text}: `selector` does not match template `labels`"));
        }

        if (obj.Long("spec.replicas") is < 0) causes.Add(("spec.replicas", "FieldValueInvalid", $"Invalid value: {obj.Long("spec.replicas")}: must be greater than or equal to 0"));
        ValidatePodSpec(obj.Obj("spec.template.spec"), "spec.template.spec", causes);
    }

    private static void ValidatePodSpec(JsonObject? spec, string path, List<(string, string, string)> causes)
    {
        var containers = spec.Arr("containers");
        if (containers is null || containers.Count == 0)
        {
            causes.Add(($"{path}.containers", "FieldValueRequired", "Required value"));
            return;
        }

        var names = new HashSet<string>();
        var i = 0;
        foreach (var c in containers.Objects())
        {
            var cname = c.Str("name");
            if (string.IsNullOrEmpty(cname)) causes.Add(($"{path}.containers[{i}].name", "FieldValueRequired", "Required value"));
            else if (!names.Add(cname)) causes.Add(($"{path}.containers[{i}].name", "FieldValueDuplicate", $"Duplicate value: \"{cname}\""));
            if (string.IsNullOrEmpty(c.Str("image"))) causes.Add(($"{path}.containers[{i}].image", "FieldValueRequired", "Required value"));
            foreach (var kind in new[] { "cpu", "memory" })
            {
                var req = c.Str($"resources.requests.{kind}");
                var lim = c.Str($"resources.limits.{kind}");
                if (req is not null && !Quantity.TryParse(req, out _)) causes.Add(($"{path}.containers[{i}].resources.requests[{kind}]", "FieldValueInvalid", $"Invalid value: \"{req}\": must be a valid quantity"));
                if (req is not null && lim is not null && Quantity.Parse(req) > Quantity.Parse(lim))
                {
                    causes.Add(($"{path}.containers[{i}].resources.requests", "FieldValueInvalid", $"Invalid value: \"{req}\": must be less than or equal to {kind} limit of {lim}"));
                }
            }

            i++;
        }
    }

    private static bool IsDns1123(string name, int max, bool subdomain)
    {
        if (name.Length == 0 || name.Length > max) return false;
        foreach (var ch in name)
        {
            if (!(char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '-' || (subdomain && ch == '.'))) return false;
        }

        return char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]);
    }
}
