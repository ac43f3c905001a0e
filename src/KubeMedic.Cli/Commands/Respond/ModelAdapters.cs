using System.Globalization;
using System.Text.RegularExpressions;
using KubeMedic.Core.Analysis;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Incidents;
using KubeMedic.Core.Model;
using KubeMedic.Core.Triage;
using TimelineEntry = KubeMedic.Core.Incidents.TimelineEntry;
using KubeMedic.Kubernetes.Sources;

namespace KubeMedic.Cli.Commands;

/// <summary>Turns the diagnosis engine's model, findings and triage into what the incident record keeps.</summary>
internal static partial class ModelAdapters
{
    /// <summary>Loads the model from a source, diagnoses and triages it.</summary>
    public static async Task<(ClusterModel Model, RespondDiagnosis Diagnosis)> DiagnoseAsync(IClusterSource source, ClusterScope scope, TimeProvider time, CancellationToken ct)
    {
        var model = await source.LoadAsync(scope, ct);
        var result = DiagnosisEngine.Default.Diagnose(model, new DiagnoseOptions { Time = time });
        IncidentTriage? triage = null;
        string? leading = null;
        if (result.Findings.Count > 0)
        {
            var report = TriageEngine.Triage(model, result);
            triage = ToIncidentTriage(report, model, result.Findings);
            leading = report.LeadingHypothesis?.Statement;
        }

        return (model, new RespondDiagnosis(result.Findings, triage, leading));
    }

    /// <summary>The triage report as the record's triage; when no workload lost capacity, the restarts say what users feel.</summary>
    public static IncidentTriage ToIncidentTriage(TriageReport report, ClusterModel model, IReadOnlyList<Finding> findings)
    {
        var impacted = report.Impact;
        string impact;
        if (impacted.Count > 0)
        {
            impact = string.Join("; ", impacted.Select(w =>
                $"{w.Object.Name}: {w.Available} of {w.Desired} replicas available ({w.CapacityLostPercent.ToString("0", CultureInfo.InvariantCulture)}% of capacity lost)"
                + (w.Services.Count > 0 ? $", serving {string.Join(", ", w.Services)}" : "")));
        }
        else
        {
            var target = findings.Select(f => f.Owner ?? f.Object).FirstOrDefault();
            var pods = target is { Namespace: { } ns } ? model.PodsOwnedBy(target.Kind, ns, target.Name) : [];
            if (pods.Count == 0 && target is { Kind: "Deployment", Namespace: { } dns } && model.FindDeployment(dns, target.Name) is { } dep)
            {
                pods = [.. model.ReplicaSetsOf(dep).SelectMany(rs => model.PodsOwnedBy("ReplicaSet", dns, rs.Name))];
            }

            var restarts = pods.Sum(p => p.TotalRestarts);
            impact = target is null ? findings[0].Summary : $"{target.Name}: {pods.Count(p => p.IsReady)} of {pods.Count} pods ready now, {restarts} container restarts so far (each drops in-flight requests)";
        }

        // "Always assume the worst" (PagerDuty): a user-facing workload that keeps restarting drops requests at every restart even
        // when all its pods look ready at the moment of the look; such an incident is at least SEV2.
        var severity = report.Severity;
        var rationale = report.SeverityReason;
        foreach (var target in findings.Where(f => f.Severity >= Severity.Medium).Select(f => f.Owner ?? f.Object).Distinct())
        {
            if (target is not { Kind: "Deployment", Namespace: { } ns } || model.FindDeployment(ns, target.Name) is not { } dep)
            {
                continue;
            }

            var pods = model.ReplicaSetsOf(dep).SelectMany(rs => model.PodsOwnedBy("ReplicaSet", ns, rs.Name)).ToList();
            var restarts = pods.Sum(p => p.TotalRestarts);
            var services = model.Services.Where(svc => svc.Namespace == ns && svc.Selector.Count > 0 && svc.Selects(dep.Template.Labels)).ToList();
            if (restarts >= 3 && services.Count > 0 && string.CompareOrdinal(severity, "SEV2") > 0)
            {
                rationale = $"raised from {severity} ({report.SeverityReason}): user-facing {target.Name} (Service {services[0].Name}) restarted {restarts} times, each restart drops in-flight requests; assume the worst";
                severity = "SEV2";
            }
        }

        return new IncidentTriage
        {
            Severity = severity,
            Rationale = rationale,
            Impact = impact,
            AffectedServices = impacted.Count > 0
                ? [.. impacted.Select(w => $"{w.Object.Namespace}/{w.Object.Name}")]
                : [.. findings.Where(f => f.Severity >= Severity.Medium).Select(f => f.Owner ?? f.Object).Distinct().Take(3).Select(o => $"{o.Namespace}/{o.Name}")],
            UserFacing = impacted.Any(w => w.UserFacing) || severity != report.Severity,
            CapacityLostPercent = impacted.Count > 0 ? Math.Round(impacted.Max(w => w.CapacityLostPercent)) : 0,
            Correlation = findings.Count > 0 && TimelineFacts.Correlation(Timeline(model), KubeMedic.Cli.Commands.ResponseFlow.Primary(findings)) is { } mine ? mine : report.Correlation,
        };
    }

    /// <summary>The cluster timeline of a model: warning and rollout events, and the last container terminations in pod status.</summary>
    public static List<TimelineEntry> Timeline(ClusterModel model)
    {
        var entries = new List<TimelineEntry>();
        foreach (var e in model.Events)
        {
            if (!e.IsWarning && e.Reason is not ("ScalingReplicaSet" or "Killing" or "NodeNotReady" or "Evicted" or "DeploymentRollback"))
            {
                continue;
            }

            if ((e.FirstTimestamp ?? e.When) is not { } at)
            {
                continue;
            }

            var message = e.Message.ReplaceLineEndings(" ").Trim();
            if (e.Reason == "ScalingReplicaSet" && ScaledRs().Match(message) is { Success: true } m && e.InvolvedObject.Namespace is { } ns
                && model.FindReplicaSet(ns, m.Groups["rs"].Value) is { } rs)
            {
                var images = string.Join(", ", rs.Images);
                message += rs.Revision is { } rev ? $" (revision {rev}, image {images})" : $" (image {images})";
            }

            if (e.Count > 1)
            {
                message += $" (x{e.Count}" + (e.LastTimestamp is { } l ? $", last at {l.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)})" : ")");
            }

            entries.Add(new TimelineEntry { At = at, Source = TimelineSource.Cluster, Reason = e.Reason, Object = e.InvolvedObject, Text = $"{e.InvolvedObject.Kind}/{e.InvolvedObject.Name}: {e.Reason}: {message}" });
        }

        foreach (var pod in model.Pods)
        {
            foreach (var cs in pod.ContainerStatuses)
            {
                if (cs.LastState is { IsTerminated: true, FinishedAt: { } finished, Reason: { } reason } last && reason != "Completed")
                {
                    entries.Add(new TimelineEntry
                    {
                        At = finished,
                        Source = TimelineSource.Cluster,
                        Reason = reason,
                        Object = new ObjectRef("Pod", pod.Namespace, pod.Name),
                        Text = $"Pod/{pod.Name}: container {cs.Name} terminated: {reason} (exit {last.ExitCode}), restarts {cs.RestartCount} (last termination in pod status)",
                    });
                }
            }
        }

        return [.. entries.OrderBy(e => e.At)];
    }

    /// <summary>Facts for the postmortem's prevent items, for the Deployments the findings are about.</summary>
    public static List<WorkloadFacts> Workloads(ClusterModel model, IReadOnlyList<Finding> findings)
    {
        var targets = findings.Select(f => f.Owner ?? f.Object).Where(o => o.Kind == "Deployment").ToHashSet();
        return [.. model.Deployments.Where(d => targets.Contains(new ObjectRef("Deployment", d.Namespace, d.Name))).Select(d =>
        {
            var containers = d.Template.Spec.Containers;
            return new WorkloadFacts
            {
                Object = new ObjectRef("Deployment", d.Namespace, d.Name),
                Replicas = d.DesiredReplicas,
                HasReadinessProbe = containers.Count > 0 && containers.All(c => c.Readiness is not null),
                HasMemoryLimit = containers.Count > 0 && containers.All(c => c.MemoryLimitText is not null),
                MemoryLimit = containers.Select(c => c.MemoryLimitText).FirstOrDefault(t => t is not null),
                Image = string.Join(", ", d.Images),
                Revision = d.Revision is { } r ? (int)r : null,
            };
        })];
    }

    [GeneratedRegex(@"replica set (?<rs>[a-z0-9.\-]+)")]
    private static partial Regex ScaledRs();
}
