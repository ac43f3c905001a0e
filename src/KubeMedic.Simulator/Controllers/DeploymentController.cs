using System.Globalization;
using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Controllers;

/// <summary>
/// The deployment controller (kubernetes pkg/controller/deployment): one ReplicaSet per pod template, named by
/// pod-template-hash; rolling updates bounded by maxSurge/maxUnavailable; Recreate; revision annotations (an
/// undo re-uses the old ReplicaSet and gives it the next revision); Available/Progressing conditions with
/// progressDeadlineSeconds; revisionHistoryLimit clean-up; paused deployments are not rolled.
/// </summary>
internal sealed class DeploymentController(SimContext ctx) : Controller(ctx)
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    public const string RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
    public const string DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
    public const string MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
    public const string HashLabel = "pod-template-hash";

    public override void OnEvent(StoreEvent ev)
    {
        if (ev.Type == Resources.Deployments) Enqueue(KeyOf(ev.Object));
        else if (ev.Type == Resources.ReplicaSets && PodUtil.OwnerName(ev.Object, "Deployment") is { } owner) Enqueue(ObjectStore.Key(ev.Object.Namespace(), owner));
        else if (ev.Type == Resources.Pods && ev.EventType == "DELETED" && PodUtil.OwnerName(ev.Object, "ReplicaSet") is { } rsName
            && Store.Get(Resources.ReplicaSets, ev.Object.Namespace(), rsName) is { } rs && PodUtil.OwnerName(rs, "Deployment") is { } deployment)
        {
            // Recreate waits for the old pods to be gone.
            Enqueue(ObjectStore.Key(ev.Object.Namespace(), deployment));
        }
    }

    public static string TemplateHash(JsonObject template)
    {
        var copy = template.Clone();
        copy.Obj("metadata.labels")?.Remove(HashLabel);
        return Names.SafeEncode(Names.Fnv32a(Json.Canonical(copy)));
    }

    public static bool SameTemplate(JsonObject? a, JsonObject? b)
    {
        if (a is null || b is null) return false;
        var x = a.Clone();
        var y = b.Clone();
        x.Obj("metadata.labels")?.Remove(HashLabel);
        y.Obj("metadata.labels")?.Remove(HashLabel);
        if (x.Obj("metadata.labels") is { Count: 0 }) x.Obj("metadata")!.Remove("labels");
        if (y.Obj("metadata.labels") is { Count: 0 }) y.Obj("metadata")!.Remove("labels");
        x.Obj("metadata")?.Remove("creationTimestamp");
        y.Obj("metadata")?.Remove("creationTimestamp");
        return Json.DeepEquals(x, y);
    }

    public static long Revision(JsonObject rs) =>
        long.TryParse(rs.Labels("metadata.annotations").GetValueOrDefault(RevisionAnnotation), NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) ? r : 0;

    protected override void Reconcile(string key)
    {
        var (ns, name) = Split(key);
        var d = Store.Get(Resources.Deployments, ns, name);
        if (d is null || d.Str("metadata.deletionTimestamp") is not null) return;
        var uid = d.Uid();
        var all = Store.All(Resources.ReplicaSets, ns).Where(rs => PodUtil.OwnedBy(rs, uid)).ToList();
        var template = d.Obj("spec.template") ?? new JsonObject();
        var newRs = all.Where(rs => SameTemplate(rs.Obj("spec.template"), template)).OrderBy(rs => rs.Time("metadata.creationTimestamp")).FirstOrDefault();
        var olds = all.Where(rs => rs != newRs).ToList();
        var replicas = (int)(d.Long("spec.replicas") ?? 1);
        var paused = d.Bool("spec.paused") == true;
        var maxOldRevision = olds.Select(Revision).DefaultIfEmpty(0).Max();
        var createdNew = false;

        if (newRs is null && !paused)
        {
            newRs = CreateReplicaSet(d, template, maxOldRevision + 1, replicas);
            if (newRs is null) return;
            createdNew = true;
        }
        else if (newRs is not null && Revision(newRs) <= maxOldRevision)
        {
            // A rollback to an older template: the old ReplicaSet becomes new again with the next revision.
            var copy = newRs.Clone();
            var ann = copy.Ensure("metadata.annotations");
            var history = ann.Str(RevisionHistoryAnnotation);
            var oldRevision = Revision(newRs).ToString(CultureInfo.InvariantCulture);
            ann[RevisionHistoryAnnotation] = string.IsNullOrEmpty(history) ? oldRevision : history + "," + oldRevision;
            ann[RevisionAnnotation] = (maxOldRevision + 1).ToString(CultureInfo.InvariantCulture);
            if (d.Labels("metadata.annotations").TryGetValue("kubernetes.io/change-cause", out var cause)) ann["kubernetes.io/change-cause"] = cause;
            newRs = Store.Update(Resources.ReplicaSets, copy);
        }

        if (newRs is not null && d.Labels("metadata.annotations").GetValueOrDefault(RevisionAnnotation) != Revision(newRs).ToString(CultureInfo.InvariantCulture))
        {
            var copy = d.Clone();
            copy.Ensure("metadata.annotations")[RevisionAnnotation] = Revision(newRs).ToString(CultureInfo.InvariantCulture);
            d = Store.Update(Resources.Deployments, copy);
        }

        if (!paused && newRs is not null)
        {
            if (d.Str("spec.strategy.type") == "Recreate") Recreate(d, newRs, olds, replicas);
            else RollingUpdate(d, newRs, olds, replicas);
        }
        else if (paused)
        {
            // Paused: only scale proportionally is real behaviour; keep the current split and honour replica changes on the newest.
            var target = newRs ?? olds.OrderByDescending(Revision).FirstOrDefault();
            var sum = all.Sum(rs => (int)(rs.Long("spec.replicas") ?? 0));
            if (target is not null && sum != replicas) Scale(d, target, Math.Max(0, (int)(target.Long("spec.replicas") ?? 0) + replicas - sum));
        }

        Cleanup(d, olds);
        UpdateStatus(key, createdNew);
    }

    private JsonObject? CreateReplicaSet(JsonObject d, JsonObject template, long revision, int replicas)
    {
        var hash = TemplateHash(template);
        var rsTemplate = template.Clone();
        rsTemplate.Ensure("metadata.labels")[HashLabel] = hash;
        var selector = d.Obj("spec.selector")?.Clone() ?? new JsonObject();
        selector.Ensure("matchLabels")[HashLabel] = hash;
        var labels = Json.StringMap(template.Obj("metadata.labels"));
        labels[HashLabel] = hash;
        var annotations = new JsonObject
        {
            [DesiredReplicasAnnotation] = replicas.ToString(CultureInfo.InvariantCulture),
            [MaxReplicasAnnotation] = (replicas + MaxSurge(d, replicas)).ToString(CultureInfo.InvariantCulture),
            [RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (k, v) in d.Labels("metadata.annotations"))
        {
            if (k is "kubernetes.io/change-cause") annotations[k] = v;
        }

        var labelObj = new JsonObject();
        foreach (var (k, v) in labels) labelObj[k] = v;
        var rs = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{d.Name()}-{hash}",
                ["namespace"] = d.Namespace(),
                ["labels"] = labelObj,
                ["annotations"] = annotations,
                ["ownerReferences"] = new JsonArray(Lifecycle.OwnerReference(d)),
            },
            ["spec"] = new JsonObject
            {
                ["replicas"] = 0,
                ["minReadySeconds"] = d.Long("spec.minReadySeconds") ?? 0,
                ["selector"] = selector,
                ["template"] = rsTemplate,
            },
        };
        return Store.Create(Resources.ReplicaSets, rs);
    }

    private static int MaxSurge(JsonObject d, int replicas) =>
        d.Str("spec.strategy.type") == "Recreate" ? 0 : PodUtil.ResolveIntOrPercent(d.At("spec.strategy.rollingUpdate.maxSurge") ?? JsonValue.Create("25%"), replicas, roundUp: true);

    private static int MaxUnavailable(JsonObject d, int replicas)
    {
        if (d.Str("spec.strategy.type") == "Recreate") return 0;
        var surge = MaxSurge(d, replicas);
        var unavailable = PodUtil.ResolveIntOrPercent(d.At("spec.strategy.rollingUpdate.maxUnavailable") ?? JsonValue.Create("25%"), replicas, roundUp: false);
        if (surge == 0 && unavailable == 0) unavailable = 1;
        return Math.Min(unavailable, replicas);
    }

    private void RollingUpdate(JsonObject d, JsonObject newRs, List<JsonObject> olds, int replicas)
    {
        var all = olds.Append(newRs).ToList();
        var newReplicas = (int)(newRs.Long("spec.replicas") ?? 0);
        // Scale the new ReplicaSet up within maxSurge.
        if (newReplicas > replicas)
        {
            Scale(d, newRs, replicas);
        }
        else if (newReplicas < replicas)
        {
            var maxTotal = replicas + MaxSurge(d, replicas);
            var current = all.Sum(rs => (int)(rs.Long("spec.replicas") ?? 0));
            if (current < maxTotal)
            {
                var up = Math.Min(maxTotal - current, replicas - newReplicas);
                if (up > 0)
                {
                    newRs = Scale(d, newRs, newReplicas + up);
                    all = olds.Append(newRs).ToList();
                }
            }
        }

        // Scale old ReplicaSets down while keeping maxUnavailable.
        var oldPods = olds.Sum(rs => (int)(rs.Long("spec.replicas") ?? 0));
        if (oldPods == 0) return;
        var allPods = all.Sum(rs => (int)(rs.Long("spec.replicas") ?? 0));
        var minAvailable = replicas - MaxUnavailable(d, replicas);
        var newUnavailable = (int)(newRs.Long("spec.replicas") ?? 0) - (int)(newRs.Long("status.availableReplicas") ?? 0);
        var maxScaledDown = allPods - minAvailable - newUnavailable;
        if (maxScaledDown <= 0) return;

        // First the unhealthy replicas of old ReplicaSets, oldest first.
        var cleaned = 0;
        var updatedOlds = new List<JsonObject>();
        foreach (var rs in olds.OrderBy(r => r.Time("metadata.creationTimestamp")))
        {
            var spec = (int)(rs.Long("spec.replicas") ?? 0);
            var unhealthy = spec - (int)(rs.Long("status.availableReplicas") ?? 0);
            var down = Math.Min(Math.Max(unhealthy, 0), maxScaledDown - cleaned);
            if (down > 0 && spec > 0)
            {
                updatedOlds.Add(Scale(d, rs, spec - down));
                cleaned += down;
            }
            else
            {
                updatedOlds.Add(rs);
            }
        }

        // Then available ones, as far as availability allows.
        var available = updatedOlds.Append(newRs).Sum(rs => (int)(rs.Long("status.availableReplicas") ?? 0));
        if (available <= minAvailable) return;
        var total = Math.Min(available - minAvailable, maxScaledDown - cleaned);
        foreach (var rs in updatedOlds.OrderBy(r => r.Time("metadata.creationTimestamp")))
        {
            if (total <= 0) break;
            var spec = (int)(rs.Long("spec.replicas") ?? 0);
            if (spec == 0) continue;
            var down = Math.Min(spec, total);
            Scale(d, rs, spec - down);
            total -= down;
        }
    }

    private void Recreate(JsonObject d, JsonObject newRs, List<JsonObject> olds, int replicas)
    {
        var anyOld = false;
        foreach (var rs in olds)
        {
            if ((rs.Long("spec.replicas") ?? 0) > 0)
            {
                Scale(d, rs, 0);
                anyOld = true;
            }
        }

        if (anyOld) return;
        var oldPodsRunning = Store.All(Resources.Pods, d.Namespace()).Any(p => olds.Any(rs => PodUtil.OwnedBy(p, rs.Uid())) && p.Str("status.phase") is not ("Succeeded" or "Failed"));
        if (oldPodsRunning) return;
        if ((newRs.Long("spec.replicas") ?? 0) != replicas) Scale(d, newRs, replicas);
    }

    private JsonObject Scale(JsonObject d, JsonObject rs, int to)
    {
        var from = (int)(rs.Long("spec.replicas") ?? 0);
        if (from == to) return rs;
        var copy = rs.Clone();
        copy.Ensure("spec")["replicas"] = to;
        var ann = copy.Ensure("metadata.annotations");
        var replicas = (int)(d.Long("spec.replicas") ?? 1);
        ann[DesiredReplicasAnnotation] = replicas.ToString(CultureInfo.InvariantCulture);
        ann[MaxReplicasAnnotation] = (replicas + MaxSurge(d, replicas)).ToString(CultureInfo.InvariantCulture);
        var updated = Store.Update(Resources.ReplicaSets, copy);
        Ctx.Events.Normal(d, "ScalingReplicaSet", $"Scaled {(to > from ? "up" : "down")} replica set {rs.Name()} from {from} to {to}", "deployment-controller");
        return updated;
    }

    private void Cleanup(JsonObject d, List<JsonObject> olds)
    {
        var limit = d.Long("spec.revisionHistoryLimit") ?? 10;
        var candidates = olds.Where(rs => (rs.Long("spec.replicas") ?? 0) == 0 && (rs.Long("status.replicas") ?? 0) == 0 && rs.Str("metadata.deletionTimestamp") is null)
            .OrderBy(Revision).ToList();
        var excess = candidates.Count - (int)limit;
        for (var i = 0; i < excess; i++)
        {
            Lifecycle.Delete(Store, Ctx.Clock, Resources.ReplicaSets, candidates[i].Namespace(), candidates[i].Name(), new DeleteOptions());
        }
    }

    private void UpdateStatus(string key, bool createdNew)
    {
        var (ns, name) = Split(key);
        var d = Store.Get(Resources.Deployments, ns, name);
        if (d is null) return;
        var uid = d.Uid();
        var all = Store.All(Resources.ReplicaSets, ns).Where(rs => PodUtil.OwnedBy(rs, uid)).ToList();
        var template = d.Obj("spec.template");
        var newRs = all.FirstOrDefault(rs => SameTemplate(rs.Obj("spec.template"), template));
        var replicas = (int)(d.Long("spec.replicas") ?? 1);
        var now = Now;
        var copy = d.Clone();
        var old = d.Obj("status");
        var status = new JsonObject();
        status["observedGeneration"] = d.Long("metadata.generation") ?? 1;
        var total = all.Sum(rs => rs.Long("status.replicas") ?? 0);
        var updated = newRs?.Long("status.replicas") ?? 0;
        var ready = all.Sum(rs => rs.Long("status.readyReplicas") ?? 0);
        var available = all.Sum(rs => rs.Long("status.availableReplicas") ?? 0);
        if (total > 0) status["replicas"] = total;
        if (updated > 0) status["updatedReplicas"] = updated;
        if (ready > 0) status["readyReplicas"] = ready;
        if (available > 0) status["availableReplicas"] = available;
        var unavailable = Math.Max(0, Math.Max(replicas, total) - available);
        if (unavailable > 0) status["unavailableReplicas"] = unavailable;
        status["conditions"] = old?.Arr("conditions")?.DeepClone() ?? new JsonArray();

        var minAvailable = replicas - MaxUnavailable(d, replicas);
        if (available >= minAvailable) PodUtil.SetCondition(status, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now, withUpdateTime: true);
        else PodUtil.SetCondition(status, "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", now, withUpdateTime: true);

        var deadline = d.Long("spec.progressDeadlineSeconds");
        var complete = newRs is not null && updated == replicas && total == replicas && available == replicas
            && (newRs.Long("spec.replicas") ?? 0) == replicas;
        var progressing = status.Arr("conditions").Objects().FirstOrDefault(c => c.Str("type") == "Progressing");
        var rsName = newRs?.Name() ?? "";
        if (d.Bool("spec.paused") == true)
        {
            PodUtil.SetCondition(status, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", now, withUpdateTime: true);
        }
        else if (complete)
        {
            if (progressing?.Str("reason") != "NewReplicaSetAvailable")
            {
                PodUtil.SetCondition(status, "Progressing", "True", "NewReplicaSetAvailable", $"ReplicaSet \"{rsName}\" has successfully progressed.", now, withUpdateTime: true);
            }
        }
        else if (newRs is not null)
        {
            var made = createdNew || progressing is null
                || (updated > (old?.Long("updatedReplicas") ?? 0)) || (ready > (old?.Long("readyReplicas") ?? 0)) || (available > (old?.Long("availableReplicas") ?? 0))
                || progressing.Str("reason") is "NewReplicaSetAvailable" or "DeploymentPaused" or "DeploymentResumed";
            if (createdNew)
            {
                PodUtil.SetCondition(status, "Progressing", "True", "NewReplicaSetCreated", $"Created new replica set \"{rsName}\"", now, withUpdateTime: true);
            }
            else if (made)
            {
                PodUtil.SetCondition(status, "Progressing", "True", "ReplicaSetUpdated", $"ReplicaSet \"{rsName}\" is progressing.", now, withUpdateTime: true);
            }

            var current = status.Arr("conditions").Objects().First(c => c.Str("type") == "Progressing");
            if (deadline is not null && current.Str("reason") != "ProgressDeadlineExceeded")
            {
                var since = current.Time("lastUpdateTime") ?? now;
                var due = since.AddSeconds(deadline.Value);
                if (now >= due)
                {
                    PodUtil.SetCondition(status, "Progressing", "False", "ProgressDeadlineExceeded", $"ReplicaSet \"{rsName}\" has timed out progressing.", now, withUpdateTime: true);
                }
                else
                {
                    EnqueueAt(due.AddMilliseconds(1), key);
                }
            }
        }

        // Keep the condition order the apiserver shows: Available, then Progressing.
        var ordered = status.Arr("conditions")!.Objects().OrderBy(c => c.Str("type") == "Available" ? 0 : 1).Select(c => c.DeepClone()).ToList();
        status["conditions"] = Json.ToArray(ordered);
        if (Json.DeepEquals(old, status)) return;
        copy["status"] = status;
        Store.Update(Resources.Deployments, copy);
    }
}
