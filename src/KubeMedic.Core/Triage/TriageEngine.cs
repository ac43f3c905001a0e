using System.Globalization;
using KubeMedic.Core.Analysis;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;

namespace KubeMedic.Core.Triage;

/// <summary>
/// Builds a <see cref="TriageReport"/> from a model and its diagnosis: impact per workload, SEV level from the rubric,
/// a merged timeline (events, restarts, deploys, node transitions, scheduling failures), the deploy/failure correlation,
/// the leading hypothesis and a paste-ready status message. Pure: no I/O, no wall clock (the snapshot's time is used).
/// </summary>
public static class TriageEngine
{
    /// <summary>How far back the timeline reaches from the snapshot time.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(12);

    private const int MaxTimeline = 60;

    public static TriageReport Triage(ClusterModel model, DiagnosisResult diagnosis, SeverityRubric? rubric = null)
    {
        rubric ??= SeverityRubric.Default;
        var now = diagnosis.AnalyzedAt;
        var impact = Impact(model, diagnosis);
        var notReady = model.Nodes.Count(n => !n.IsReady);
        var facts = new ImpactFacts(
            impact.Count(i => i.UserFacing && i.Available == 0),
            impact.Where(i => i.UserFacing).Select(i => i.CapacityLostPercent).DefaultIfEmpty(0).Max(),
            impact.Select(i => i.CapacityLostPercent).DefaultIfEmpty(0).Max(),
            impact.Count(i => i.Available == 0),
            notReady,
            model.Nodes.Count,
            diagnosis.WorstSeverity);
        var (level, reason, meaning) = rubric.Classify(facts);
        var timeline = Timeline(model, diagnosis, now);
        var roots = CausalLinker.RootCauses(diagnosis.Findings)
            .Where(f => f.Code is not (FindingCodes.SinglePointOfFailure or FindingCodes.RiskyRollout or FindingCodes.NodeOvercommitted or FindingCodes.NodeUnschedulable)
                        || diagnosis.Findings.All(o => o.Code is FindingCodes.SinglePointOfFailure or FindingCodes.RiskyRollout or FindingCodes.NodeOvercommitted or FindingCodes.NodeUnschedulable))
            .OrderByDescending(f => f.Severity)
            .ThenByDescending(f => impact.FirstOrDefault(i => i.Object == f.Object)?.UserFacing == true)
            .ThenByDescending(f => impact.FirstOrDefault(i => i.Object == f.Object)?.CapacityLostPercent ?? 0)
            .ToList();
        var leading = roots.FirstOrDefault();
        var (correlation, leadStarted) = Correlate(model, timeline, leading);
        var started = timeline.Where(e => e.Kind is "oom" or "restart" or "scheduling" || (e.Kind == "node" && e.Text.Contains("became NotReady", StringComparison.Ordinal))
                || (e.Kind == "event" && e.Text.StartsWith("Warning", StringComparison.Ordinal)))
            .Select(e => (DateTimeOffset?)e.Time).FirstOrDefault() ?? leadStarted;
        var checks = Checks(model, diagnosis, timeline, correlation);
        var hypothesis = leading is null ? null : new Hypothesis(leading.Code, leading.Object, leading.Cause, leading.Fix?.Description,
            leading.Evidence.Take(4).Select(e => $"[{e.Source}] {e.Text}").ToList());
        return new TriageReport
        {
            Severity = level,
            SeverityReason = reason,
            SeverityMeaning = meaning,
            Impact = impact,
            Timeline = timeline,
            Correlation = correlation,
            LeadingHypothesis = hypothesis,
            OtherRootCauses = roots.Skip(1).Where(f => f.Severity >= Severity.Medium).Select(f => $"{f.Code} on {f.Object}: {f.Summary}").Take(10).ToList(),
            Checks = checks,
            Status = Status(level, impact, leading, correlation, started, diagnosis),
            AsOf = now,
            StartedAt = started,
        };
    }

    /// <summary>Workloads with fewer available replicas than desired, with Services/Ingresses that route to them.</summary>
    public static IReadOnlyList<ImpactedWorkload> Impact(ClusterModel model, DiagnosisResult diagnosis)
    {
        var result = new List<ImpactedWorkload>();
        var candidates = new List<(WorkloadObject W, int Desired, int Available)>();
        candidates.AddRange(model.Deployments.Where(d => d.DesiredReplicas > 0).Select(d => ((WorkloadObject)d, d.DesiredReplicas, d.AvailableReplicas)));
        candidates.AddRange(model.StatefulSets.Where(s => s.DesiredReplicas > 0).Select(s => ((WorkloadObject)s, s.DesiredReplicas, s.ReadyReplicas)));
        candidates.AddRange(model.DaemonSets.Where(d => d.DesiredNumberScheduled > 0).Select(d => ((WorkloadObject)d, d.DesiredNumberScheduled, d.NumberAvailable)));
        foreach (var (w, desired, available) in candidates)
        {
            if (available >= desired)
            {
                continue;
            }

            var services = model.Services.Where(s => s.Namespace == w.Namespace && s.Selects(w.Template.Labels)).ToList();
            var ingresses = model.Ingresses.Where(i => i.Namespace == w.Namespace && i.BackendServices.Any(b => services.Any(s => s.Name == b)))
                .Select(i => i.Hosts.Count > 0 ? $"{i.Name} ({string.Join(", ", i.Hosts)})" : i.Name).ToList();
            var external = ingresses.Count > 0 || services.Any(s => s.Type is "LoadBalancer" or "NodePort");
            var codes = diagnosis.Findings.Where(f => f.Object == w.Ref).Select(f => f.Code).Distinct().ToList();
            result.Add(new ImpactedWorkload(w.Ref, desired, Math.Max(0, available), Math.Round(100.0 * (desired - Math.Max(0, available)) / desired, 1),
                services.Count > 0 || ingresses.Count > 0, external, services.Select(s => s.Name).ToList(), ingresses, codes));
        }

        return result.OrderByDescending(i => i.UserFacing).ThenByDescending(i => i.CapacityLostPercent).ThenBy(i => i.Object.ToString(), StringComparer.Ordinal).ToList();
    }

    /// <summary>The merged timeline within <see cref="Window"/> before the snapshot time.</summary>
    public static IReadOnlyList<TimelineEntry> Timeline(ClusterModel model, DiagnosisResult diagnosis, DateTimeOffset now)
    {
        var from = now - Window;
        var entries = new List<TimelineEntry>();
        var involved = diagnosis.Findings.Select(f => f.Object).ToHashSet();
        var involvedPods = diagnosis.Findings.SelectMany(f => f.Pods.Select(p => (f.Object.Namespace, Name: p.Contains('/') ? p[(p.IndexOf('/') + 1)..] : p))).ToHashSet();

        foreach (var rs in model.ReplicaSets)
        {
            if (rs.CreationTimestamp is { } t && t >= from && rs.ControllerOwner is { Kind: "Deployment" } dep)
            {
                var depRef = new ObjectRef("Deployment", rs.Namespace, dep.Name);
                entries.Add(new TimelineEntry(t, "deploy", depRef,
                    $"deploy: revision {rs.Revision?.ToString(CultureInfo.InvariantCulture) ?? "?"} of deployment {dep.Name} (ReplicaSet {rs.Name}, image {string.Join(", ", rs.Images)})"));
            }
        }

        foreach (var node in model.Nodes)
        {
            if (node.FindCondition("Ready") is { IsTrue: false, LastTransitionTime: { } t } ready && t >= from)
            {
                entries.Add(new TimelineEntry(t, "node", node.Ref, $"node {node.Name} became NotReady ({ready.Status}, {ready.Reason})"));
            }

            if (node.LastHeartbeat is { } hb && !node.IsReady && hb >= from)
            {
                entries.Add(new TimelineEntry(hb, "node", node.Ref, $"node {node.Name}: last kubelet heartbeat"));
            }
        }

        foreach (var pod in model.Pods)
        {
            if (!involvedPods.Contains((pod.Namespace, pod.Name)))
            {
                continue;
            }

            foreach (var cs in pod.ContainerStatuses)
            {
                foreach (var state in new[] { cs.LastState, cs.State })
                {
                    if (state is { IsTerminated: true, FinishedAt: { } fin } && fin >= from && (state.ExitCode ?? 0) != 0)
                    {
                        var oom = state.Reason == "OOMKilled";
                        entries.Add(new TimelineEntry(fin, oom ? "oom" : "restart", pod.Ref,
                            $"{(oom ? "OOMKilled" : "container exited")}: {pod.Name}/{cs.Name} exit {state.ExitCode} ({state.Reason ?? "-"}), restarts {cs.RestartCount}"));
                    }
                }
            }

            if (pod.FindCondition("PodScheduled") is { Status: "False", Reason: "Unschedulable", LastTransitionTime: { } st } && st >= from)
            {
                entries.Add(new TimelineEntry(st, "scheduling", pod.Ref, $"pod {pod.Name} unschedulable"));
            }
        }

        foreach (var ev in model.Events)
        {
            var first = ev.FirstTimestamp ?? ev.When;
            if (first is not { } t || t < from)
            {
                continue;
            }

            var relevant = ev.IsWarning || ev.Reason is "ScalingReplicaSet" or "NodeNotReady" or "Killing" or "Evicted";
            var aboutInvolved = involved.Contains(ev.InvolvedObject) || involvedPods.Contains((ev.InvolvedObject.Namespace, ev.InvolvedObject.Name)) || ev.InvolvedObject.Kind == "Node";
            if (!relevant || !aboutInvolved)
            {
                continue;
            }

            var kind = ev.Reason == "FailedScheduling" ? "scheduling" : ev.InvolvedObject.Kind == "Node" ? "node" : "event";
            entries.Add(new TimelineEntry(t, kind, ev.InvolvedObject,
                $"{ev.Type} {ev.Reason} {ev.InvolvedObject.Kind}/{ev.InvolvedObject.Name}{(ev.Count > 1 ? $" (x{ev.Count} until {Quote.Time(ev.LastTimestamp)})" : "")}: {Quote.Trim(ev.Message, 160)}"));
        }

        var ordered = entries.OrderBy(e => e.Time).ThenBy(e => e.Kind == "deploy" ? 0 : 1).ToList();
        if (ordered.Count > MaxTimeline)
        {
            // keep every deploy and node transition, then the earliest other entries
            var must = ordered.Where(e => e.Kind is "deploy" or "node").ToList();
            ordered = must.Concat(ordered.Where(e => e.Kind is not ("deploy" or "node")).Take(Math.Max(0, MaxTimeline - must.Count))).OrderBy(e => e.Time).ToList();
        }

        return ordered;
    }

    private static (string? Correlation, DateTimeOffset? Started) Correlate(ClusterModel model, IReadOnlyList<TimelineEntry> timeline, Finding? leading)
    {
        var failures = timeline.Where(e => e.Kind is "oom" or "restart" or "scheduling" || (e.Kind == "event" && e.Text.StartsWith("Warning", StringComparison.Ordinal))).ToList();
        if (leading is not null)
        {
            var mine = failures.Where(e => BelongsTo(model, e.Object, leading.Object)).ToList();
            if (mine.Count > 0)
            {
                failures = mine;
            }
        }

        var first = failures.FirstOrDefault();
        var started = first?.Time ?? timeline.FirstOrDefault(e => e.Kind == "node")?.Time;
        if (first is null)
        {
            return (null, started);
        }

        var signal = first.Kind switch
        {
            "oom" => "first OOMKilled",
            "restart" => "first crash",
            "scheduling" => "first scheduling failure",
            _ when first.Text.Contains("pull", StringComparison.OrdinalIgnoreCase) => "first image pull failure",
            _ when first.Text.Contains(" Unhealthy ", StringComparison.Ordinal) => "first probe failure",
            _ when first.Text.Contains(" BackOff ", StringComparison.Ordinal) => "first restart back-off",
            _ => "first " + first.Text.Split(' ').Skip(1).FirstOrDefault() + " warning",
        };
        var target = leading?.Object;
        var deploy = timeline.Where(e => e.Kind == "deploy" && e.Time <= first.Time && (target is null || e.Object == target || target.Kind != "Deployment"))
            .LastOrDefault(e => first.Time - e.Time <= TimeSpan.FromHours(6));
        if (deploy is not null)
        {
            var minutes = (first.Time - deploy.Time).TotalMinutes;
            var rev = deploy.Text.Split(' ').SkipWhile(w => w != "revision").Skip(1).FirstOrDefault() ?? "?";
            return ($"{signal} {minutes:0} min after revision {rev} of deployment {deploy.Object.Name} ({Quote.Time(first.Time)} vs deploy {Quote.Time(deploy.Time)})", started);
        }

        var node = timeline.Where(e => e.Kind == "node" && e.Text.Contains("became NotReady", StringComparison.Ordinal) && e.Time <= first.Time).LastOrDefault();
        if (node is not null)
        {
            return ($"{signal} {(first.Time - node.Time).TotalMinutes:0} min after {node.Text} ({Quote.Time(first.Time)} vs {Quote.Time(node.Time)})", started);
        }

        return ($"{signal} at {Quote.Time(first.Time)}; no deploy or node change in the {Window.TotalHours:0} h before it", started);
    }

    private static bool BelongsTo(ClusterModel model, ObjectRef entry, ObjectRef workload)
    {
        if (entry == workload)
        {
            return true;
        }

        if (entry.Kind != "Pod" || entry.Namespace != workload.Namespace)
        {
            return false;
        }

        var pod = model.FindPod(entry.Namespace ?? "", entry.Name);
        if (pod?.ControllerOwner is not { } owner)
        {
            return false;
        }

        if (owner.Kind == workload.Kind && owner.Name == workload.Name)
        {
            return true;
        }

        return workload.Kind == "Deployment" && owner.Kind == "ReplicaSet"
            && (model.FindReplicaSet(entry.Namespace ?? "", owner.Name)?.ControllerOwner?.Name == workload.Name
                || owner.Name.StartsWith(workload.Name + "-", StringComparison.Ordinal));
    }

    private static List<HypothesisCheck> Checks(ClusterModel model, DiagnosisResult diagnosis, IReadOnlyList<TimelineEntry> timeline, string? correlation)
    {
        var checks = new List<HypothesisCheck>();
        bool Has(params string[] codes) => diagnosis.Findings.Any(f => codes.Contains(f.Code));
        string Objects(params string[] codes) => string.Join(", ", diagnosis.Findings.Where(f => codes.Contains(f.Code)).Select(f => $"{f.Object.Kind}/{f.Object.Name}").Distinct().Take(3));

        var deployed = correlation?.Contains("after revision", StringComparison.Ordinal) == true;
        checks.Add(new HypothesisCheck("a recent deploy introduced the failure", deployed ? HypothesisCheck.Confirmed : HypothesisCheck.RuledOut,
            deployed ? correlation! : timeline.Any(e => e.Kind == "deploy") ? "deploys happened, but not before the first failure of the leading cause" : $"no ReplicaSet created in the last {Window.TotalHours:0} h"));
        var notReady = model.Nodes.Where(n => !n.IsReady).Select(n => n.Name).ToList();
        checks.Add(new HypothesisCheck("a node failure", notReady.Count > 0 ? HypothesisCheck.Confirmed : HypothesisCheck.RuledOut,
            notReady.Count > 0 ? $"NotReady: {string.Join(", ", notReady.Take(5))}" : $"all {model.Nodes.Count} nodes Ready"));
        checks.Add(new HypothesisCheck("memory limit too low / memory leak (OOM)", Has(FindingCodes.OomKilled) ? HypothesisCheck.Confirmed : HypothesisCheck.RuledOut,
            Has(FindingCodes.OomKilled) ? $"OOMKilled containers in {Objects(FindingCodes.OomKilled)}" : "no container terminated with OOMKilled"));
        checks.Add(new HypothesisCheck("not enough cluster capacity", Has(FindingCodes.Unschedulable) && diagnosis.WithCode(FindingCodes.Unschedulable).Any(f => f.SubReason?.StartsWith("insufficient", StringComparison.Ordinal) == true || f.SubReason == "too-many-pods")
                ? HypothesisCheck.Confirmed : HypothesisCheck.RuledOut,
            Has(FindingCodes.Unschedulable) ? $"unschedulable: {string.Join(", ", diagnosis.WithCode(FindingCodes.Unschedulable).Select(f => $"{f.Object.Name} ({f.SubReason})"))}" : "no pod is Pending for lack of resources"));
        checks.Add(new HypothesisCheck("a bad image or tag", Has(FindingCodes.ImagePull) ? HypothesisCheck.Confirmed : HypothesisCheck.RuledOut,
            Has(FindingCodes.ImagePull) ? $"image pulls fail in {Objects(FindingCodes.ImagePull)}" : "every image was pulled"));
        checks.Add(new HypothesisCheck("missing configuration (ConfigMap/Secret)", Has(FindingCodes.ConfigMissing) ? HypothesisCheck.Confirmed : HypothesisCheck.RuledOut,
            Has(FindingCodes.ConfigMissing) ? $"missing config in {Objects(FindingCodes.ConfigMissing)}" : "no container waits on a missing ConfigMap or Secret"));
        checks.Add(new HypothesisCheck("failing health checks", Has(FindingCodes.ReadinessFailing, FindingCodes.LivenessRestarts) ? HypothesisCheck.Confirmed : HypothesisCheck.RuledOut,
            Has(FindingCodes.ReadinessFailing, FindingCodes.LivenessRestarts) ? $"probes fail in {Objects(FindingCodes.ReadinessFailing, FindingCodes.LivenessRestarts)}" : "no probe failures reported"));
        checks.Add(new HypothesisCheck("Service routing (selector/port)", diagnosis.Findings.Any(f => f.Code == FindingCodes.ServicePortMismatch || (f.Code == FindingCodes.ServiceNoEndpoints && f.SubReason == "selector-mismatch"))
                ? HypothesisCheck.Confirmed : HypothesisCheck.RuledOut,
            Has(FindingCodes.ServicePortMismatch, FindingCodes.ServiceNoEndpoints) ? $"see {Objects(FindingCodes.ServicePortMismatch, FindingCodes.ServiceNoEndpoints)}" : "every Service has ready endpoints"));
        return checks;
    }

    private static StatusMessage Status(string level, IReadOnlyList<ImpactedWorkload> impact, Finding? leading, string? correlation, DateTimeOffset? started, DiagnosisResult diagnosis)
    {
        var serious = diagnosis.Findings.Any(f => f.Severity >= Severity.Medium);
        string state;
        if (impact.Count == 0 && !serious)
        {
            state = diagnosis.Findings.Any(f => f.SubReason == "recovered") ? "Monitoring" : "Resolved";
        }
        else
        {
            state = leading is not null && leading.Severity >= Severity.Medium ? "Identified" : "Investigating";
        }

        var main = impact.FirstOrDefault();
        var title = main is null
            ? state == "Resolved" ? "No active impact" : "Degraded cluster health"
            : impact.Count == 1 ? $"{main.Object.Name} {(main.Available == 0 ? "down" : "degraded")} ({main.Object.Namespace})"
            : $"{impact.Count} workloads affected, {impact.Count(i => i.Available == 0)} down ({string.Join(", ", impact.Select(i => i.Object.Namespace).Distinct())})";
        var lines = new List<string> { $"[{level}] {state}: {title}" };
        if (impact.Count > 0)
        {
            lines.Add("Impact: " + string.Join("; ", impact.Take(4).Select(i =>
                $"{i.Object.Kind.ToLowerInvariant()}/{i.Object.Name} {i.Available}/{i.Desired} replicas available ({i.CapacityLostPercent:0}% capacity lost{(i.Ingresses.Count > 0 ? $", user-facing via {string.Join(", ", i.Ingresses)}" : i.UserFacing ? $", behind Service {string.Join(", ", i.Services)}" : ", internal")})"))
                + (impact.Count > 4 ? $"; and {impact.Count - 4} more" : "") + ".");
        }

        if (started is { } s)
        {
            lines.Add($"Since: {Quote.Time(s)}." + (correlation is null ? "" : $" Correlation: {correlation}."));
        }

        lines.Add(state switch
        {
            "Identified" => $"Cause: {Quote.Trim(leading!.Cause, 300)}",
            "Investigating" => "We are investigating the cause.",
            "Monitoring" => "A fix is in place; we are monitoring for recurrence.",
            _ => "No active impact remains.",
        });
        if (state == "Identified" && leading!.Fix is { } fix)
        {
            lines.Add($"Next: {fix.Description}");
        }

        if (state is "Identified" or "Investigating")
        {
            lines.Add("Next update in 30 minutes.");
        }

        return new StatusMessage(state, title, string.Join('\n', lines));
    }
}
