using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Controllers;

/// <summary>
/// The default scheduler's filters, in its plugin order (NodeUnschedulable, TaintToleration, NodeAffinity,
/// NodeResourcesFit, VolumeBinding), a spreading score, and the real FailedScheduling message
/// ("0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}. preemption: ...").
/// All pending pods are scheduled in one pass against a node-usage snapshot.
/// </summary>
internal sealed class Scheduler(SimContext ctx) : Controller(ctx)
{
    private const string CycleKey = "cycle";
    private readonly Dictionary<string, (string Message, DateTimeOffset At)> _lastFailure = new(StringComparer.Ordinal);

    private sealed class NodeInfo
    {
        public required JsonObject Node { get; init; }
        public required string Name { get; init; }
        public required Dictionary<string, string> Labels { get; init; }
        public long CpuAllocatable { get; init; }
        public long MemAllocatable { get; init; }
        public long PodsAllocatable { get; init; }
        public long CpuRequested { get; set; }
        public long MemRequested { get; set; }
        public long PodCount { get; set; }
        public Dictionary<string, int> OwnerCounts { get; } = new(StringComparer.Ordinal);
    }

    public override void Initialize() => Enqueue(CycleKey);

    public override void OnEvent(StoreEvent ev)
    {
        if (ev.Type == Resources.Pods)
        {
            if (string.IsNullOrEmpty(ev.Object.Str("spec.nodeName")) && ev.EventType == "ADDED") Enqueue(CycleKey);
            else if (ev.EventType == "DELETED" && _lastFailure.Count > 0) Enqueue(CycleKey);
            else if (ev.EventType == "DELETED") _lastFailure.Remove(ev.Object.Uid());
        }
        else if ((ev.Type == Resources.Nodes || ev.Type == Resources.Pvcs || ev.Type == Resources.StorageClasses) && _lastFailure.Count > 0)
        {
            if (ev.Type == Resources.Nodes && ev.EventType == "MODIFIED" && ev.Old is not null
                && Json.DeepEquals(ev.Old["spec"], ev.Object["spec"]) && Json.DeepEquals(ev.Old.Obj("metadata.labels"), ev.Object.Obj("metadata.labels"))
                && Json.DeepEquals(ev.Old.Obj("status.allocatable"), ev.Object.Obj("status.allocatable")))
            {
                return; // heartbeats do not change schedulability
            }

            Enqueue(CycleKey);
        }
    }

    protected override void Reconcile(string key)
    {
        var pending = Store.List(Resources.Pods, null, p => string.IsNullOrEmpty(p.Str("spec.nodeName")) && p.Str("metadata.deletionTimestamp") is null
            && p.Str("status.phase") is not ("Succeeded" or "Failed") && (p.Str("spec.schedulerName") ?? "default-scheduler") == "default-scheduler").Items;
        if (pending.Count == 0)
        {
            _lastFailure.Clear();
            return;
        }

        var nodes = BuildNodeInfos();
        var retry = false;
        foreach (var pod in pending.OrderByDescending(p => p.Long("spec.priority") ?? 0).ThenBy(p => p.Time("metadata.creationTimestamp")))
        {
            var current = Store.Get(Resources.Pods, pod.Namespace(), pod.Name());
            if (current is null || !string.IsNullOrEmpty(current.Str("spec.nodeName"))) continue;
            if (!ScheduleOne(current, nodes)) retry = true;
        }

        // Unschedulable pods are retried on cluster changes and, like the real queue, at least every 5 minutes.
        if (retry) EnqueueAfter(TimeSpan.FromMinutes(1), CycleKey);
    }

    private List<NodeInfo> BuildNodeInfos()
    {
        var infos = new Dictionary<string, NodeInfo>(StringComparer.Ordinal);
        foreach (var n in Store.All(Resources.Nodes))
        {
            infos[n.Name()] = new NodeInfo
            {
                Node = n,
                Name = n.Name(),
                Labels = n.Labels(),
                CpuAllocatable = Quantity.MilliCpu(n.Str("status.allocatable.cpu") ?? n.Str("status.capacity.cpu")),
                MemAllocatable = Quantity.Bytes(n.Str("status.allocatable.memory") ?? n.Str("status.capacity.memory")),
                PodsAllocatable = (long)Quantity.Parse(n.Str("status.allocatable.pods") ?? n.Str("status.capacity.pods") ?? "110"),
            };
        }

        foreach (var p in Store.List(Resources.Pods, null, p => !string.IsNullOrEmpty(p.Str("spec.nodeName")) && p.Str("status.phase") is not ("Succeeded" or "Failed")).Items)
        {
            if (!infos.TryGetValue(p.Str("spec.nodeName")!, out var info)) continue;
            Account(info, p);
        }

        return infos.Values.OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
    }

    private static void Account(NodeInfo info, JsonObject pod)
    {
        var (cpu, mem) = PodUtil.Requests(pod.Obj("spec") ?? new JsonObject());
        info.CpuRequested += cpu;
        info.MemRequested += mem;
        info.PodCount++;
        if (Lifecycle.ControllerUid(pod) is { } owner) info.OwnerCounts[owner] = info.OwnerCounts.GetValueOrDefault(owner) + 1;
    }

    private bool ScheduleOne(JsonObject pod, List<NodeInfo> nodes)
    {
        var spec = pod.Obj("spec") ?? new JsonObject();
        var now = Now;
        var preFilter = CheckVolumes(pod);
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        var preemption = new Dictionary<string, int>(StringComparer.Ordinal);
        NodeInfo? best = null;
        if (preFilter is null)
        {
            var (cpu, mem) = PodUtil.Requests(spec);
            var owner = Lifecycle.ControllerUid(pod);
            var tolerations = spec.Arr("tolerations");
            var nodeSelector = Json.StringMap(spec.Obj("nodeSelector"));
            var affinity = spec.Obj("affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution");
            (int, double, string)? bestScore = null;
            foreach (var n in nodes)
            {
                var failures = Filter(n, cpu, mem, tolerations, nodeSelector, affinity, out var resourceFailure);
                if (failures.Count > 0)
                {
                    foreach (var f in failures) reasons[f] = reasons.GetValueOrDefault(f) + 1;
                    var p = resourceFailure ? "No preemption victims found for incoming pod" : "Preemption is not helpful for scheduling";
                    preemption[p] = preemption.GetValueOrDefault(p) + 1;
                    continue;
                }

                var score = (owner is null ? 0 : n.OwnerCounts.GetValueOrDefault(owner), n.CpuAllocatable == 0 ? 1.0 : (double)(n.CpuRequested + cpu) / n.CpuAllocatable, n.Name);
                if (bestScore is null || score.CompareTo(bestScore.Value) < 0)
                {
                    bestScore = score;
                    best = n;
                }
            }
        }
        else
        {
            preemption["Preemption is not helpful for scheduling"] = nodes.Count;
        }

        if (best is not null)
        {
            Bind(pod, best, now);
            Account(best, pod);
            _lastFailure.Remove(pod.Uid());
            return true;
        }

        var message = $"0/{nodes.Count} nodes are available:";
        if (preFilter is not null) message += $" {preFilter}.";
        else if (reasons.Count > 0) message += " " + string.Join(", ", reasons.Select(r => $"{r.Value} {r.Key}").Order(StringComparer.Ordinal)) + ".";
        if (nodes.Count > 0)
        {
            message += $" preemption: 0/{nodes.Count} nodes are available: " + string.Join(", ", preemption.Select(r => $"{r.Value} {r.Key}").Order(StringComparer.Ordinal)) + ".";
        }
        else
        {
            message = "no nodes available to schedule pods";
        }

        var uid = pod.Uid();
        if (!_lastFailure.TryGetValue(uid, out var last) || last.Message != message || now - last.At >= TimeSpan.FromMinutes(5))
        {
            _lastFailure[uid] = (message, now);
            Ctx.Events.Warning(pod, "FailedScheduling", message, "default-scheduler");
            var copy = pod.Clone();
            PodUtil.SetCondition(copy.Ensure("status"), "PodScheduled", "False", "Unschedulable", message, now);
            copy.Ensure("status")["phase"] = "Pending";
            Store.Update(Resources.Pods, copy);
        }
        else
        {
            _lastFailure[uid] = (message, last.At);
        }

        return false;
    }

    private static List<string> Filter(NodeInfo n, long cpu, long mem, JsonArray? tolerations, Dictionary<string, string> nodeSelector, JsonObject? affinity, out bool resourceFailure)
    {
        resourceFailure = false;
        var result = new List<string>();
        if (n.Node.Bool("spec.unschedulable") == true
            && !Tolerates(tolerations, new JsonObject { ["key"] = "node.kubernetes.io/unschedulable", ["effect"] = "NoSchedule" }))
        {
            result.Add("node(s) were unschedulable");
            return result;
        }

        foreach (var taint in n.Node.Arr("spec.taints").Objects())
        {
            if (taint.Str("effect") is not ("NoSchedule" or "NoExecute")) continue;
            if (!Tolerates(tolerations, taint))
            {
                result.Add($"node(s) had untolerated taint {{{taint.Str("key")}: {taint.Str("value")}}}");
                return result;
            }
        }

        if (nodeSelector.Any(s => n.Labels.GetValueOrDefault(s.Key) != s.Value) || (affinity is not null && !MatchesAffinity(n, affinity)))
        {
            result.Add("node(s) didn't match Pod's node affinity/selector");
            return result;
        }

        if (n.PodCount + 1 > n.PodsAllocatable) result.Add("Too many pods");
        if (cpu > 0 && n.CpuRequested + cpu > n.CpuAllocatable) result.Add("Insufficient cpu");
        if (mem > 0 && n.MemRequested + mem > n.MemAllocatable) result.Add("Insufficient memory");
        resourceFailure = result.Count > 0;
        return result;
    }

    private static bool MatchesAffinity(NodeInfo n, JsonObject required)
    {
        var terms = required.Arr("nodeSelectorTerms").Objects().ToList();
        if (terms.Count == 0) return false;
        return terms.Any(term =>
        {
            var exprs = term.Arr("matchExpressions").Objects().ToList();
            var fields = term.Arr("matchFields").Objects().ToList();
            if (exprs.Count == 0 && fields.Count == 0) return false;
            return exprs.All(e => MatchExpression(e, n.Labels.TryGetValue(e.Str("key") ?? "", out var v) ? v : null))
                && fields.All(f => MatchExpression(f, f.Str("key") == "metadata.name" ? n.Name : null));
        });
    }

    private static bool MatchExpression(JsonObject e, string? value)
    {
        var values = (e.Arr("values") ?? []).Select(x => x?.ToString() ?? "").ToList();
        return e.Str("operator") switch
        {
            "In" => value is not null && values.Contains(value),
            "NotIn" => value is null || !values.Contains(value),
            "Exists" => value is not null,
            "DoesNotExist" => value is null,
            "Gt" => value is not null && long.TryParse(value, out var a) && values.Count == 1 && long.TryParse(values[0], out var b) && a > b,
            "Lt" => value is not null && long.TryParse(value, out var c) && values.Count == 1 && long.TryParse(values[0], out var d) && c < d,
            _ => false,
        };
    }

    public static bool Tolerates(JsonArray? tolerations, JsonObject taint)
    {
        foreach (var t in tolerations.Objects())
        {
            var effect = t.Str("effect");
            if (!string.IsNullOrEmpty(effect) && effect != taint.Str("effect")) continue;
            var key = t.Str("key");
            var op = t.Str("operator") ?? "Equal";
            if (string.IsNullOrEmpty(key) && op == "Exists") return true;
            if (key != taint.Str("key")) continue;
            if (op == "Exists" || (t.Str("value") ?? "") == (taint.Str("value") ?? "")) return true;
        }

        return false;
    }

    private string? CheckVolumes(JsonObject pod)
    {
        foreach (var v in pod.Arr("spec.volumes").Objects())
        {
            if (v.Str("persistentVolumeClaim.claimName") is not { } claim) continue;
            var pvc = Store.Get(Resources.Pvcs, pod.Namespace(), claim);
            if (pvc is null) return $"persistentvolumeclaim \"{claim}\" not found";
            if (pvc.Str("status.phase") == "Bound") continue;
            var sc = pvc.Str("spec.storageClassName") is { Length: > 0 } cn ? Store.Get(Resources.StorageClasses, null, cn) : null;
            if (sc?.Str("volumeBindingMode") != "WaitForFirstConsumer") return "pod has unbound immediate PersistentVolumeClaims";
        }

        return null;
    }

    private void Bind(JsonObject pod, NodeInfo node, DateTimeOffset now)
    {
        foreach (var v in pod.Arr("spec.volumes").Objects())
        {
            if (v.Str("persistentVolumeClaim.claimName") is not { } claim) continue;
            var pvc = Store.Get(Resources.Pvcs, pod.Namespace(), claim);
            if (pvc is not null && pvc.Str("status.phase") != "Bound")
            {
                var pc = pvc.Clone();
                pc.Ensure("metadata.annotations")[PersistentVolumeController.SelectedNodeAnnotation] = node.Name;
                Store.Update(Resources.Pvcs, pc);
            }
        }

        var copy = pod.Clone();
        copy.Ensure("spec")["nodeName"] = node.Name;
        var status = copy.Ensure("status");
        PodUtil.SetCondition(status, "PodScheduled", "True", null, null, now);
        Store.Update(Resources.Pods, copy);
        Ctx.Events.Normal(pod, "Scheduled", $"Successfully assigned {pod.Namespace()}/{pod.Name()} to {node.Name}", "default-scheduler");
    }
}
