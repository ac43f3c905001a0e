using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;

namespace KubeMedic.Core.Analysis;

/// <summary>Autoscaling causes: HPAs that cannot read metrics, and HPAs pinned at maxReplicas.</summary>
public sealed class AutoscalingAnalyzer : IAnalyzer
{
    public string Family => "autoscaling";

    public IEnumerable<Finding> Analyze(AnalysisContext context)
    {
        foreach (var hpa in context.Model.HorizontalPodAutoscalers)
        {
            var target = new ObjectRef(hpa.TargetKind, hpa.Namespace, hpa.TargetName);
            var active = hpa.FindCondition("ScalingActive");
            var able = hpa.FindCondition("AbleToScale");
            var failing = active is { Status: "False" } ? active : able is { Status: "False" } ? able : null;
            if (failing is not null)
            {
                var noRequests = TemplateOf(context, target) is { } spec && spec.Containers.Any(c => c.Requests.CpuMillis is null);
                var sub = failing.Reason switch
                {
                    "FailedGetResourceMetric" when noRequests => "missing-requests",
                    "FailedGetResourceMetric" => "metrics-server-unavailable",
                    "FailedGetExternalMetric" or "FailedGetObjectMetric" or "FailedGetPodsMetric" => "custom-metrics-unavailable",
                    "FailedGetScale" => "target-missing",
                    _ => failing.Reason?.ToLowerInvariant() ?? "metrics-unavailable",
                };
                yield return new Finding
                {
                    Code = FindingCodes.HpaMetricsUnavailable,
                    Severity = Severity.Medium,
                    Object = hpa.Ref,
                    Owner = null,
                    SubReason = sub,
                    Summary = $"HPA {hpa.Name} cannot scale {hpa.TargetKind.ToLowerInvariant()}/{hpa.TargetName}: {failing.Type}=False ({failing.Reason})",
                    Cause = sub switch
                    {
                        "missing-requests" => $"The HPA scales on CPU utilisation but {hpa.TargetName}'s containers set no CPU request, so utilisation cannot be computed.",
                        "metrics-server-unavailable" => "The resource metrics API (metrics-server) does not answer, so the HPA cannot read CPU/memory.",
                        "target-missing" => $"The scale target {hpa.TargetKind}/{hpa.TargetName} does not exist.",
                        _ => $"The HPA cannot read its metrics: {Quote.Trim(failing.Message ?? "", 200)}",
                    },
                    Evidence = [new(EvidenceSource.Status, $"HPA {hpa.Name} {failing.Type}=False reason={failing.Reason}: {Quote.Trim(failing.Message ?? "")}"),
                        .. context.Model.EventsFor(hpa).Where(e => e.IsWarning).Take(2).Select(Quote.Event)],
                    Fix = new Fix(sub == "missing-requests" ? "Set CPU requests on the target's containers." : "Install or repair metrics-server / the custom metrics adapter.",
                        [$"kubectl describe hpa {hpa.Name} -n {hpa.Namespace}", "kubectl get apiservice v1beta1.metrics.k8s.io", "kubectl top pods -n " + hpa.Namespace]),
                    Related = [new RelatedFinding(FindingCodes.ReplicasUnavailable, target, "affects")],
                    Docs = FindingCatalog.DocsFor(FindingCodes.HpaMetricsUnavailable),
                };
                continue;
            }

            var limited = hpa.FindCondition("ScalingLimited");
            var atMax = hpa.MaxReplicas > 0 && hpa.CurrentReplicas >= hpa.MaxReplicas && hpa.DesiredReplicas >= hpa.MaxReplicas;
            if ((limited is { Status: "True", Reason: "TooManyReplicas" or "ScaleUpLimit" } && hpa.DesiredReplicas >= hpa.MaxReplicas) || atMax)
            {
                yield return new Finding
                {
                    Code = FindingCodes.HpaAtMax,
                    Severity = Severity.Medium,
                    Object = hpa.Ref,
                    SubReason = "max-replicas",
                    Summary = $"HPA {hpa.Name} at maxReplicas {hpa.MaxReplicas} (current {hpa.CurrentReplicas}, desired {hpa.DesiredReplicas})",
                    Cause = $"Load needs more than {hpa.MaxReplicas} replicas of {hpa.TargetName}; the HPA cannot add more, so latency and errors rise.",
                    Evidence = [new(EvidenceSource.Status, $"HPA {hpa.Name} currentReplicas={hpa.CurrentReplicas} desiredReplicas={hpa.DesiredReplicas} maxReplicas={hpa.MaxReplicas}"),
                        .. limited is null ? [] : new[] { new Evidence(EvidenceSource.Status, $"ScalingLimited=True reason={limited.Reason}: {Quote.Trim(limited.Message ?? "")}") }],
                    Fix = new Fix($"Raise maxReplicas (e.g. to {hpa.MaxReplicas * 2}) if the cluster has room, or make each replica handle more.",
                        [$"kubectl patch hpa {hpa.Name} -n {hpa.Namespace} --type merge -p '{{\"spec\":{{\"maxReplicas\":{hpa.MaxReplicas * 2}}}}}'"], Patches.HpaMaxReplicas(hpa.MaxReplicas * 2)),
                    Docs = FindingCatalog.DocsFor(FindingCodes.HpaAtMax),
                };
            }
        }
    }

    private static PodSpecInfo? TemplateOf(AnalysisContext ctx, ObjectRef target) => target.Kind switch
    {
        "Deployment" => ctx.Model.FindDeployment(target.Namespace ?? "", target.Name)?.Template.Spec,
        "StatefulSet" => ctx.Model.StatefulSets.FirstOrDefault(s => s.Namespace == target.Namespace && s.Name == target.Name)?.Template.Spec,
        _ => null,
    };
}
