using System.Globalization;
using System.Text.Json.Nodes;
using KubeMedic.Simulator.Api;
using KubeMedic.Simulator.Kubelet;
using KubeMedic.Simulator.Scenarios;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Controllers;

/// <summary>
/// The kubelets of every simulated node: heartbeats (node leases every 10s, node status every minute), and per pod
/// a container model driven by the scenario's app behaviour: config checks (CreateContainerConfigError), image pulls
/// against the image catalog (ErrImagePull / ImagePullBackOff), start, readiness and liveness probes against what
/// the app answers, memory against the limit (OOMKilled, exit 137), exits, CrashLoopBackOff (10s doubling to 5m),
/// graceful termination, and the Events a real kubelet records.
/// </summary>
internal sealed class KubeletController(SimContext ctx) : Controller(ctx)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan LeasePeriod = TimeSpan.FromSeconds(10);
    private KubeletRuntime Runtime => Ctx.Kubelet;

    public override void Initialize()
    {
        foreach (var n in Store.All(Resources.Nodes)) Runtime.Node(n.Name());
        Heartbeat();
        foreach (var p in Store.All(Resources.Pods)) if (!string.IsNullOrEmpty(p.Str("spec.nodeName"))) Enqueue(KeyOf(p));
    }

    public override void OnEvent(StoreEvent ev)
    {
        if (ev.Type == Resources.Pods)
        {
            if (ev.EventType == "DELETED")
            {
                Runtime.Pods.TryRemove(ev.Object.Uid(), out _);
                return;
            }

            if (!string.IsNullOrEmpty(ev.Object.Str("spec.nodeName"))) Enqueue(KeyOf(ev.Object));
        }
        else if ((ev.Type == Resources.ConfigMaps || ev.Type == Resources.Secrets) && ev.EventType == "ADDED")
        {
            foreach (var p in Runtime.Pods.Values.Where(p => p.Namespace == ev.Object.Namespace() && p.Containers.Any(c => c.Stage == "ConfigError")))
            {
                Enqueue(ObjectStore.Key(p.Namespace, p.Name));
            }
        }
        else if (ev.Type == Resources.Nodes && ev.EventType == "ADDED")
        {
            Runtime.Node(ev.Object.Name());
        }
    }

    /// <summary>Stops or resumes a node's kubelet (a lost node keeps its pods' status frozen).</summary>
    public void SetHeartbeating(string node, bool on)
    {
        var n = Runtime.Node(node);
        if (n.Heartbeating == on) return;
        n.Heartbeating = on;
        if (on)
        {
            var obj = Store.Get(Resources.Nodes, null, node);
            if (obj is not null)
            {
                var copy = obj.Clone();
                SetNodeConditions(copy, Now, ready: true);
                Store.Update(Resources.Nodes, copy);
                Ctx.Events.Normal(copy, "NodeReady", $"Node {node} status is now: NodeReady", "kubelet", node);
            }

            RenewLease(node, Now);
            foreach (var p in Store.List(Resources.Pods, null, p => p.Str("spec.nodeName") == node).Items) Enqueue(KeyOf(p));
        }
    }

    private void Heartbeat()
    {
        var now = Now;
        var nodes = Store.All(Resources.Nodes);
        var statusDue = now.Second % 60 < LeasePeriod.TotalSeconds || nodes.Count <= 50;
        foreach (var node in nodes)
        {
            if (!Runtime.IsAlive(node.Name())) continue;
            RenewLease(node.Name(), now);
            var ready = node.Arr("status.conditions").Objects().FirstOrDefault(c => c.Str("type") == "Ready");
            var last = ready?.Time("lastHeartbeatTime");
            if (ready?.Str("status") != "True" || last is null || (statusDue && now - last.Value >= TimeSpan.FromMinutes(1)))
            {
                var copy = node.Clone();
                SetNodeConditions(copy, now, ready: true);
                Store.Update(Resources.Nodes, copy);
            }
        }

        Ctx.Manager.At(now + LeasePeriod, Heartbeat);
    }

    private void RenewLease(string node, DateTimeOffset now)
    {
        var lease = Store.Get(Resources.Leases, "kube-node-lease", node);
        if (lease is null)
        {
            if (Store.Get(Resources.Namespaces, null, "kube-node-lease") is null) return;
            var nodeObj = Store.Get(Resources.Nodes, null, node);
            Store.Create(Resources.Leases, new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = node,
                    ["namespace"] = "kube-node-lease",
                    ["ownerReferences"] = nodeObj is null ? null : new JsonArray(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Node", ["name"] = node, ["uid"] = nodeObj.Uid() }),
                },
                ["spec"] = new JsonObject { ["holderIdentity"] = node, ["leaseDurationSeconds"] = 40, ["renewTime"] = Json.MicroTimestamp(now) },
            });
            return;
        }

        var copy = lease.Clone();
        copy.Ensure("spec")["renewTime"] = Json.MicroTimestamp(now);
        Store.Update(Resources.Leases, copy);
    }

    public static void SetNodeConditions(JsonObject node, DateTimeOffset now, bool ready)
    {
        var status = node.Ensure("status");
        var conds = status.EnsureArray("conditions");
        (string Type, string Status, string Reason, string Message)[] wanted =
        [
            ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ("Ready", ready ? "True" : "False", ready ? "KubeletReady" : "KubeletNotReady", ready ? "kubelet is posting ready status" : "container runtime is down"),
        ];
        var result = new JsonArray();
        foreach (var (type, st, reason, message) in wanted)
        {
            var existing = conds.Objects().FirstOrDefault(c => c.Str("type") == type);
            result.Add(new JsonObject
            {
                ["type"] = type,
                ["status"] = st,
                ["lastHeartbeatTime"] = Json.Timestamp(now),
                ["lastTransitionTime"] = existing is not null && existing.Str("status") == st ? existing.Str("lastTransitionTime") : Json.Timestamp(now),
                ["reason"] = reason,
                ["message"] = message,
            });
        }

        status["conditions"] = result;
    }

    protected override void Reconcile(string key)
    {
        var (ns, name) = Split(key);
        var pod = Store.Get(Resources.Pods, ns, name);
        if (pod is null) return;
        var nodeName = pod.Str("spec.nodeName");
        if (string.IsNullOrEmpty(nodeName) || !Runtime.IsAlive(nodeName)) return;
        if (Store.Get(Resources.Nodes, null, nodeName) is not { } node) return;
        var now = Now;
        var uid = pod.Uid();

        if (pod.Str("metadata.deletionTimestamp") is not null)
        {
            Terminate(pod, node, now);
            return;
        }

        if (pod.Str("status.phase") is "Succeeded" or "Failed" && !Runtime.Pods.ContainsKey(uid)) return;

        if (!Runtime.Pods.TryGetValue(uid, out var rt))
        {
            rt = new PodRuntime { Uid = uid, Namespace = ns!, Name = name, Node = nodeName, PodIp = Runtime.AllocateIp(nodeName), StartTime = now };
            foreach (var c in pod.Arr("spec.initContainers").Objects())
            {
                rt.Containers.Add(new ContainerRuntime { Name = c.Str("name") ?? "", Image = c.Str("image") ?? "", App = Ctx.Scenario.AppFor(c.Str("image") ?? ""), IsInit = true });
            }

            foreach (var c in pod.Arr("spec.containers").Objects())
            {
                rt.Containers.Add(new ContainerRuntime
                {
                    Name = c.Str("name") ?? "",
                    Image = c.Str("image") ?? "",
                    App = Ctx.Scenario.AppFor(c.Str("image") ?? ""),
                    Pace = 0.9 + (Names.Fnv32a(uid + "/" + c.Str("name")) % 2001 / 10000.0),
                });
            }

            Runtime.Pods[uid] = rt;
        }

        DateTimeOffset? wake;
        lock (rt.Gate)
        {
            wake = Step(pod, node, rt, now);
        }

        WriteStatus(pod, rt, now);
        if (wake is { } w) EnqueueAt(w > now ? w : now.AddMilliseconds(1), key);
    }

    private void Terminate(JsonObject pod, JsonObject node, DateTimeOffset now)
    {
        var uid = pod.Uid();
        var nodeName = node.Name();
        if (Runtime.Pods.TryGetValue(uid, out var rt) && !rt.Terminating)
        {
            lock (rt.Gate)
            {
                rt.Terminating = true;
                foreach (var c in rt.Containers.Where(c => c.Stage == "Running" && !c.IsInit))
                {
                    Ctx.Events.Normal(pod, "Killing", $"Stopping container {c.Name}", "kubelet", nodeName, $"spec.containers{{{c.Name}}}");
                }
            }

            var grace = pod.Long("metadata.deletionGracePeriodSeconds") ?? 30;
            var delay = TimeSpan.FromSeconds(Math.Min(Math.Max(grace, 0), 1));
            EnqueueAt(now + delay, KeyOf(pod));
            return;
        }

        if (rt is not null)
        {
            lock (rt.Gate)
            {
                foreach (var c in rt.Containers.Where(c => c.Stage == "Running"))
                {
                    c.Stage = "Done";
                    if (c.Current is not null)
                    {
                        c.Current.End = now;
                        c.Current.Reason = "Completed";
                    }
                }
            }
        }

        // The kubelet confirms the deletion with grace period 0.
        Lifecycle.Delete(Store, Ctx.Clock, Resources.Pods, pod.Namespace(), pod.Name(), new DeleteOptions(GracePeriodSeconds: 0));
    }

    /// <summary>Advances every container to <paramref name="now"/>; returns when it next needs attention.</summary>
    private DateTimeOffset? Step(JsonObject pod, JsonObject node, PodRuntime rt, DateTimeOffset now)
    {
        DateTimeOffset? wake = null;
        void Wake(DateTimeOffset? t)
        {
            if (t is { } x && (wake is null || x < wake)) wake = x;
        }

        var nodeName = node.Name();
        var restartPolicy = pod.Str("spec.restartPolicy") ?? "Always";
        var specs = pod.Arr("spec.initContainers").Objects().Concat(pod.Arr("spec.containers").Objects()).ToDictionary(c => c.Str("name") ?? "");
        var initsDone = true;
        foreach (var c in rt.Containers)
        {
            if (!specs.TryGetValue(c.Name, out var spec)) continue;
            if (!c.IsInit && !initsDone) break;
            var image = spec.Str("image") ?? "";
            if (image != c.Image && c.Stage is "Running")
            {
                // An in-place image change restarts the container.
                Ctx.Events.Normal(pod, "Killing", $"Container {c.Name} definition changed, will be restarted", "kubelet", nodeName, FieldPath(c));
                EndInstance(c, now, "Error", 137);
                c.Stage = "New";
            }

            if (image != c.Image)
            {
                c.Image = image;
                c.App = Ctx.Scenario.AppFor(image);
                if (c.Stage is "PullFailed" or "PullBackOff" or "ConfigError") c.Stage = "New";
            }

            for (var guard = 0; guard < 20; guard++)
            {
                var before = c.Stage;
                StepContainer(pod, node, rt, c, spec, restartPolicy, now, Wake);
                if (c.Stage == before) break;
            }

            if (c.IsInit && c.Stage != "Done") initsDone = false;
        }

        return wake;
    }

    private static string FieldPath(ContainerRuntime c) => c.IsInit ? $"spec.initContainers{{{c.Name}}}" : $"spec.containers{{{c.Name}}}";

    private void StepContainer(JsonObject pod, JsonObject node, PodRuntime rt, ContainerRuntime c, JsonObject spec, string restartPolicy, DateTimeOffset now, Action<DateTimeOffset?> wake)
    {
        var nodeName = node.Name();
        var fp = FieldPath(c);
        var nodeRt = Runtime.Node(nodeName);
        switch (c.Stage)
        {
            case "New":
            case "ConfigError":
            {
                var configError = CheckConfig(pod, spec);
                if (configError is not null)
                {
                    if (c.Stage != "ConfigError" || c.WaitingMessage != configError)
                    {
                        Ctx.Events.Warning(pod, "Failed", $"Error: {configError}", "kubelet", nodeName, fp);
                    }

                    c.Stage = "ConfigError";
                    c.WaitingReason = "CreateContainerConfigError";
                    c.WaitingMessage = configError;
                    wake(now + TimeSpan.FromSeconds(10));
                    return;
                }

                var mountError = CheckVolumes(pod);
                if (mountError is not null)
                {
                    Ctx.Events.Warning(pod, "FailedMount", mountError, "kubelet", nodeName);
                    c.Stage = "ConfigError";
                    c.WaitingReason = "ContainerCreating";
                    c.WaitingMessage = null;
                    wake(now + TimeSpan.FromSeconds(30));
                    return;
                }

                var policy = spec.Str("imagePullPolicy") ?? "IfNotPresent";
                var present = nodeRt.Images.Contains(ImageRef.Normalize(c.Image));
                if (policy == "Never" && !present)
                {
                    c.Stage = "ConfigError";
                    c.WaitingReason = "ErrImageNeverPull";
                    c.WaitingMessage = $"Container image \"{c.Image}\" is not present with pull policy of Never";
                    Ctx.Events.Warning(pod, "ErrImageNeverPull", c.WaitingMessage, "kubelet", nodeName, fp);
                    return;
                }

                if (present && policy != "Always")
                {
                    Ctx.Events.Normal(pod, "Pulled", $"Container image \"{c.Image}\" already present on machine", "kubelet", nodeName, fp);
                    c.ImageId ??= ImageId(c.Image);
                    Start(pod, rt, c, spec, now, nodeName, wake);
                    return;
                }

                Ctx.Events.Normal(pod, "Pulling", $"Pulling image \"{c.Image}\"", "kubelet", nodeName, fp);
                c.Stage = "Pulling";
                c.WaitingReason = c.WaitingReason is "ErrImagePull" or "ImagePullBackOff" ? c.WaitingReason : "ContainerCreating";
                c.WakeAt = now + PullTime(c.Image);
                wake(c.WakeAt);
                return;
            }

            case "Pulling":
                if (now < c.WakeAt)
                {
                    wake(c.WakeAt);
                    return;
                }

                if (Ctx.Scenario.ImageExists(c.Image))
                {
                    var took = PullTime(c.Image).TotalSeconds;
                    Ctx.Events.Normal(pod, "Pulled", string.Create(CultureInfo.InvariantCulture, $"Successfully pulled image \"{c.Image}\" in {took:0.###}s ({took:0.###}s including waiting). Image size: {ImageSize(c.Image)} bytes."), "kubelet", nodeName, fp);
                    nodeRt.Images.Add(ImageRef.Normalize(c.Image));
                    c.ImageId = ImageId(c.Image);
                    c.PullBackoff = TimeSpan.Zero;
                    Start(pod, rt, c, spec, now, nodeName, wake);
                    return;
                }

                var fq = ImageRef.FullyQualified(c.Image);
                var message = $"rpc error: code = NotFound desc = failed to pull and unpack image \"{fq}\": failed to resolve reference \"{fq}\": {fq}: not found";
                Ctx.Events.Warning(pod, "Failed", $"Failed to pull image \"{c.Image}\": {message}", "kubelet", nodeName, fp);
                Ctx.Events.Warning(pod, "Failed", "Error: ErrImagePull", "kubelet", nodeName, fp);
                c.Stage = "PullFailed";
                c.WaitingReason = "ErrImagePull";
                c.WaitingMessage = message;
                c.PullBackoff = c.PullBackoff == TimeSpan.Zero ? TimeSpan.FromSeconds(10) : Min(c.PullBackoff * 2, MaxBackoff);
                c.WakeAt = now + c.PullBackoff;
                wake(now + TimeSpan.FromSeconds(Math.Min(2, c.PullBackoff.TotalSeconds / 2)));
                return;

            case "PullFailed":
            case "PullBackOff":
                if (now >= c.WakeAt)
                {
                    c.Stage = "New";
                    return;
                }

                if (c.Stage == "PullFailed")
                {
                    c.Stage = "PullBackOff";
                    c.WaitingReason = "ImagePullBackOff";
                    c.WaitingMessage = $"Back-off pulling image \"{c.Image}\": ErrImagePull: {c.WaitingMessage}";
                    Ctx.Events.Normal(pod, "BackOff", $"Back-off pulling image \"{c.Image}\"", "kubelet", nodeName, fp);
                    Ctx.Events.Warning(pod, "Failed", "Error: ImagePullBackOff", "kubelet", nodeName, fp);
                }

                wake(c.WakeAt);
                return;

            case "Running":
                RunningStep(pod, node, rt, c, spec, restartPolicy, now, wake);
                return;

            case "Terminated":
            {
                var code = c.Current?.ExitCode ?? 0;
                var restart = !c.IsInit && (restartPolicy == "Always" || (restartPolicy == "OnFailure" && code != 0));
                if (c.IsInit && code == 0)
                {
                    c.Stage = "Done";
                    return;
                }

                if (c.IsInit && restartPolicy != "Never") restart = true;
                if (!restart)
                {
                    c.Stage = "Done";
                    return;
                }

                // Kubelet back-off (flowcontrol.Backoff): the first crash restarts at once; the next within
                // 10 minutes waits 10s, doubling to 5m.
                var finished = c.Current?.End ?? now;
                var expired = c.CrashBackoffUpdated is null || finished - c.CrashBackoffUpdated.Value > MaxBackoff * 2;
                if (expired)
                {
                    c.CrashBackoff = TimeSpan.FromSeconds(10);
                    c.CrashBackoffUpdated = finished;
                    Restart(pod, rt, c, spec, now, nodeName, wake);
                    return;
                }

                c.Stage = "CrashBackOff";
                c.WaitingReason = "CrashLoopBackOff";
                c.WaitingMessage = $"back-off {GoDuration(c.CrashBackoff)} restarting failed container={c.Name} pod={pod.Name()}_{pod.Namespace()}({pod.Uid()})";
                c.WakeAt = finished + c.CrashBackoff;
                c.CrashBackoffUpdated = finished;
                c.CrashBackoff = Min(c.CrashBackoff * 2, MaxBackoff);
                Ctx.Events.Warning(pod, "BackOff", $"Back-off restarting failed container {c.Name} in pod {pod.Name()}_{pod.Namespace()}({pod.Uid()})", "kubelet", nodeName, fp);
                wake(c.WakeAt);
                return;
            }

            case "CrashBackOff":
                if (now >= c.WakeAt)
                {
                    Restart(pod, rt, c, spec, now, nodeName, wake);
                    return;
                }

                wake(c.WakeAt);
                return;
        }
    }

    private void Restart(JsonObject pod, PodRuntime rt, ContainerRuntime c, JsonObject spec, DateTimeOffset now, string nodeName, Action<DateTimeOffset?> wake)
    {
        c.RestartCount++;
        Ctx.Events.Normal(pod, "Pulled", $"Container image \"{c.Image}\" already present on machine", "kubelet", nodeName, FieldPath(c));
        Start(pod, rt, c, spec, now, nodeName, wake);
    }

    private void Start(JsonObject pod, PodRuntime rt, ContainerRuntime c, JsonObject spec, DateTimeOffset now, string nodeName, Action<DateTimeOffset?> wake)
    {
        var fp = FieldPath(c);
        Ctx.Events.Normal(pod, "Created", $"Created container: {c.Name}", "kubelet", nodeName, fp);
        Ctx.Events.Normal(pod, "Started", $"Started container {c.Name}", "kubelet", nodeName, fp);
        if (c.Current is not null) c.Previous = c.Current;
        c.Current = new ContainerInstance { Start = now, ContainerId = "containerd://" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N")[..32] };
        c.Stage = "Running";
        c.WaitingReason = null;
        c.WaitingMessage = null;
        c.Ready = false;
        c.NextUnhealthyAt = null;

        // Decide the fate of this run: its own exit, OOM, or a liveness kill; whichever comes first.
        (DateTimeOffset At, string Reason, int Code)? end = null;
        if (c.App.ExitAfter is { } exitAfter)
        {
            end = (now + exitAfter, c.App.ExitCode == 0 ? "Completed" : "Error", c.App.ExitCode);
        }
        else if (c.IsInit)
        {
            end = (now + TimeSpan.FromSeconds(1), "Completed", 0);
        }

        var limit = Quantity.Bytes(spec.Str("resources.limits.memory"));
        if (limit > 0 && c.App.TimeToReach(limit) is { } modelOom)
        {
            var oomAfter = TimeSpan.FromTicks((long)(modelOom.Ticks / c.Pace));
            if (end is null || now + oomAfter < end.Value.At) end = (now + oomAfter, "OOMKilled", 137);
        }

        if (spec.Obj("livenessProbe") is { } liveness && LivenessKillAfter(liveness, c, spec, rt) is { } killAfter && (end is null || now + killAfter < end.Value.At))
        {
            end = (now + killAfter, "Liveness", 137);
        }

        c.EndsAt = end?.At;
        c.EndReason = end?.Reason;
        c.EndCode = end?.Code ?? 0;
        wake(now);
    }

    private void RunningStep(JsonObject pod, JsonObject node, PodRuntime rt, ContainerRuntime c, JsonObject spec, string restartPolicy, DateTimeOffset now, Action<DateTimeOffset?> wake)
    {
        var nodeName = node.Name();
        var fp = FieldPath(c);
        var inst = c.Current!;
        var uptime = now - inst.Start;

        if (c.EndsAt is { } endsAt && now >= endsAt)
        {
            var reason = c.EndReason!;
            if (reason == "Liveness")
            {
                var (_, msg) = Probe(spec.Obj("livenessProbe")!, c, spec, rt, endsAt - inst.Start);
                Ctx.Events.Warning(pod, "Unhealthy", $"Liveness probe failed: {msg}", "kubelet", nodeName, fp);
                Ctx.Events.Normal(pod, "Killing", $"Container {c.Name} failed liveness probe, will be restarted", "kubelet", nodeName, fp);
                reason = "Error";
            }
            else if (reason == "OOMKilled")
            {
                var limit = spec.Str("resources.limits.memory");
                Ctx.Events.Warning(node, "OOMKilling", string.Create(CultureInfo.InvariantCulture,
                    $"Memory cgroup out of memory: Killed process {1000 + (Math.Abs(inst.ContainerId.GetHashCode()) % 30000)} ({c.Name}) total-vm:{Quantity.Bytes(limit) / 1024 + 204800}kB, anon-rss:{Quantity.Bytes(limit) / 1024}kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1234kB oom_score_adj:{(Admission.QosClass(pod.Obj("spec")!) == "Guaranteed" ? -997 : 999)}"),
                    "kernel-monitor", nodeName);
            }

            EndInstance(c, endsAt, reason, c.EndCode);
            c.Stage = "Terminated";
            return;
        }

        wake(c.EndsAt);

        var readiness = spec.Obj("readinessProbe");
        if (readiness is null)
        {
            c.Ready = true;
        }
        else
        {
            var initial = readiness.Long("initialDelaySeconds") ?? 0;
            var period = Math.Max(1, readiness.Long("periodSeconds") ?? 10);
            var firstProbe = inst.Start.AddSeconds(initial);
            if (now < firstProbe)
            {
                wake(firstProbe);
            }
            else
            {
                var (ok, message) = Probe(readiness, c, spec, rt, uptime);
                if (ok)
                {
                    c.Ready = true;
                }
                else
                {
                    c.Ready = false;
                    // Probe times are firstProbe + k*period; record one Unhealthy per probe.
                    var k = Math.Floor((now - firstProbe).TotalSeconds / period);
                    var probeAt = firstProbe.AddSeconds(k * period);
                    if (c.NextUnhealthyAt is null || probeAt >= c.NextUnhealthyAt)
                    {
                        Ctx.Events.Warning(pod, "Unhealthy", $"Readiness probe failed: {message}", "kubelet", nodeName, fp);
                        c.NextUnhealthyAt = probeAt.AddSeconds(period);
                    }

                    wake(c.NextUnhealthyAt);
                }
            }
        }

        if (c.IsInit) c.Ready = false;
    }

    private static void EndInstance(ContainerRuntime c, DateTimeOffset at, string reason, int code)
    {
        if (c.Current is null) return;
        c.Current.End = at;
        c.Current.Reason = reason;
        c.Current.ExitCode = code;
        c.Ready = false;
        c.EndsAt = null;
    }

    /// <summary>When a failing liveness probe kills the container (failureThreshold consecutive failures), or null.</summary>
    private TimeSpan? LivenessKillAfter(JsonObject probe, ContainerRuntime c, JsonObject spec, PodRuntime rt)
    {
        var initial = probe.Long("initialDelaySeconds") ?? 0;
        var period = Math.Max(1, probe.Long("periodSeconds") ?? 10);
        var threshold = Math.Max(1, probe.Long("failureThreshold") ?? 3);
        var failures = 0;
        for (var k = 0; k < 1000; k++)
        {
            var at = TimeSpan.FromSeconds(initial + (k * period));
            var (ok, _) = Probe(probe, c, spec, rt, at);
            if (ok) return null;
            if (++failures >= threshold) return at;
        }

        return null;
    }

    /// <summary>Runs a probe against the app model: which ports it listens on and which paths it answers.</summary>
    private static (bool Ok, string Message) Probe(JsonObject probe, ContainerRuntime c, JsonObject spec, PodRuntime rt, TimeSpan uptime)
    {
        var containerPorts = spec.Arr("ports").Objects().Select(p => (int)(p.Long("containerPort") ?? 0)).ToList();
        int ResolvePort(JsonNode? port)
        {
            if (port is JsonValue v && v.TryGetValue<int>(out var n)) return n;
            var name = port?.ToString();
            if (int.TryParse(name, out var parsed)) return parsed;
            return (int)(spec.Arr("ports").Objects().FirstOrDefault(p => p.Str("name") == name)?.Long("containerPort") ?? 0);
        }

        var starting = uptime.TotalSeconds < c.App.StartupSeconds;
        if (probe.Obj("httpGet") is { } http)
        {
            var port = ResolvePort(http["port"]);
            var path = http.Str("path") ?? "/";
            var scheme = (http.Str("scheme") ?? "HTTP").ToLowerInvariant();
            var url = $"{scheme}://{rt.PodIp}:{port}{path}";
            if (starting || !c.App.ListensOn(port, containerPorts))
            {
                return (false, $"Get \"{url}\": dial tcp {rt.PodIp}:{port}: connect: connection refused");
            }

            return c.App.Answers(path) ? (true, "") : (false, "HTTP probe failed with statuscode: 404");
        }

        if (probe.Obj("tcpSocket") is { } tcp)
        {
            var port = ResolvePort(tcp["port"]);
            return starting || !c.App.ListensOn(port, containerPorts) ? (false, $"dial tcp {rt.PodIp}:{port}: connect: connection refused") : (true, "");
        }

        if (probe.Obj("grpc") is { } grpc)
        {
            var port = (int)(grpc.Long("port") ?? 0);
            return starting || !c.App.ListensOn(port, containerPorts) ? (false, $"timeout: failed to connect service \"{rt.PodIp}:{port}\" within 1s: context deadline exceeded") : (true, "");
        }

        return starting ? (false, "command timed out") : (true, "");
    }

    private string? CheckConfig(JsonObject pod, JsonObject spec)
    {
        var ns = pod.Namespace();
        foreach (var env in spec.Arr("env").Objects())
        {
            if (env.Obj("valueFrom.configMapKeyRef") is { } cmRef && cmRef.Bool("optional") != true)
            {
                var cm = Store.Get(Resources.ConfigMaps, ns, cmRef.Str("name") ?? "");
                if (cm is null) return $"configmap \"{cmRef.Str("name")}\" not found";
                if (cm.Obj("data")?.ContainsKey(cmRef.Str("key") ?? "") != true) return $"couldn't find key {cmRef.Str("key")} in ConfigMap {ns}/{cmRef.Str("name")}";
            }

            if (env.Obj("valueFrom.secretKeyRef") is { } sRef && sRef.Bool("optional") != true)
            {
                var s = Store.Get(Resources.Secrets, ns, sRef.Str("name") ?? "");
                if (s is null) return $"secret \"{sRef.Str("name")}\" not found";
                if (s.Obj("data")?.ContainsKey(sRef.Str("key") ?? "") != true) return $"couldn't find key {sRef.Str("key")} in Secret {ns}/{sRef.Str("name")}";
            }
        }

        foreach (var from in spec.Arr("envFrom").Objects())
        {
            if (from.Obj("configMapRef") is { } cm && cm.Bool("optional") != true && Store.Get(Resources.ConfigMaps, ns, cm.Str("name") ?? "") is null) return $"configmap \"{cm.Str("name")}\" not found";
            if (from.Obj("secretRef") is { } s && s.Bool("optional") != true && Store.Get(Resources.Secrets, ns, s.Str("name") ?? "") is null) return $"secret \"{s.Str("name")}\" not found";
        }

        return null;
    }

    private string? CheckVolumes(JsonObject pod)
    {
        var ns = pod.Namespace();
        foreach (var v in pod.Arr("spec.volumes").Objects())
        {
            if (v.Obj("configMap") is { } cm && cm.Bool("optional") != true && Store.Get(Resources.ConfigMaps, ns, cm.Str("name") ?? "") is null)
            {
                return $"MountVolume.SetUp failed for volume \"{v.Str("name")}\" : configmap \"{cm.Str("name")}\" not found";
            }

            if (v.Obj("secret") is { } s && s.Bool("optional") != true && Store.Get(Resources.Secrets, ns, s.Str("secretName") ?? "") is null)
            {
                return $"MountVolume.SetUp failed for volume \"{v.Str("name")}\" : secret \"{s.Str("secretName")}\" not found";
            }
        }

        return null;
    }

    private void WriteStatus(JsonObject pod, PodRuntime rt, DateTimeOffset now)
    {
        var current = Store.Get(Resources.Pods, pod.Namespace(), pod.Name());
        if (current is null || current.Str("metadata.deletionTimestamp") is not null) return;
        var old = current.Obj("status") ?? new JsonObject();
        var status = new JsonObject();
        var mains = rt.Containers.Where(c => !c.IsInit).ToList();
        var inits = rt.Containers.Where(c => c.IsInit).ToList();
        var anyRunning = mains.Any(c => c.Stage == "Running");
        var allDone = mains.All(c => c.Stage == "Done");
        var everStarted = mains.Any(c => c.Current is not null);
        string phase;
        if (allDone && mains.Count > 0) phase = mains.All(c => c.Current?.ExitCode == 0) ? "Succeeded" : "Failed";
        else if (anyRunning || (everStarted && mains.Any(c => c.Stage is "Terminated" or "CrashBackOff"))) phase = "Running";
        else phase = "Pending";

        status["phase"] = phase;
        var allReady = mains.Count > 0 && mains.All(c => c.Ready && c.Stage == "Running");
        var notReady = mains.Where(c => !(c.Ready && c.Stage == "Running")).Select(c => c.Name).ToList();
        var initsDone = inits.All(c => c.Stage == "Done");
        var oldConds = old.Arr("conditions").Objects().ToList();
        JsonObject Cond(string type, bool ok, string? reason = null, string? message = null)
        {
            var prev = oldConds.FirstOrDefault(c => c.Str("type") == type);
            var c = new JsonObject
            {
                ["type"] = type,
                ["status"] = ok ? "True" : "False",
                ["lastProbeTime"] = null,
                ["lastTransitionTime"] = prev is not null && prev.Str("status") == (ok ? "True" : "False") ? prev.Str("lastTransitionTime") : Json.Timestamp(now),
            };
            if (!ok && reason is not null) c["reason"] = reason;
            if (!ok && message is not null) c["message"] = message;
            return c;
        }

        var finished = phase is "Succeeded" or "Failed";
        status["conditions"] = new JsonArray(
            Cond("PodReadyToStartContainers", !finished),
            Cond("Initialized", initsDone, "ContainersNotInitialized", $"containers with incomplete status: [{string.Join(" ", inits.Where(c => c.Stage != "Done").Select(c => c.Name))}]"),
            Cond("Ready", allReady, finished ? "PodCompleted" : "ContainersNotReady", finished ? null : $"containers with unready status: [{string.Join(" ", notReady)}]"),
            Cond("ContainersReady", allReady, finished ? "PodCompleted" : "ContainersNotReady", finished ? null : $"containers with unready status: [{string.Join(" ", notReady)}]"),
            Cond("PodScheduled", true));
        var node = Store.Get(Resources.Nodes, null, rt.Node);
        var hostIp = node?.Arr("status.addresses").Objects().FirstOrDefault(a => a.Str("type") == "InternalIP")?.Str("address") ?? "";
        status["hostIP"] = hostIp;
        status["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = hostIp });
        status["podIP"] = rt.PodIp;
        status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = rt.PodIp });
        status["startTime"] = Json.Timestamp(rt.StartTime);
        if (inits.Count > 0) status["initContainerStatuses"] = Json.ToArray(inits.Select(c => (JsonNode)ContainerStatus(c, initsDone)));
        status["containerStatuses"] = Json.ToArray(mains.Select(c => (JsonNode)ContainerStatus(c, initsDone)));
        status["qosClass"] = old.Str("qosClass") ?? Admission.QosClass(pod.Obj("spec")!);
        if (Json.DeepEquals(old, status)) return;
        var copy = current.Clone();
        copy["status"] = status;
        Store.Update(Resources.Pods, copy);
    }

    private static JsonObject ContainerStatus(ContainerRuntime c, bool initsDone)
    {
        var status = new JsonObject { ["name"] = c.Name };
        var state = new JsonObject();
        switch (c.Stage)
        {
            case "Running" when c.Current is not null:
                state["running"] = new JsonObject { ["startedAt"] = Json.Timestamp(c.Current.Start) };
                break;
            case "Terminated" or "Done" when c.Current is not null:
                state["terminated"] = Terminated(c.Current);
                break;
            default:
                var waiting = new JsonObject { ["reason"] = c.WaitingReason ?? (initsDone ? "ContainerCreating" : "PodInitializing") };
                if (c.WaitingMessage is not null) waiting["message"] = c.WaitingMessage;
                state["waiting"] = waiting;
                break;
        }

        status["state"] = state;
        var last = new JsonObject();
        var previous = c.Stage is "Terminated" or "Done" ? c.Previous : (c.Stage is "CrashBackOff" ? c.Current : c.Previous);
        if (previous?.End is not null) last["terminated"] = Terminated(previous);
        status["lastState"] = last;
        status["ready"] = c.Ready && c.Stage == "Running";
        status["restartCount"] = c.RestartCount;
        status["image"] = c.ImageId is null ? c.Image : ImageRef.FullyQualified(c.Image);
        status["imageID"] = c.ImageId ?? "";
        if (c.Current is not null) status["containerID"] = c.Current.ContainerId;
        status["started"] = c.Stage == "Running";
        return status;
    }

    private static JsonObject Terminated(ContainerInstance inst) => new()
    {
        ["exitCode"] = inst.ExitCode,
        ["reason"] = inst.Reason,
        ["startedAt"] = Json.Timestamp(inst.Start),
        ["finishedAt"] = Json.Timestamp(inst.End ?? inst.Start),
        ["containerID"] = inst.ContainerId,
    };

    private static TimeSpan PullTime(string image) => TimeSpan.FromMilliseconds(800 + (Math.Abs(StableHash(image)) % 2400));

    private static long ImageSize(string image) => 20_000_000 + (Math.Abs((long)StableHash(image)) % 180_000_000);

    private static string ImageId(string image)
    {
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ImageRef.Normalize(image)))).ToLowerInvariant();
        return $"{ImageRef.Repository(ImageRef.FullyQualified(image))}@sha256:{hash}";
    }

    private static int StableHash(string s) => (int)Names.Fnv32a(s);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Go's time.Duration String() for whole seconds: 10s, 1m20s, 5m0s.</summary>
    public static string GoDuration(TimeSpan d)
    {
        var total = (long)d.TotalSeconds;
        if (total < 60) return total.ToString(CultureInfo.InvariantCulture) + "s";
        var h = total / 3600;
        var m = total % 3600 / 60;
        var s = total % 60;
        return h > 0 ? $"{h}h{m}m{s}s" : $"{m}m{s}s";
    }
}
