using System.Globalization;
using System.Text.Json;

namespace KubeMedic.Bench;

/// <summary>
/// Writes a large cluster in the shape <c>kubectl get -o json</c> prints (v1 List, sorted keys; compact rather than
/// kubectl's 4-space indent, which would push the file past 2 GB):
/// nodes, namespaces, Deployments with two ReplicaSets, pods (mostly healthy; ~1 % OOMKilled, crash-looping, image
/// pull failures, Pending), Services with Endpoints, and events. Deterministic (fixed seed).
/// </summary>
internal static class SnapshotGenerator
{
    private const int PodsPerDeployment = 10;
    private static readonly DateTimeOffset Base = new(2026, 11, 20, 14, 0, 0, TimeSpan.Zero);

    public static string Write(string path, int nodes, int pods, int events, bool compact = false)
    {
        var rng = new Random(42);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var w = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = !compact, IndentSize = 4, SkipValidation = true } /* kubectl -o json: json.MarshalIndent with 4 spaces */);
        var deployments = Math.Max(1, pods / PodsPerDeployment);
        var namespaces = Math.Max(1, Math.Min(200, deployments / 50));
        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteStartArray("items");
        for (var i = 0; i < namespaces; i++)
        {
            Namespace(w, i);
            Spill(w);
        }

        for (var i = 0; i < nodes; i++)
        {
            Node(w, i, notReady: i % 500 == 7);
            Spill(w);
        }

        for (var d = 0; d < deployments; d++)
        {
            Deployment(w, d, namespaces);
            ReplicaSet(w, d, namespaces, revision: 1, replicas: 0);
            ReplicaSet(w, d, namespaces, revision: 2, replicas: PodsPerDeployment);
            Service(w, d, namespaces);
            Spill(w);
        }

        for (var p = 0; p < pods; p++)
        {
            Pod(w, p, namespaces, nodes, rng);
            Spill(w);
        }

        for (var d = 0; d < deployments; d++)
        {
            Endpoints(w, d, namespaces);
            Spill(w);
        }

        for (var e = 0; e < events; e++)
        {
            Event(w, e, namespaces, pods, rng);
            Spill(w);
        }

        w.WriteEndArray();
        w.WriteString("kind", "List");
        w.WriteStartObject("metadata");
        w.WriteString("resourceVersion", "");
        w.WriteEndObject();
        w.WriteEndObject();
        w.Flush();
        return $"{namespaces} namespaces, {nodes} nodes, {deployments} deployments, {deployments * 2} replicasets, {deployments} services+endpoints, {pods} pods, {events} events";
    }

    /// <summary>Utf8JsonWriter holds what it writes until Flush: spill every MiB so a multi-GB file streams.</summary>
    private static void Spill(Utf8JsonWriter w)
    {
        if (w.BytesPending > 1 << 20)
        {
            w.Flush();
        }
    }

    private static string Ns(int d, int namespaces) => $"team-{d % namespaces:D3}";
    private static string App(int d) => $"svc-{d:D5}";
    private static string Hash(int d, int revision) => $"{(d * 7919 + revision * 104729) % 0xFFFFFFF:x7}b";
    private static string T(double minutes) => Base.AddMinutes(minutes).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void Meta(Utf8JsonWriter w, string name, string? ns, string created, Action? extra = null)
    {
        w.WriteStartObject("metadata");
        extra?.Invoke();
        w.WriteString("creationTimestamp", created);
        w.WriteString("name", name);
        if (ns is not null)
        {
            w.WriteString("namespace", ns);
        }

        w.WriteString("resourceVersion", "123456789");
        w.WriteString("uid", Guid.NewGuid().ToString());
        w.WriteEndObject();
    }

    private static void Namespace(Utf8JsonWriter w, int i)
    {
        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteString("kind", "Namespace");
        Meta(w, $"team-{i:D3}", null, T(-10000));
        w.WriteStartObject("spec");
        w.WriteStartArray("finalizers");
        w.WriteStringValue("kubernetes");
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartObject("status");
        w.WriteString("phase", "Active");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Node(Utf8JsonWriter w, int i, bool notReady)
    {
        var name = $"node-{i:D5}";
        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteString("kind", "Node");
        Meta(w, name, null, T(-20000), () =>
        {
            w.WriteStartObject("annotations");
            w.WriteString("node.alpha.kubernetes.io/ttl", "0");
            w.WriteString("volumes.kubernetes.io/controller-managed-attach-detach", "true");
            w.WriteEndObject();
            w.WriteStartObject("labels");
            w.WriteString("beta.kubernetes.io/arch", "amd64");
            w.WriteString("beta.kubernetes.io/os", "linux");
            w.WriteString("kubernetes.io/arch", "amd64");
            w.WriteString("kubernetes.io/hostname", name);
            w.WriteString("kubernetes.io/os", "linux");
            w.WriteString("node.kubernetes.io/instance-type", "m5.2xlarge");
            w.WriteString("topology.kubernetes.io/region", "eu-west-1");
            w.WriteString("topology.kubernetes.io/zone", $"eu-west-1{(char)('a' + i % 3)}");
            w.WriteEndObject();
        });
        w.WriteStartObject("spec");
        w.WriteString("podCIDR", $"10.{i / 256 % 256}.{i % 256}.0/24");
        w.WriteString("providerID", $"aws:///eu-west-1a/i-{i:x12}");
        if (notReady)
        {
            w.WriteStartArray("taints");
            w.WriteStartObject();
            w.WriteString("effect", "NoSchedule");
            w.WriteString("key", "node.kubernetes.io/unreachable");
            w.WriteString("timeAdded", T(30));
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteEndObject();
        w.WriteStartObject("status");
        w.WriteStartArray("addresses");
        foreach (var (type, addr) in new[] { ("InternalIP", $"10.0.{i / 256 % 256}.{i % 256}"), ("Hostname", name) })
        {
            w.WriteStartObject();
            w.WriteString("address", addr);
            w.WriteString("type", type);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        Resources(w, "allocatable", "7910m", "31Gi", "110");
        Resources(w, "capacity", "8", "32Gi", "110");
        w.WriteStartArray("conditions");
        foreach (var (type, ok, reason) in new[] { ("MemoryPressure", "False", "KubeletHasSufficientMemory"), ("DiskPressure", "False", "KubeletHasNoDiskPressure"), ("PIDPressure", "False", "KubeletHasSufficientPID"), ("Ready", "True", "KubeletReady") })
        {
            var status = notReady ? "Unknown" : ok;
            w.WriteStartObject();
            w.WriteString("lastHeartbeatTime", notReady ? T(29) : T(59));
            w.WriteString("lastTransitionTime", notReady ? T(30) : T(-20000));
            w.WriteString("message", notReady ? "Kubelet stopped posting node status." : "kubelet is posting ready status");
            w.WriteString("reason", notReady ? "NodeStatusUnknown" : reason);
            w.WriteString("status", status);
            w.WriteString("type", type);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("images");
        for (var k = 0; k < 8; k++)
        {
            w.WriteStartObject();
            w.WriteStartArray("names");
            w.WriteStringValue($"registry.example.com/team/app-{(i + k) % 300}@sha256:{k:x8}{i:x8}0123456789abcdef0123456789abcdef0123456789abcdef");
            w.WriteStringValue($"registry.example.com/team/app-{(i + k) % 300}:v{k}.{i % 10}.0");
            w.WriteEndArray();
            w.WriteNumber("sizeBytes", 123456789 + k);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("nodeInfo");
        w.WriteString("architecture", "amd64");
        w.WriteString("containerRuntimeVersion", "containerd://1.7.11");
        w.WriteString("kernelVersion", "6.1.0-18-amd64");
        w.WriteString("kubeProxyVersion", "v1.29.2");
        w.WriteString("kubeletVersion", "v1.29.2");
        w.WriteString("operatingSystem", "linux");
        w.WriteString("osImage", "Debian GNU/Linux 12 (bookworm)");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Resources(Utf8JsonWriter w, string name, string cpu, string memory, string? pods = null)
    {
        w.WriteStartObject(name);
        w.WriteString("cpu", cpu);
        if (pods is not null)
        {
            w.WriteString("ephemeral-storage", "95Gi");
        }

        w.WriteString("memory", memory);
        if (pods is not null)
        {
            w.WriteString("pods", pods);
        }

        w.WriteEndObject();
    }

    private static void Labels(Utf8JsonWriter w, int d, string? hash)
    {
        w.WriteStartObject("labels");
        w.WriteString("app", App(d));
        w.WriteString("app.kubernetes.io/part-of", $"product-{d % 40}");
        if (hash is not null)
        {
            w.WriteString("pod-template-hash", hash);
        }

        w.WriteString("tier", d % 3 == 0 ? "frontend" : "backend");
        w.WriteEndObject();
    }

    private static void Container(Utf8JsonWriter w, int d, int revision)
    {
        w.WriteStartArray("containers");
        w.WriteStartObject();
        w.WriteStartArray("env");
        foreach (var (name, value) in new[] { ("LOG_LEVEL", "info"), ("PORT", "8080"), ("REGION", "eu-west-1") })
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("value", value);
            w.WriteEndObject();
        }

        w.WriteStartObject();
        w.WriteString("name", "DB_PASSWORD");
        w.WriteStartObject("valueFrom");
        w.WriteStartObject("secretKeyRef");
        w.WriteString("key", "password");
        w.WriteString("name", $"{App(d)}-db");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("image", $"registry.example.com/team/{App(d)}:v{revision}.{d % 7}.0");
        w.WriteString("imagePullPolicy", "IfNotPresent");
        Probe(w, "livenessProbe", "/healthz", 15);
        w.WriteString("name", "app");
        w.WriteStartArray("ports");
        w.WriteStartObject();
        w.WriteNumber("containerPort", 8080);
        w.WriteString("name", "http");
        w.WriteString("protocol", "TCP");
        w.WriteEndObject();
        w.WriteEndArray();
        Probe(w, "readinessProbe", "/ready", 5);
        w.WriteStartObject("resources");
        Resources(w, "limits", "1", "512Mi");
        Resources(w, "requests", "100m", "256Mi");
        w.WriteEndObject();
        w.WriteString("terminationMessagePath", "/dev/termination-log");
        w.WriteString("terminationMessagePolicy", "File");
        w.WriteStartArray("volumeMounts");
        foreach (var (mount, vol) in new[] { ("/etc/config", "config"), ("/var/run/secrets/kubernetes.io/serviceaccount", "kube-api-access") })
        {
            w.WriteStartObject();
            w.WriteString("mountPath", mount);
            w.WriteString("name", vol);
            w.WriteBoolean("readOnly", true);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
    }

    private static void Probe(Utf8JsonWriter w, string name, string path, int delay)
    {
        w.WriteStartObject(name);
        w.WriteNumber("failureThreshold", 3);
        w.WriteStartObject("httpGet");
        w.WriteString("path", path);
        w.WriteNumber("port", 8080);
        w.WriteString("scheme", "HTTP");
        w.WriteEndObject();
        w.WriteNumber("initialDelaySeconds", delay);
        w.WriteNumber("periodSeconds", 10);
        w.WriteNumber("successThreshold", 1);
        w.WriteNumber("timeoutSeconds", 1);
        w.WriteEndObject();
    }

    private static void PodSpec(Utf8JsonWriter w, int d, int revision, string? nodeName)
    {
        w.WriteStartObject("spec");
        Container(w, d, revision);
        w.WriteString("dnsPolicy", "ClusterFirst");
        w.WriteBoolean("enableServiceLinks", true);
        if (nodeName is not null)
        {
            w.WriteString("nodeName", nodeName);
        }

        w.WriteString("preemptionPolicy", "PreemptLowerPriority");
        w.WriteNumber("priority", 0);
        w.WriteString("restartPolicy", "Always");
        w.WriteString("schedulerName", "default-scheduler");
        w.WriteString("serviceAccount", "default");
        w.WriteString("serviceAccountName", "default");
        w.WriteNumber("terminationGracePeriodSeconds", 30);
        w.WriteStartArray("tolerations");
        foreach (var key in new[] { "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable" })
        {
            w.WriteStartObject();
            w.WriteString("effect", "NoExecute");
            w.WriteString("key", key);
            w.WriteString("operator", "Exists");
            w.WriteNumber("tolerationSeconds", 300);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("volumes");
        w.WriteStartObject();
        w.WriteStartObject("configMap");
        w.WriteNumber("defaultMode", 420);
        w.WriteString("name", $"{App(d)}-config");
        w.WriteEndObject();
        w.WriteString("name", "config");
        w.WriteEndObject();
        w.WriteStartObject();
        w.WriteString("name", "kube-api-access");
        w.WriteStartObject("projected");
        w.WriteNumber("defaultMode", 420);
        w.WriteStartArray("sources");
        w.WriteStartObject();
        w.WriteStartObject("serviceAccountToken");
        w.WriteNumber("expirationSeconds", 3607);
        w.WriteString("path", "token");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject();
        w.WriteStartObject("configMap");
        w.WriteString("name", "kube-root-ca.crt");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Deployment(Utf8JsonWriter w, int d, int namespaces)
    {
        w.WriteStartObject();
        w.WriteString("apiVersion", "apps/v1");
        w.WriteString("kind", "Deployment");
        Meta(w, App(d), Ns(d, namespaces), T(-5000), () =>
        {
            w.WriteStartObject("annotations");
            w.WriteString("deployment.kubernetes.io/revision", "2");
            w.WriteEndObject();
            w.WriteNumber("generation", 2);
            Labels(w, d, null);
        });
        w.WriteStartObject("spec");
        w.WriteNumber("progressDeadlineSeconds", 600);
        w.WriteNumber("replicas", PodsPerDeployment);
        w.WriteNumber("revisionHistoryLimit", 10);
        w.WriteStartObject("selector");
        w.WriteStartObject("matchLabels");
        w.WriteString("app", App(d));
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("strategy");
        w.WriteStartObject("rollingUpdate");
        w.WriteString("maxSurge", "25%");
        w.WriteString("maxUnavailable", "25%");
        w.WriteEndObject();
        w.WriteString("type", "RollingUpdate");
        w.WriteEndObject();
        w.WriteStartObject("template");
        w.WriteStartObject("metadata");
        Labels(w, d, null);
        w.WriteEndObject();
        PodSpec(w, d, 2, null);
        w.WriteEndObject();
        w.WriteEndObject();
        var broken = d % 100 == 3;
        w.WriteStartObject("status");
        w.WriteNumber("availableReplicas", broken ? PodsPerDeployment - 3 : PodsPerDeployment);
        w.WriteNumber("observedGeneration", 2);
        w.WriteNumber("readyReplicas", broken ? PodsPerDeployment - 3 : PodsPerDeployment);
        w.WriteNumber("replicas", PodsPerDeployment);
        w.WriteNumber("updatedReplicas", PodsPerDeployment);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void ReplicaSet(Utf8JsonWriter w, int d, int namespaces, int revision, int replicas)
    {
        var hash = Hash(d, revision);
        w.WriteStartObject();
        w.WriteString("apiVersion", "apps/v1");
        w.WriteString("kind", "ReplicaSet");
        Meta(w, $"{App(d)}-{hash}", Ns(d, namespaces), revision == 1 ? T(-5000) : T(-60), () =>
        {
            w.WriteStartObject("annotations");
            w.WriteString("deployment.kubernetes.io/desired-replicas", "10");
            w.WriteString("deployment.kubernetes.io/max-replicas", "13");
            w.WriteString("deployment.kubernetes.io/revision", revision.ToString(CultureInfo.InvariantCulture));
            w.WriteEndObject();
            w.WriteNumber("generation", 1);
            Labels(w, d, hash);
            Owner(w, "Deployment", App(d));
        });
        w.WriteStartObject("spec");
        w.WriteNumber("replicas", replicas);
        w.WriteStartObject("selector");
        w.WriteStartObject("matchLabels");
        w.WriteString("app", App(d));
        w.WriteString("pod-template-hash", hash);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("template");
        w.WriteStartObject("metadata");
        Labels(w, d, hash);
        w.WriteEndObject();
        PodSpec(w, d, revision, null);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("status");
        w.WriteNumber("availableReplicas", replicas);
        w.WriteNumber("fullyLabeledReplicas", replicas);
        w.WriteNumber("observedGeneration", 1);
        w.WriteNumber("readyReplicas", replicas);
        w.WriteNumber("replicas", replicas);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Owner(Utf8JsonWriter w, string kind, string name)
    {
        w.WriteStartArray("ownerReferences");
        w.WriteStartObject();
        w.WriteString("apiVersion", "apps/v1");
        w.WriteBoolean("blockOwnerDeletion", true);
        w.WriteBoolean("controller", true);
        w.WriteString("kind", kind);
        w.WriteString("name", name);
        w.WriteString("uid", Guid.NewGuid().ToString());
        w.WriteEndObject();
        w.WriteEndArray();
    }

    private static void Service(Utf8JsonWriter w, int d, int namespaces)
    {
        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteString("kind", "Service");
        Meta(w, App(d), Ns(d, namespaces), T(-5000), () => Labels(w, d, null));
        w.WriteStartObject("spec");
        w.WriteString("clusterIP", $"10.96.{d / 256 % 256}.{d % 256}");
        w.WriteStartArray("ports");
        w.WriteStartObject();
        w.WriteString("name", "http");
        w.WriteNumber("port", 80);
        w.WriteString("protocol", "TCP");
        w.WriteNumber("targetPort", 8080);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartObject("selector");
        w.WriteString("app", App(d));
        w.WriteEndObject();
        w.WriteString("type", "ClusterIP");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Endpoints(Utf8JsonWriter w, int d, int namespaces)
    {
        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteString("kind", "Endpoints");
        Meta(w, App(d), Ns(d, namespaces), T(-5000), () => Labels(w, d, null));
        w.WriteStartArray("subsets");
        w.WriteStartObject();
        w.WriteStartArray("addresses");
        var hash = Hash(d, 2);
        for (var k = 0; k < PodsPerDeployment; k++)
        {
            w.WriteStartObject();
            w.WriteString("ip", $"10.244.{d / 256 % 256}.{k}");
            w.WriteString("nodeName", $"node-{(d * PodsPerDeployment + k) % 5000:D5}");
            w.WriteStartObject("targetRef");
            w.WriteString("kind", "Pod");
            w.WriteString("name", $"{App(d)}-{hash}-p{k:D2}");
            w.WriteString("namespace", Ns(d, namespaces));
            w.WriteString("uid", Guid.NewGuid().ToString());
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("ports");
        w.WriteStartObject();
        w.WriteString("name", "http");
        w.WriteNumber("port", 8080);
        w.WriteString("protocol", "TCP");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Pod(Utf8JsonWriter w, int p, int namespaces, int nodes, Random rng)
    {
        var d = p / PodsPerDeployment;
        var k = p % PodsPerDeployment;
        var hash = Hash(d, 2);
        var name = $"{App(d)}-{hash}-p{k:D2}";
        // ~1 % of deployments are broken: 3 of their pods fail in different ways
        var kind = d % 100 == 3 && k < 3 ? (d / 100 % 4) switch { 0 => "oom", 1 => "pull", 2 => "pending", _ => "crash" } : d % 100 == 5 && k == 0 ? "oom-recovered" : "ok";
        var node = kind == "pending" ? null : $"node-{(p * 7) % nodes:D5}";
        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteString("kind", "Pod");
        Meta(w, name, Ns(d, namespaces), T(-60), () =>
        {
            w.WriteStartObject("annotations");
            w.WriteString("kubectl.kubernetes.io/restartedAt", T(-60));
            w.WriteString("prometheus.io/scrape", "true");
            w.WriteEndObject();
            w.WriteString("generateName", $"{App(d)}-{hash}-");
            Labels(w, d, hash);
            Owner(w, "ReplicaSet", $"{App(d)}-{hash}");
        });
        PodSpec(w, d, 2, node);
        w.WriteStartObject("status");
        w.WriteStartArray("conditions");
        var ready = kind is "ok" or "oom-recovered";
        foreach (var (type, status) in kind == "pending"
                     ? new[] { ("PodScheduled", "False") }
                     : new[] { ("Initialized", "True"), ("Ready", ready ? "True" : "False"), ("ContainersReady", ready ? "True" : "False"), ("PodScheduled", "True") })
        {
            w.WriteStartObject();
            w.WriteNull("lastProbeTime");
            w.WriteString("lastTransitionTime", T(-59));
            if (kind == "pending")
            {
                w.WriteString("message", $"0/{nodes} nodes are available: {nodes - 10} Insufficient memory, 10 node(s) had untolerated taint {{node.kubernetes.io/unreachable: }}. preemption: 0/{nodes} nodes are available: {nodes} No preemption victims found for incoming pod.");
                w.WriteString("reason", "Unschedulable");
            }

            w.WriteString("status", status);
            w.WriteString("type", type);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (kind != "pending")
        {
            w.WriteStartArray("containerStatuses");
            w.WriteStartObject();
            w.WriteString("containerID", $"containerd://{p:x16}{p:x16}");
            w.WriteString("image", $"registry.example.com/team/{App(d)}:v2.{d % 7}.0");
            w.WriteString("imageID", $"registry.example.com/team/{App(d)}@sha256:{p:x16}{d:x16}");
            w.WriteStartObject("lastState");
            if (kind is "oom" or "oom-recovered" or "crash")
            {
                w.WriteStartObject("terminated");
                w.WriteString("containerID", $"containerd://{p:x16}dead");
                w.WriteNumber("exitCode", kind == "crash" ? 1 : 137);
                w.WriteString("finishedAt", T(20 + rng.Next(30)));
                w.WriteString("reason", kind == "crash" ? "Error" : "OOMKilled");
                w.WriteString("startedAt", T(15));
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteString("name", "app");
            w.WriteBoolean("ready", ready);
            w.WriteNumber("restartCount", kind == "ok" ? 0 : 4);
            w.WriteBoolean("started", ready);
            w.WriteStartObject("state");
            if (kind is "oom" or "crash")
            {
                w.WriteStartObject("waiting");
                w.WriteString("message", $"back-off 1m20s restarting failed container=app pod={name}");
                w.WriteString("reason", "CrashLoopBackOff");
                w.WriteEndObject();
            }
            else if (kind == "pull")
            {
                w.WriteStartObject("waiting");
                w.WriteString("message", $"Back-off pulling image \"registry.example.com/team/{App(d)}:v2.{d % 7}.0-typo\"");
                w.WriteString("reason", "ImagePullBackOff");
                w.WriteEndObject();
            }
            else
            {
                w.WriteStartObject("running");
                w.WriteString("startedAt", T(-58));
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteString("hostIP", $"10.0.{p / 256 % 256}.{p % 256}");
        }

        w.WriteString("phase", kind is "pending" or "pull" ? "Pending" : "Running");
        if (kind != "pending")
        {
            w.WriteString("podIP", $"10.244.{p / 256 % 256}.{p % 256}");
        }

        w.WriteString("qosClass", "Burstable");
        w.WriteString("startTime", T(-60));
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static readonly (string Reason, string Type, string Message)[] EventKinds =
    [
        ("Scheduled", "Normal", "Successfully assigned {0} to node-{1:D5}"),
        ("Pulled", "Normal", "Container image \"registry.example.com/team/app:v2.1.0\" already present on machine"),
        ("Created", "Normal", "Created container app"),
        ("Started", "Normal", "Started container app"),
        ("Unhealthy", "Warning", "Readiness probe failed: Get \"http://10.244.1.1:8080/ready\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"),
        ("BackOff", "Warning", "Back-off restarting failed container app in pod {0}"),
        ("Killing", "Normal", "Stopping container app"),
    ];

    private static void Event(Utf8JsonWriter w, int e, int namespaces, int pods, Random rng)
    {
        var p = rng.Next(pods);
        var d = p / PodsPerDeployment;
        var pod = $"{App(d)}-{Hash(d, 2)}-p{p % PodsPerDeployment:D2}";
        var (reason, type, message) = EventKinds[e % EventKinds.Length];
        var first = T(-rng.Next(600) / 10.0);
        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteNumber("count", 1 + rng.Next(20));
        w.WriteNull("eventTime");
        w.WriteString("firstTimestamp", first);
        w.WriteStartObject("involvedObject");
        w.WriteString("apiVersion", "v1");
        w.WriteString("fieldPath", "spec.containers{app}");
        w.WriteString("kind", "Pod");
        w.WriteString("name", pod);
        w.WriteString("namespace", Ns(d, namespaces));
        w.WriteString("resourceVersion", "123456");
        w.WriteString("uid", Guid.NewGuid().ToString());
        w.WriteEndObject();
        w.WriteString("kind", "Event");
        w.WriteString("lastTimestamp", T(rng.Next(60)));
        w.WriteString("message", string.Format(CultureInfo.InvariantCulture, message, pod, p % 5000));
        Meta(w, $"{pod}.{e:x12}", Ns(d, namespaces), first);
        w.WriteString("reason", reason);
        w.WriteString("reportingComponent", "kubelet");
        w.WriteString("reportingInstance", $"node-{p % 5000:D5}");
        w.WriteStartObject("source");
        w.WriteString("component", "kubelet");
        w.WriteString("host", $"node-{p % 5000:D5}");
        w.WriteEndObject();
        w.WriteString("type", type);
        w.WriteEndObject();
    }
}
