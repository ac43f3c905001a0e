using System.Globalization;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;

namespace KubeMedic.Core.Analysis;

/// <summary>
/// Workload causes: stuck rollouts (pointing at why the new ReplicaSet's pods are not Ready), unavailable replicas,
/// risky rollout strategies, single points of failure, failed Jobs (not those that succeeded after retries) and
/// failing CronJobs.
/// </summary>
public sealed class WorkloadAnalyzer : IAnalyzer
{
    private static readonly TimeSpan RolloutGrace = TimeSpan.FromMinutes(5);

    public string Family => "workloads";

    public IEnumerable<Finding> Analyze(AnalysisContext context)
    {
        var findings = new List<Finding>();
        foreach (var dep in context.Model.Deployments)
        {
            AnalyzeDeployment(context, dep, findings);
        }

        foreach (var sts in context.Model.StatefulSets)
        {
            if (sts.Replicas is { } desired && sts.ReadyReplicas < desired)
            {
                findings.Add(Unavailable(context, sts, sts.ReadyReplicas, desired, $"StatefulSet {sts.Namespace}/{sts.Name} has {desired} replicas but {sts.ReadyReplicas} are ready"));
            }

            if (SinglePoint(context, sts, sts.DesiredReplicas) is { } spof)
            {
                findings.Add(spof);
            }
        }

        foreach (var ds in context.Model.DaemonSets)
        {
            if (ds.DesiredNumberScheduled > 0 && (ds.NumberReady < ds.DesiredNumberScheduled || ds.NumberUnavailable > 0))
            {
                findings.Add(Unavailable(context, ds, ds.NumberReady, ds.DesiredNumberScheduled,
                    $"DaemonSet {ds.Namespace}/{ds.Name} has {ds.NumberReady} ready replicas out of {ds.DesiredNumberScheduled} scheduled", Severity.Medium));
            }
        }

        foreach (var rs in context.Model.ReplicaSets)
        {
            if (rs.FindCondition("ReplicaFailure") is { Status: "True" } failure)
            {
                var obj = rs.ControllerOwner is { Kind: "Deployment" } o ? new ObjectRef("Deployment", rs.Namespace, o.Name) : rs.Ref;
                findings.Add(new Finding
                {
                    Code = FindingCodes.ReplicasUnavailable,
                    Severity = Severity.High,
                    Object = obj,
                    SubReason = "failed-create",
                    Summary = $"ReplicaSet {rs.Name} cannot create pods: {Quote.Trim(failure.Message, 120)}",
                    Cause = $"The ReplicaSet controller is refused when creating pods ({failure.Reason}): {Quote.Trim(failure.Message, 240)} — typically a ResourceQuota, LimitRange, admission webhook or missing ServiceAccount.",
                    Evidence = [new(EvidenceSource.Status, $"ReplicaSet {rs.Name} ReplicaFailure=True reason={failure.Reason}: {Quote.Trim(failure.Message)}"),
                        .. context.Model.EventsFor(rs).Where(e => e.Reason == "FailedCreate").Take(2).Select(Quote.Event)],
                    Fix = new Fix("Fix what the message names (raise the quota, fix the webhook or ServiceAccount).", [$"kubectl describe rs {rs.Name} -n {rs.Namespace}", $"kubectl describe quota -n {rs.Namespace}"]),
                    Docs = FindingCatalog.DocsFor(FindingCodes.ReplicasUnavailable),
                });
            }
            else if (rs.ControllerOwner is null && rs.Replicas is { } desired && rs.ReadyReplicas < desired)
            {
                findings.Add(Unavailable(context, rs, rs.ReadyReplicas, desired, $"ReplicaSet {rs.Namespace}/{rs.Name}: {rs.ReadyReplicas} of {desired} ready"));
            }
        }

        foreach (var job in context.Model.Jobs)
        {
            if (JobFailed(context, job) is { } f)
            {
                findings.Add(f);
            }
        }

        foreach (var cron in context.Model.CronJobs)
        {
            if (CronJobFailing(context, cron) is { } f)
            {
                findings.Add(f);
            }
        }

        return findings;
    }

    private static void AnalyzeDeployment(AnalysisContext ctx, DeploymentInfo dep, List<Finding> findings)
    {
        var desired = dep.DesiredReplicas;
        var replicaSets = ctx.Model.ReplicaSetsOf(dep);
        var newRs = replicaSets.FirstOrDefault();
        var progressing = dep.FindCondition("Progressing");
        var deadlineExceeded = progressing is { Status: "False", Reason: "ProgressDeadlineExceeded" };
        var stuck = false;

        if (!dep.Paused && desired > 0 && (deadlineExceeded || RolloutInProgress(dep, replicaSets)))
        {
            var newPods = newRs is null ? [] : ctx.Model.PodsOwnedBy("ReplicaSet", dep.Namespace ?? "", newRs.Name);
            var notReady = newPods.Where(p => !p.IsReady && p.Phase != "Succeeded").ToList();
            var age = newRs?.CreationTimestamp is { } created ? ctx.Now - created : TimeSpan.MaxValue;
            if (deadlineExceeded || (notReady.Count > 0 && notReady.Count == newPods.Count && age >= RolloutGrace))
            {
                stuck = true;
                findings.Add(RolloutStuck(ctx, dep, newRs, notReady, progressing, deadlineExceeded));
            }
        }

        if (!stuck && dep.Replicas is { } replicas && replicas > 0 && dep.AvailableReplicas < replicas)
        {
            findings.Add(Unavailable(ctx, dep, dep.AvailableReplicas, replicas,
                dep.StatusReplicas > replicas
                    ? $"Deployment {dep.Namespace}/{dep.Name} has {replicas} replicas in spec but {dep.StatusReplicas} replicas in status because status field is not updated yet after scaling and {dep.ReadyReplicas} replicas are available with status running"
                    : $"Deployment {dep.Namespace}/{dep.Name} has {replicas} replicas but {dep.ReadyReplicas} are available with status running"));
        }

        if (RiskyRollout(ctx, dep) is { } risky)
        {
            findings.Add(risky);
        }

        if (SinglePoint(ctx, dep, desired) is { } spof)
        {
            findings.Add(spof);
        }
    }

    private static bool RolloutInProgress(DeploymentInfo dep, IReadOnlyList<ReplicaSetInfo> replicaSets) =>
        dep.UpdatedReplicas < dep.DesiredReplicas
        || dep.AvailableReplicas < dep.DesiredReplicas && replicaSets.Count(r => r.StatusReplicas > 0 || (r.Replicas ?? 0) > 0) > 1
        || (dep.AvailableReplicas < dep.DesiredReplicas && replicaSets.Count > 1 && replicaSets[0].AvailableReplicas < (replicaSets[0].Replicas ?? 0));

    private static Finding RolloutStuck(AnalysisContext ctx, DeploymentInfo dep, ReplicaSetInfo? newRs, List<PodInfo> notReady, Condition? progressing, bool deadlineExceeded)
    {
        var issues = new List<PodIssue>();
        foreach (var pod in notReady)
        {
            PodAnalyzer.AnalyzePod(ctx, pod, issues);
        }

        var main = issues.GroupBy(i => i.Code).OrderByDescending(g => g.Count()).FirstOrDefault()?.First();
        var revision = newRs?.Revision;
        var evidence = new List<Evidence>
        {
            new(EvidenceSource.Status, $"deployment {dep.Name}: {dep.AvailableReplicas}/{dep.DesiredReplicas} available, {dep.UpdatedReplicas} up-to-date, {dep.ReadyReplicas} ready"),
        };
        if (progressing is not null)
        {
            evidence.Add(new Evidence(EvidenceSource.Status, $"Deployment {dep.Namespace}/{dep.Name} has condition Progressing={progressing.Status}, reason {progressing.Reason}: {progressing.Message}"));
        }

        if (newRs is not null)
        {
            evidence.Add(new Evidence(EvidenceSource.History, $"new ReplicaSet {newRs.Name} (revision {revision?.ToString(CultureInfo.InvariantCulture) ?? "?"}) created {Quote.Time(newRs.CreationTimestamp)}: {newRs.ReadyReplicas}/{newRs.Replicas ?? 0} ready, images {string.Join(", ", newRs.Images)}"));
        }

        if (main is not null)
        {
            evidence.AddRange(main.Evidence.Take(3));
        }

        var previous = ctx.Model.ReplicaSetsOf(dep).Skip(1).FirstOrDefault();
        var why = main is null
            ? $"the new ReplicaSet's {notReady.Count} pod(s) never become Ready"
            : $"the new ReplicaSet's pods are not Ready: {main.Summary}";
        var target = AnalysisContext.Target(dep.Ref);
        return new Finding
        {
            Code = FindingCodes.RolloutStuck,
            Severity = ctx.EscalateForOutage(dep.Ref, Severity.High),
            Object = dep.Ref,
            Pods = notReady.Select(p => p.Name).ToList(),
            SubReason = deadlineExceeded ? "progress-deadline-exceeded" : main?.Code ?? "pods-not-ready",
            Summary = $"rollout of revision {revision?.ToString(CultureInfo.InvariantCulture) ?? "?"} stuck: {dep.AvailableReplicas}/{dep.DesiredReplicas} available" + (main is null ? "" : $"; {main.Code}"),
            Cause = $"Rollout of {dep.Name} to revision {revision?.ToString(CultureInfo.InvariantCulture) ?? "?"} ({newRs?.Name ?? "new ReplicaSet"}) cannot finish because {why}." + (main is not null ? " " + main.Cause : ""),
            Evidence = evidence,
            Fix = new Fix(previous is not null ? $"Roll back to revision {previous.Revision} now, then fix the new version before re-deploying." : "Fix the new pods' failure, then re-deploy.",
                [.. previous is not null ? new[] { $"kubectl rollout undo {target} --to-revision={previous.Revision}" } : [], $"kubectl rollout status {target}", $"kubectl rollout history {target}"]),
            Related = main is null ? [] : [new RelatedFinding(main.Code, dep.Ref, "caused-by")],
            Docs = FindingCatalog.DocsFor(FindingCodes.RolloutStuck),
        };
    }

    private static Finding Unavailable(AnalysisContext ctx, WorkloadObject w, int available, int desired, string text, Severity? baseSeverity = null) => new()
    {
        Code = FindingCodes.ReplicasUnavailable,
        Severity = available == 0 ? Severity.Critical : baseSeverity ?? Severity.High,
        Object = w.Ref,
        Pods = w.Kind is "Deployment" or "StatefulSet" or "DaemonSet" ? PodsOf(ctx, w).Where(p => !p.IsReady).Select(p => p.Name).Take(20).ToList() : [],
        SubReason = available == 0 ? "none-available" : "some-unavailable",
        Summary = $"{available}/{desired} replicas available ({100 - (100 * available / Math.Max(desired, 1))}% capacity lost)",
        Cause = $"{w.Kind} {w.Name} runs {available} of {desired} desired replicas; see the related pod findings for why the others are not available.",
        Evidence = [new(EvidenceSource.Status, text)],
        Fix = new Fix("Fix the cause in the related pod finding; scaling up does not help while pods fail.", [$"kubectl describe {w.Kind.ToLowerInvariant()} {w.Name} -n {w.Namespace}", $"kubectl get pods -n {w.Namespace} -l {w.Selector}"]),
        Docs = FindingCatalog.DocsFor(FindingCodes.ReplicasUnavailable),
    };

    private static IEnumerable<PodInfo> PodsOf(AnalysisContext ctx, WorkloadObject w) => w switch
    {
        DeploymentInfo d => ctx.Model.ReplicaSetsOf(d).SelectMany(rs => ctx.Model.PodsOwnedBy("ReplicaSet", d.Namespace ?? "", rs.Name)),
        _ => ctx.Model.PodsOwnedBy(w.Kind, w.Namespace ?? "", w.Name),
    };

    private static Finding? RiskyRollout(AnalysisContext ctx, DeploymentInfo dep)
    {
        var desired = dep.DesiredReplicas;
        var evidence = new List<Evidence>();
        string? sub = null;
        var severity = Severity.Low;
        var maxUnavailable = dep.Strategy.MaxUnavailable;
        if (dep.Strategy.Type == "RollingUpdate" && maxUnavailable is not null && desired > 1
            && (maxUnavailable == "100%" || (int.TryParse(maxUnavailable, out var n) && n >= desired)
                || (maxUnavailable.EndsWith('%') && int.TryParse(maxUnavailable[..^1], out var pct) && pct >= 100)))
        {
            sub = "max-unavailable-100";
            severity = dep.AvailableReplicas == 0 ? Severity.High : Severity.Medium;
            evidence.Add(new Evidence(EvidenceSource.Spec, $"strategy RollingUpdate maxUnavailable={maxUnavailable} maxSurge={dep.Strategy.MaxSurge} with {desired} replicas"));
        }

        var noProbe = dep.Template.Spec.Containers.Where(c => c.Readiness is null).Select(c => c.Name).ToList();
        if (noProbe.Count > 0 && dep.Template.Spec.Containers.Count > 0)
        {
            sub ??= "no-readiness-probe";
            evidence.Add(new Evidence(EvidenceSource.Spec, $"container(s) {string.Join(", ", noProbe)} have no readinessProbe: pods count as Ready before they serve"));
        }

        if (sub is null)
        {
            return null;
        }

        var target = AnalysisContext.Target(dep.Ref);
        var port = dep.Template.Spec.Containers.FirstOrDefault(c => c.Name == noProbe.FirstOrDefault())?.Ports.FirstOrDefault()?.Port;
        return new Finding
        {
            Code = FindingCodes.RiskyRollout,
            Severity = severity,
            Object = dep.Ref,
            SubReason = sub,
            Summary = sub == "max-unavailable-100" ? $"maxUnavailable {maxUnavailable}: a rollout may stop every replica at once" : $"no readiness probe on {string.Join(", ", noProbe)}",
            Cause = sub == "max-unavailable-100"
                ? $"With maxUnavailable={maxUnavailable} the controller may terminate all {desired} old pods before any new pod is Ready: a bad version means a full outage."
                : "Without a readiness probe a pod receives traffic as soon as its process starts, so a broken version is rolled out everywhere.",
            Evidence = evidence,
            Fix = sub == "max-unavailable-100"
                ? new Fix("Use maxUnavailable 25% (or 0) with maxSurge 25% so old pods serve until new ones are Ready.",
                    [$"kubectl patch {target} --type merge -p '{{\"spec\":{{\"strategy\":{{\"rollingUpdate\":{{\"maxUnavailable\":\"25%\",\"maxSurge\":\"25%\"}}}}}}}}'"], Patches.SafeRollingUpdate())
                : new Fix("Add a readiness probe on the serving port/health endpoint.", [$"kubectl edit {target}"],
                    port is { } p ? Patches.ReadinessProbe(noProbe[0], null, p.ToString(CultureInfo.InvariantCulture)) : null),
            Docs = FindingCatalog.DocsFor(FindingCodes.RiskyRollout),
        };
    }

    private static Finding? SinglePoint(AnalysisContext ctx, WorkloadObject w, int desired)
    {
        var pinned = AnalysisContext.PinnedNode(w.Template.Spec) ?? w.Template.Spec.NodeName;
        if (pinned is null && desired != 1)
        {
            return null;
        }

        var target = AnalysisContext.Target(w.Ref);
        if (pinned is not null)
        {
            var down = ctx.IsNodeNotReady(pinned);
            var pin = AnalysisContext.PinDescription(w.Template.Spec, includeNodeName: true) ?? $"node {pinned}";
            return new Finding
            {
                Code = FindingCodes.SinglePointOfFailure,
                Severity = down ? Severity.High : Severity.Medium,
                Object = w.Ref,
                SubReason = "pinned-to-node",
                Summary = $"pinned to node {pinned} by {pin}" + (down ? $"; {pinned} is NotReady" : ""),
                Cause = $"Every replica of {w.Name} must run on {pinned} ({pin}); when that node fails nothing can take over." + (down ? $" {pinned} is NotReady now." : ""),
                Evidence = [new(EvidenceSource.Spec, $"{w.Kind.ToLowerInvariant()} {w.Name} pod template {pin}")],
                Fix = new Fix("Remove the hostname pin; use a topology spread or a label shared by several nodes (and storage that can follow the pod).",
                    [$"kubectl patch {target} --type merge -p '{{\"spec\":{{\"template\":{{\"spec\":{{\"nodeSelector\":null}}}}}}}}'"],
                    w.Template.Spec.NodeSelector.ContainsKey("kubernetes.io/hostname") ? Patches.RemoveNodeSelector("kubernetes.io/hostname") : null),
                Related = down ? [new RelatedFinding(FindingCodes.NodeNotReady, new ObjectRef("Node", null, pinned), "caused-by")] : [],
                Docs = FindingCatalog.DocsFor(FindingCodes.SinglePointOfFailure),
            };
        }

        return new Finding
        {
            Code = FindingCodes.SinglePointOfFailure,
            Severity = Severity.Low,
            Object = w.Ref,
            SubReason = "one-replica",
            Summary = "runs a single replica",
            Cause = $"{w.Kind} {w.Name} has one replica: a node failure, eviction or rollout takes it down.",
            Evidence = [new(EvidenceSource.Spec, $"{w.Kind.ToLowerInvariant()} {w.Name} spec.replicas: 1")],
            Fix = new Fix("Run at least 2 replicas (with a PodDisruptionBudget) if the service must stay up.", [$"kubectl scale {target} --replicas=2"], Patches.Replicas(2)),
            Docs = FindingCatalog.DocsFor(FindingCodes.SinglePointOfFailure),
        };
    }

    private static Finding? JobFailed(AnalysisContext ctx, JobInfo job)
    {
        if (job.IsComplete || job.Failed == 0 || !(job.IsFailed || job.Active == 0))
        {
            return null;
        }

        var failed = job.FindCondition("Failed");
        var events = ctx.Model.EventsFor(job);
        var backoff = events.FirstOrDefault(e => e.Reason == "BackoffLimitExceeded");
        var pods = ctx.Model.PodsOwnedBy("Job", job.Namespace ?? "", job.Name);
        var lastExit = pods.SelectMany(p => p.ContainerStatuses).Select(c => c.State is { IsTerminated: true } s ? s : c.LastState).FirstOrDefault(s => s is { IsTerminated: true, ExitCode: not 0 });
        var evidence = new List<Evidence> { new(EvidenceSource.Status, $"job {job.Name}: failed={job.Failed} succeeded={job.Succeeded} active={job.Active} backoffLimit={job.BackoffLimit?.ToString(CultureInfo.InvariantCulture) ?? "6"}") };
        if (failed is not null)
        {
            evidence.Add(new Evidence(EvidenceSource.Status, $"Job condition Failed=True reason={failed.Reason}: {Quote.Trim(failed.Message ?? "")}"));
        }

        if (backoff is not null)
        {
            evidence.Add(Quote.Event(backoff));
        }

        if (lastExit is not null)
        {
            evidence.Add(new Evidence(EvidenceSource.Status, $"a job pod terminated: reason={lastExit.Reason} exitCode={lastExit.ExitCode}"));
        }

        var owner = job.ControllerOwner is { Kind: "CronJob" } c ? new ObjectRef("CronJob", job.Namespace, c.Name) : null;
        return new Finding
        {
            Code = FindingCodes.JobFailed,
            Severity = Severity.Medium,
            Object = job.Ref,
            Owner = owner,
            Pods = pods.Select(p => p.Name).ToList(),
            SubReason = failed?.Reason?.ToLowerInvariant() switch
            {
                "backofflimitexceeded" => "backoff-limit-exceeded",
                "deadlineexceeded" => "deadline-exceeded",
                { } r => r,
                null => "failed",
            },
            Summary = backoff?.Message ?? $"Job {job.Name} has failed ({job.Failed} failed pod(s))",
            Cause = $"Job {job.Name} gave up after {job.Failed} failed attempt(s)" + (lastExit is not null ? $"; its pods exit with code {lastExit.ExitCode} ({lastExit.Reason})." : "."),
            Evidence = evidence,
            Fix = new Fix("Read a failed pod's log, fix the cause, then re-run the job.", [$"kubectl logs job/{job.Name} -n {job.Namespace}", $"kubectl describe job {job.Name} -n {job.Namespace}"]),
            Docs = FindingCatalog.DocsFor(FindingCodes.JobFailed),
        };
    }

    private static Finding? CronJobFailing(AnalysisContext ctx, CronJobInfo cron)
    {
        var fields = cron.Schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var invalid = cron.Schedule.Length == 0 || (!cron.Schedule.StartsWith('@') && fields.Length != 5 && !(fields.Length == 6 && fields[0].StartsWith("CRON_TZ", StringComparison.Ordinal)));
        var lastJob = ctx.Model.Jobs.Where(j => j.Namespace == cron.Namespace && j.ControllerOwner is { Kind: "CronJob" } o && o.Name == cron.Name)
            .OrderByDescending(j => j.CreationTimestamp).FirstOrDefault();
        if (!invalid && (cron.Suspend || lastJob is null || lastJob.IsComplete || !(lastJob.IsFailed || (lastJob.Failed > 0 && lastJob.Active == 0))))
        {
            return null;
        }

        var evidence = new List<Evidence> { new(EvidenceSource.Spec, $"cronjob {cron.Name} schedule \"{cron.Schedule}\" lastScheduleTime={Quote.Time(cron.LastScheduleTime)} lastSuccessfulTime={Quote.Time(cron.LastSuccessfulTime)}") };
        if (lastJob is not null && !invalid)
        {
            evidence.Add(new Evidence(EvidenceSource.Status, $"latest job {lastJob.Name}: failed={lastJob.Failed} succeeded={lastJob.Succeeded}"));
        }

        return new Finding
        {
            Code = FindingCodes.CronJobFailing,
            Severity = Severity.Medium,
            Object = cron.Ref,
            SubReason = invalid ? "invalid-schedule" : "last-job-failed",
            Summary = invalid ? $"CronJob {cron.Name} has an invalid schedule: {cron.Schedule}" : $"the latest run {lastJob!.Name} failed",
            Cause = invalid ? "The schedule is not a 5-field cron expression, so no job is ever created." : $"The most recent job {lastJob!.Name} failed; see its job-failed finding.",
            Evidence = evidence,
            Fix = new Fix(invalid ? "Fix spec.schedule (5 fields: minute hour day month weekday)." : "Fix the failing job; trigger a manual run to verify.",
                [$"kubectl create job --from=cronjob/{cron.Name} {cron.Name}-manual -n {cron.Namespace}", $"kubectl describe cronjob {cron.Name} -n {cron.Namespace}"]),
            Related = lastJob is not null && !invalid ? [new RelatedFinding(FindingCodes.JobFailed, lastJob.Ref, "caused-by")] : [],
            Docs = FindingCatalog.DocsFor(FindingCodes.CronJobFailing),
        };
    }
}
