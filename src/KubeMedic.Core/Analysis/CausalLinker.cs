using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Analysis;

/// <summary>
/// Links symptoms to causes across analyzers (related[]): a Service without endpoints → the pod findings of the pods
/// it selects; a stuck rollout or unavailable replicas → the pod findings of the same workload; a NotReady node → the
/// findings it causes.
/// </summary>
public static class CausalLinker
{
    /// <summary>Codes that describe why pods fail (causes), as opposed to workload/service symptoms.</summary>
    public static readonly HashSet<string> PodCauseCodes =
    [
        FindingCodes.OomKilled, FindingCodes.CrashLoop, FindingCodes.ImagePull, FindingCodes.ConfigMissing, FindingCodes.Unschedulable,
        FindingCodes.ReadinessFailing, FindingCodes.LivenessRestarts, FindingCodes.NodeLost, FindingCodes.InitFailing, FindingCodes.Evicted,
        ExtraFindingCodes.ContainerCreateFailed,
    ];

    internal static List<Finding> Link(List<Finding> findings, AnalysisContext context)
    {
        var podFindings = findings.Where(f => PodCauseCodes.Contains(f.Code)).ToList();
        var result = new List<Finding>(findings.Count);
        foreach (var f in findings)
        {
            var extra = new List<RelatedFinding>();
            switch (f.Code)
            {
                case FindingCodes.RolloutStuck or FindingCodes.ReplicasUnavailable:
                    extra.AddRange(podFindings.Where(p => p.Object == f.Object).Select(p => new RelatedFinding(p.Code, p.Object, "caused-by")));
                    if (f.Code == FindingCodes.ReplicasUnavailable)
                    {
                        extra.AddRange(findings.Where(o => o.Code == FindingCodes.RolloutStuck && o.Object == f.Object).Select(o => new RelatedFinding(o.Code, o.Object, "caused-by")));
                    }

                    break;
                case FindingCodes.ServiceNoEndpoints when f.SubReason == "no-ready-pods":
                    var selected = f.Pods.ToHashSet();
                    extra.AddRange(podFindings.Where(p => p.Object.Namespace == f.Object.Namespace && p.Pods.Any(selected.Contains))
                        .Select(p => new RelatedFinding(p.Code, p.Object, "caused-by")));
                    break;
                case FindingCodes.NodeNotReady:
                    extra.AddRange(findings.Where(o => o.Related.Any(r => r.Code == FindingCodes.NodeNotReady && r.Object == f.Object))
                        .Select(o => new RelatedFinding(o.Code, o.Object, "affects")));
                    break;
                case FindingCodes.RiskyRollout when f.SubReason == "max-unavailable-100":
                    extra.AddRange(findings.Where(o => o.Code == FindingCodes.RolloutStuck && o.Object == f.Object).Select(o => new RelatedFinding(o.Code, o.Object, "amplifies")));
                    break;
            }

            result.Add(extra.Count == 0 ? f : f with { Related = f.Related.Concat(extra).DistinctBy(r => (r.Code, r.Object)).ToList() });
        }

        return result;
    }

    /// <summary>
    /// Root causes: findings no other finding explains (nothing they point to with "caused-by" is itself present).
    /// Used by triage for the leading hypothesis.
    /// </summary>
    public static IEnumerable<Finding> RootCauses(IReadOnlyList<Finding> findings)
    {
        var present = findings.Select(f => (f.Code, f.Object)).ToHashSet();
        return findings.Where(f => !f.Related.Any(r => r.Relation == "caused-by" && present.Contains((r.Code, r.Object))));
    }
}
