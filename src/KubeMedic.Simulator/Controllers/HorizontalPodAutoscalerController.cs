using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Controllers;

/// <summary>
/// The HPA controller (autoscaling/v2, Resource metrics): every 15s it averages cpu/memory usage from the kubelet
/// model over the target's ready pods as a percentage of their requests, computes
/// desired = ceil(current * utilization / target) within a 10% tolerance, clamps to min/max, scales the target
/// and keeps status (currentMetrics, desired/current replicas, AbleToScale/ScalingActive/ScalingLimited).
/// </summary>
internal sealed class HorizontalPodAutoscalerController(SimContext ctx) : Controller(ctx)
{
    private static readonly TimeSpan SyncPeriod = TimeSpan.FromSeconds(15);

    public override void Initialize() => Sync();

    public override void OnEvent(StoreEvent ev)
    {
        if (ev.Type == Resources.Hpas && ev.EventType == "ADDED") Enqueue(KeyOf(ev.Object));
    }

    private void Sync()
    {
        foreach (var hpa in Store.All(Resources.Hpas)) Enqueue(KeyOf(hpa));
        Ctx.Manager.At(Now + SyncPeriod, Sync);
    }

    protected override void Reconcile(string key)
    {
        var (ns, name) = Split(key);
        var hpa = Store.Get(Resources.Hpas, ns, name);
        if (hpa is null) return;
        var targetKind = hpa.Str("spec.scaleTargetRef.kind");
        var rt = targetKind switch
        {
            "Deployment" => Resources.Deployments,
            "StatefulSet" => Resources.StatefulSets,
            "ReplicaSet" => Resources.ReplicaSets,
            _ => null,
        };
        var now = Now;
        var copy = hpa.Clone();
        var status = copy.Ensure("status");
        var target = rt is null ? null : Store.Get(rt, ns, hpa.Str("spec.scaleTargetRef.name") ?? "");
        if (target is null)
        {
            PodUtil.SetCondition(status, "AbleToScale", "False", "FailedGetScale", $"the HPA controller was unable to get the target's current scale: {targetKind?.ToLowerInvariant()}s \"{hpa.Str("spec.scaleTargetRef.name")}\" not found", now);
            Write(hpa, copy);
            return;
        }

        var current = (int)(target.Long("spec.replicas") ?? 1);
        var min = (int)(hpa.Long("spec.minReplicas") ?? 1);
        var max = (int)(hpa.Long("spec.maxReplicas") ?? current);
        var selector = LabelSelector.FromObject(target.Obj("spec.selector"));
        var pods = Store.All(Resources.Pods, ns).Where(p => selector.Matches(p) && PodUtil.IsActive(p) && PodUtil.IsReady(p)).ToList();
        var desired = current;
        var metrics = new JsonArray();
        string? reason = null;
        foreach (var m in hpa.Arr("spec.metrics").Objects().Where(m => m.Str("type") == "Resource"))
        {
            var resource = m.Str("resource.name") ?? "cpu";
            var targetUtil = m.Long("resource.target.averageUtilization");
            long usage = 0, requests = 0;
            foreach (var pod in pods)
            {
                foreach (var (cname, cpu, mem) in Api.Metrics.ContainerUsage(Ctx, pod, now))
                {
                    var spec = pod.Arr("spec.containers").Objects().FirstOrDefault(c => c.Str("name") == cname);
                    usage += resource == "cpu" ? cpu / 1_000_000 : mem;
                    requests += resource == "cpu" ? Quantity.MilliCpu(spec?.Str("resources.requests.cpu")) : Quantity.Bytes(spec?.Str("resources.requests.memory"));
                }
            }

            if (targetUtil is null || requests == 0 || pods.Count == 0) continue;
            var utilization = (int)(usage * 100 / requests);
            metrics.Add(new JsonObject
            {
                ["type"] = "Resource",
                ["resource"] = new JsonObject
                {
                    ["name"] = resource,
                    ["current"] = new JsonObject
                    {
                        ["averageUtilization"] = utilization,
                        ["averageValue"] = resource == "cpu" ? Quantity.FormatMilli(usage / pods.Count) : Quantity.FormatKi(usage / pods.Count),
                    },
                },
            });
            var ratio = (double)utilization / targetUtil.Value;
            if (Math.Abs(ratio - 1) > 0.1)
            {
                var want = (int)Math.Ceiling(pods.Count * ratio);
                if (want > desired || desired == current)
                {
                    desired = want;
                    reason = $"{resource} resource utilization (percentage of request) {(ratio > 1 ? "above" : "below")} target";
                }
            }
        }

        var clamped = Math.Clamp(desired, min, max);
        status["currentReplicas"] = current;
        status["desiredReplicas"] = clamped;
        status["currentMetrics"] = metrics;
        PodUtil.SetCondition(status, "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size", now);
        PodUtil.SetCondition(status, "ScalingActive", metrics.Count > 0 ? "True" : "False", metrics.Count > 0 ? "ValidMetricFound" : "FailedGetResourceMetric",
            metrics.Count > 0 ? "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)" : "the HPA was unable to compute the replica count: did not receive metrics for targeted pods (pods might be unready)", now);
        PodUtil.SetCondition(status, "ScalingLimited", desired != clamped ? "True" : "False", desired > max ? "TooManyReplicas" : desired < min ? "TooFewReplicas" : "DesiredWithinRange",
            desired > max ? "the desired replica count is more than the maximum replica count" : desired < min ? "the desired replica count is less than the minimum replica count" : "the desired count is within the acceptable range", now);
        if (clamped != current)
        {
            var scaled = target.Clone();
            scaled.Ensure("spec")["replicas"] = clamped;
            Store.Update(rt!, scaled);
            status["lastScaleTime"] = Json.Timestamp(now);
            Ctx.Events.Normal(hpa, "SuccessfulRescale", $"New size: {clamped}; reason: {reason ?? "All metrics below target"}", "horizontal-pod-autoscaler");
        }

        Write(hpa, copy);
    }

    private void Write(JsonObject hpa, JsonObject copy)
    {
        if (Json.DeepEquals(hpa["status"], copy["status"])) return;
        Store.Update(Resources.Hpas, copy);
    }
}
