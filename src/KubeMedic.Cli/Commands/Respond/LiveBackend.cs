using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Incidents;
using KubeMedic.Core.Remedies;
using KubeMedic.Kubernetes.Repair;

namespace KubeMedic.Cli.Commands;

/// <summary>What one diagnosis of the live cluster produced (findings worst first, triage, the leading hypothesis).</summary>
internal sealed record RespondDiagnosis(IReadOnlyList<Finding> Findings, IncidentTriage? Triage, string? LeadingHypothesis);

internal sealed record LiveBackendOptions
{
    public string? AuditDirectory { get; init; }
    public VerifyOptions Verify { get; init; } = new();

    /// <summary>A Prometheus to query for the memory trend; null uses the metrics API samples.</summary>
    public Uri? PrometheusUrl { get; init; }

    /// <summary>Why Prometheus evidence is not available, when it is not (shown to the user).</summary>
    public string? PrometheusSkipped { get; init; }
    public string Actor { get; init; } = AuditLog.CurrentActor("respond");
}

/// <summary>
/// A live cluster through the official KubernetesClient (the simulator is one): diagnosis, the cluster timeline from events and
/// pod status, memory samples from the metrics API, and fixes through the audited repair executor (dry run, apply, verify).
/// </summary>
internal sealed class LiveBackend(IKubernetes client, string description, Func<CancellationToken, Task<RespondDiagnosis>> diagnose, TimeProvider time, LiveBackendOptions options)
    : IResponseBackend
{
    private readonly KubeObjectApi _api = new(client);
    private readonly AuditLog _audit = new(options.AuditDirectory, time);
    private readonly ConcurrentDictionary<(string Ns, string Pod), List<MetricPoint>> _samples = new();
    private readonly Dictionary<string, RepairRequest> _requests = [];

    public string Description => description;

    public bool CanRepair => true;

    public IKubernetes Client => client;

    public async Task<Observation> ObserveAsync(CancellationToken ct)
    {
        var diagnosis = await diagnose(ct);
        var namespaces = diagnosis.Findings.Select(f => f.Object.Namespace).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var events = (await client.CoreV1.ListEventForAllNamespacesAsync(cancellationToken: ct)).Items;
        var pods = (await client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct)).Items;
        var replicaSets = (await client.AppsV1.ListReplicaSetForAllNamespacesAsync(cancellationToken: ct)).Items;
        var deployments = (await client.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: ct)).Items;
        var timeline = ClusterTimeline.Build(events, pods, replicaSets, namespaces.Count > 0 ? namespaces : null);
        var targets = diagnosis.Findings.Select(f => f.Owner ?? f.Object).Where(o => o.Kind == "Deployment").ToHashSet();
        var workloads = deployments.Select(ClusterTimeline.Facts).Where(w => targets.Contains(w.Object)).ToList();

        var primary = diagnosis.Findings.Count > 0 ? ResponseFlow.Primary(diagnosis.Findings) : null;
        var target = primary?.Owner ?? primary?.Object;
        string? trigger = null;
        var triage = diagnosis.Triage;
        if (triage is null && diagnosis.Findings.Count > 0)
        {
            var services = (await client.CoreV1.ListServiceForAllNamespacesAsync(cancellationToken: ct)).Items;
            triage = TriageEstimate.From(diagnosis.Findings, deployments, services, pods);
        }
        if (target is not null)
        {
            var correlation = ClusterTimeline.Correlation(timeline, target);
            var deploy = timeline.Where(e => e.Reason == "ScalingReplicaSet" && e.Object == target && e.Text.Contains("revision", StringComparison.Ordinal)).OrderBy(e => e.At).LastOrDefault();
            if (deploy is not null && timeline.Any(e => e.At >= deploy.At && e.Reason is "OOMKilled" or "BackOff" or "Failed" or "Unhealthy"))
            {
                trigger = $"rollout of {target}: {deploy.Text[(deploy.Text.IndexOf(": ", StringComparison.Ordinal) + 2)..]}";
            }

            if (triage is not null && triage.Correlation is null && correlation is not null)
            {
                triage = triage with { Correlation = correlation };
            }
        }

        return new Observation
        {
            Findings = diagnosis.Findings,
            Triage = triage,
            ClusterTimeline = timeline,
            Workloads = workloads,
            Trigger = trigger,
            LeadingHypothesis = diagnosis.LeadingHypothesis,
            ObservedAt = time.GetUtcNow(),
        };
    }

    public async Task<IReadOnlyList<TimelineEntry>> ClusterTimelineAsync(IReadOnlyList<Finding> findings, CancellationToken ct)
    {
        var namespaces = findings.Select(f => f.Object.Namespace).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var events = (await client.CoreV1.ListEventForAllNamespacesAsync(cancellationToken: ct)).Items;
        var pods = (await client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct)).Items;
        var replicaSets = (await client.AppsV1.ListReplicaSetForAllNamespacesAsync(cancellationToken: ct)).Items;
        return ClusterTimeline.Build(events, pods, replicaSets, namespaces.Count > 0 ? namespaces : null);
    }

    /// <summary>Takes one metrics-API sample of every pod in the namespace (call it periodically while waiting).</summary>
    public async Task SampleAsync(string ns, CancellationToken ct)
    {
        try
        {
            var metrics = await client.GetKubernetesPodsMetricsByNamespaceAsync(ns);
            foreach (var pod in metrics.Items)
            {
                var bytes = pod.Containers.Sum(c => c.Usage.TryGetValue("memory", out var q) ? (double)q.ToDecimal() : 0);
                var at = pod.Timestamp is { } ts ? new DateTimeOffset(DateTime.SpecifyKind(ts, DateTimeKind.Utc)) : time.GetUtcNow();
                var list = _samples.GetOrAdd((ns, pod.Metadata.Name), _ => []);
                lock (list)
                {
                    if (list.Count == 0 || list[^1].At < at)
                    {
                        list.Add(new MetricPoint(at, bytes));
                    }
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or k8s.Autorest.HttpOperationException)
        {
            // The metrics API is optional: without it the trend is simply missing (and said so).
        }

        ct.ThrowIfCancellationRequested();
    }

    public async Task<MetricsOutcome> MetricsAsync(Finding primary, Observation observation, CancellationToken ct)
    {
        var target = primary.Owner ?? primary.Object;
        var ns = target.Namespace;
        if (ns is null)
        {
            return new MetricsOutcome([], "none (cluster-scoped finding)", options.PrometheusSkipped);
        }

        await SampleAsync(ns, ct);
        var limit = await MemoryLimitAsync(target, ct);
        var pods = new HashSet<string>(primary.Pods, StringComparer.Ordinal);
        var prefix = target.Name + "-";
        var candidates = _samples.Where(kv => kv.Key.Ns == ns && (pods.Contains(kv.Key.Pod) || kv.Key.Pod.StartsWith(prefix, StringComparison.Ordinal)))
            .Select(kv => (kv.Key.Pod, Points: Snapshot(kv.Value)))
            .OrderByDescending(x => x.Points.Count)
            .ToList();
        if (candidates.Count == 0 || candidates[0].Points.Count == 0)
        {
            return new MetricsOutcome([], "metrics.k8s.io (no samples)", options.PrometheusSkipped);
        }

        var (pod, points) = candidates[0];
        var series = new MetricEvidence
        {
            Query = $"metrics.k8s.io/v1beta1 pods/{ns}/{pod} (memory working set, sampled)",
            Label = $"Memory working set of {pod}",
            Unit = "bytes",
            Points = points,
            Threshold = limit,
            ThresholdLabel = "limit",
        };
        var source = $"metrics.k8s.io samples ({points.Count} of pod {pod}, as kubectl top pods)";
        return new MetricsOutcome([series], source, options.PrometheusSkipped);
    }

    public async Task<FixProposal?> ProposeAsync(Finding finding, Observation observation, CancellationToken ct)
    {
        var builder = new RemedyContextBuilder(_api);
        var resolved = await builder.BuildAsync(finding, RemedyOptions.Default, time.GetUtcNow(), image: null, ct);
        var plans = RemedyEngine.Plan(finding, resolved.Context);
        var plan = plans.FirstOrDefault(p => !p.IsEscalation);
        if (plan is null)
        {
            return new FixProposal { Finding = finding, Description = "escalate", Escalation = true, Why = plans.FirstOrDefault()?.Why ?? $"no remedy for {finding.Code}" };
        }

        var executor = new RepairExecutor(_api, _audit, time);
        var request = new RepairRequest { Finding = finding, Plan = plan, Workload = resolved.Workload, Actor = options.Actor, Mode = "respond", DetectedAt = observation.ObservedAt };
        var dry = await executor.DryRunAsync(request, ct);
        _requests[dry.ActionId] = request;
        return new FixProposal
        {
            Finding = finding,
            Description = Describe(plan),
            Commands = plan.Kubectl.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Diff = dry.Diff,
            Why = plan.Why,
            Risk = plan.Risk.ToString().ToLowerInvariant(),
            Undo = plan.Undo,
            Plan = dry.ActionId,
        };
    }

    public async Task<IncidentAction> ApplyAsync(FixProposal proposal, CancellationToken ct)
    {
        var request = _requests[(string)proposal.Plan!];
        var executor = new RepairExecutor(_api, _audit, time);
        var verify = options.Verify with
        {
            FindingStillPresent = options.Verify.FindingStillPresent ?? (async token =>
            {
                var again = await diagnose(token);
                return again.Findings.Any(f => f.Code == request.Finding.Code && f.Object == request.Finding.Object && f.Pods.Count > 0);
            }),
        };
        var startedAt = time.GetUtcNow();
        var outcome = await executor.ApplyAsync(request, verify, ct);
        var passed = outcome.Result == RepairResult.Succeeded;
        var summary = outcome.Result switch
        {
            RepairResult.Succeeded => outcome.Verification?.Summary ?? "verified",
            RepairResult.RolledBack => $"verification failed and the change was undone: {outcome.Verification?.Summary}",
            RepairResult.ApplyFailed => $"apply failed: {outcome.Error}",
            _ => $"verification failed: {outcome.Verification?.Summary ?? outcome.Error}",
        };
        return new IncidentAction
        {
            At = startedAt,
            Description = proposal.Description,
            FindingId = proposal.Finding.Id,
            Object = request.Plan.Target,
            Commands = proposal.Commands,
            Diff = outcome.Diff,
            AuditId = outcome.ActionId,
            Actor = request.Actor,
            Verification = new KubeMedic.Core.Incidents.VerificationResult
            {
                Passed = passed,
                Summary = summary,
                Checks = outcome.Verification?.Checks ?? [],
                At = time.GetUtcNow(),
            },
        };
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string Describe(RemedyPlan plan)
    {
        var why = plan.Why.Split(new[] { ". ", ": " }, 2, StringSplitOptions.None)[0].TrimEnd('.');
        return $"{plan.Remedy} on {plan.Target}: {why}";
    }

    private async Task<double?> MemoryLimitAsync(ObjectRef target, CancellationToken ct)
    {
        if (target.Kind != "Deployment" || target.Namespace is null)
        {
            return null;
        }

        try
        {
            var d = await client.AppsV1.ReadNamespacedDeploymentAsync(target.Name, target.Namespace, cancellationToken: ct);
            var limits = d.Spec.Template.Spec.Containers.Select(c => c.Resources?.Limits is { } l && l.TryGetValue("memory", out var q) ? (double?)q.ToDecimal() : null).ToList();
            return limits.All(l => l is not null) ? limits.Sum() : null;
        }
        catch (k8s.Autorest.HttpOperationException)
        {
            return null;
        }
    }

    private static List<MetricPoint> Snapshot(List<MetricPoint> list)
    {
        lock (list)
        {
            return [.. list];
        }
    }
}
