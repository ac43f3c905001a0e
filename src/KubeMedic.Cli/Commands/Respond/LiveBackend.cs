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
    /// <summary>The audit store; null: the file store in <see cref="AuditDirectory"/>.</summary>
    public IAuditStore? Audit { get; init; }

    public string? AuditDirectory { get; init; }
    public VerifyOptions Verify { get; init; } = new();

    /// <summary>A Prometheus to query for the memory trend; null uses the metrics API samples.</summary>
    public Uri? PrometheusUrl { get; init; }

    /// <summary>The clock Prometheus stamps samples with (wall clock), when it differs from the cluster's (a sped-up simulator).</summary>
    public TimeProvider? PrometheusTime { get; init; }

    /// <summary>Maps a Prometheus sample time to cluster time (identity unless the cluster clock runs faster).</summary>
    public Func<DateTimeOffset, DateTimeOffset>? ToClusterTime { get; init; }

    /// <summary>How far back to query Prometheus, in Prometheus' own time.</summary>
    public TimeSpan PrometheusWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The query_range step, in Prometheus' own time (default: 1 s for windows up to 5 minutes, else 30 s). Match it to the scrape interval.</summary>
    public TimeSpan? PrometheusStep { get; init; }

    /// <summary>Why Prometheus evidence is not available, when it is not (shown to the user).</summary>
    public string? PrometheusSkipped { get; init; }
    public string Actor { get; init; } = AuditLog.CurrentActor("respond");

    /// <summary>Called when the backend is disposed (e.g. stops the embedded simulator it was started on).</summary>
    public Func<ValueTask>? OnDispose { get; init; }
}

/// <summary>
/// A live cluster through the official KubernetesClient (the simulator is one): diagnosis, the cluster timeline from events and
/// pod status, memory samples from the metrics API, and fixes through the audited repair executor (dry run, apply, verify).
/// </summary>
internal sealed class LiveBackend(IKubernetes client, string description, Func<CancellationToken, Task<(KubeMedic.Core.Model.ClusterModel Model, RespondDiagnosis Diagnosis)>> diagnose, TimeProvider time, LiveBackendOptions options)
    : IResponseBackend
{
    private readonly KubeObjectApi _api = new(client);
    private readonly IAuditStore _audit = options.Audit ?? new AuditLog(options.AuditDirectory, time);
    private readonly ConcurrentDictionary<(string Ns, string Pod), List<MetricPoint>> _samples = new();
    private readonly Dictionary<string, RepairRequest> _requests = [];
    private DateTimeOffset _windowStart = DateTimeOffset.MinValue;
    private string? _prometheusSkipped;

    public string Description => description;

    public bool CanRepair => true;

    /// <summary>Whether a Prometheus is configured to query.</summary>
    public bool HasPrometheus => options.PrometheusUrl is not null;

    public IKubernetes Client => client;

    public async Task<Observation> ObserveAsync(CancellationToken ct)
    {
        var (model, diagnosis) = await diagnose(ct);
        var (observation, windowStart) = ObservationBuilder.Build(model, diagnosis, time);
        _windowStart = windowStart;
        return observation;
    }

    public async Task<IReadOnlyList<TimelineEntry>> ClusterTimelineAsync(IReadOnlyList<Finding> findings, CancellationToken ct)
    {
        var (model, _) = await diagnose(ct);
        return [.. ModelAdapters.Timeline(model).Where(e => e.At >= _windowStart)];
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
            return new MetricsOutcome([], "none (cluster-scoped finding)", _prometheusSkipped ?? options.PrometheusSkipped);
        }

        var limit = await MemoryLimitAsync(target, ct);
        if (options.PrometheusUrl is { } url)
        {
            var fromPrometheus = await PrometheusMemoryAsync(url, ns, target.Name, limit, ct);
            if (fromPrometheus is not null)
            {
                return fromPrometheus;
            }
        }

        await SampleAsync(ns, ct);
        var pods = new HashSet<string>(primary.Pods, StringComparer.Ordinal);
        var prefix = target.Name + "-";
        var candidates = _samples.Where(kv => kv.Key.Ns == ns && (pods.Contains(kv.Key.Pod) || kv.Key.Pod.StartsWith(prefix, StringComparison.Ordinal)))
            .Select(kv => (kv.Key.Pod, Points: Snapshot(kv.Value)))
            .OrderByDescending(x => x.Points.Count)
            .ToList();
        if (candidates.Count == 0 || candidates[0].Points.Count == 0)
        {
            return new MetricsOutcome([], "metrics.k8s.io (no samples)", _prometheusSkipped ?? options.PrometheusSkipped);
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
        return new MetricsOutcome([series], source, _prometheusSkipped ?? options.PrometheusSkipped);
    }

    private static string MemoryQuery(string ns, string name) =>
        $"max by (pod) (container_memory_working_set_bytes{{namespace=\"{ns}\", pod=~\"{name}-.*\", container!=\"\", container!=\"POD\"}})";

    private TimeSpan PrometheusStep => options.PrometheusStep ?? (options.PrometheusWindow <= TimeSpan.FromMinutes(5) ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(30));

    /// <summary>
    /// How many working-set samples Prometheus holds for the best pod of workload <paramref name="name"/> in the query window
    /// (0 without Prometheus or when it does not answer). The demo waits on it: Prometheus only starts scraping a few seconds
    /// after it is ready (target discovery is throttled to every 5 s) and each OOM-killed container lives only a few scrapes.
    /// </summary>
    public async Task<int> PrometheusSampleCountAsync(string ns, string name, CancellationToken ct)
    {
        if (options.PrometheusUrl is not { } url)
        {
            return 0;
        }

        using var prometheus = new KubeMedic.Observability.Prometheus.PrometheusClient(url);
        var end = (options.PrometheusTime ?? time).GetUtcNow();
        try
        {
            var series = await prometheus.QueryRangeAsync(MemoryQuery(ns, name), end - options.PrometheusWindow, end, PrometheusStep, ct);
            return series.Count == 0 ? 0 : series.Max(s => s.Samples.Count);
        }
        catch (Exception ex) when (ex is KubeMedic.Observability.Prometheus.PrometheusQueryException or HttpRequestException or TaskCanceledException)
        {
            ct.ThrowIfCancellationRequested();
            return 0;
        }
    }

    private async Task<MetricsOutcome?> PrometheusMemoryAsync(Uri url, string ns, string name, double? limit, CancellationToken ct)
    {
        var query = MemoryQuery(ns, name);
        using var prometheus = new KubeMedic.Observability.Prometheus.PrometheusClient(url);
        var end = (options.PrometheusTime ?? time).GetUtcNow();
        var step = PrometheusStep;
        var toCluster = options.ToClusterTime ?? (t => t);
        try
        {
            var series = await prometheus.QueryRangeAsync(query, end - options.PrometheusWindow, end, step, ct);
            var best = series.OrderByDescending(s => s.Samples.Count).FirstOrDefault();
            if (best is null || best.Samples.Count < 8)
            {
                _prometheusSkipped = best is null
                    ? $"Prometheus at {url} has no series for {query} (no container of {ns}/{name} ran while it scraped)"
                    : $"Prometheus at {url} answered, but with only {best.Samples.Count} samples for {query} (too few for a trend; it has not been scraping long)";
                return null;
            }

            var pod = best.Label("pod");
            var evidence = new MetricEvidence
            {
                Query = query,
                Label = $"Memory working set of {pod} (Prometheus)",
                Unit = "bytes",
                Points = [.. best.Samples.Select(s => new MetricPoint(toCluster(s.Time), s.Value))],
                Threshold = limit,
                ThresholdLabel = "limit",
            };
            List<MetricEvidence> all = [evidence];
            var source = $"Prometheus {url} ({best.Samples.Count} samples of {query})";

            // The restart counter of the same pod (kube-state-metrics), and the restart rate per minute of cluster time.
            var restartQuery = $"max by (pod) (kube_pod_container_status_restarts_total{{namespace=\"{ns}\", pod=\"{pod}\"}})";
            var restarts = (await prometheus.QueryRangeAsync(restartQuery, end - options.PrometheusWindow, end, step, ct)).FirstOrDefault();
            if (restarts is { Samples.Count: > 1 })
            {
                var points = restarts.Samples.Select(s => new MetricPoint(toCluster(s.Time), s.Value)).ToList();
                var minutes = (points[^1].At - points[0].At).TotalMinutes;
                var increase = points[^1].Value - points[0].Value;
                var perMinute = minutes > 0 ? increase / minutes : 0;
                all.Add(new MetricEvidence
                {
                    Query = restartQuery,
                    Label = $"Restarts of {pod} (Prometheus; +{increase:0} in {minutes:0} min of cluster time, {perMinute.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)}/min)",
                    Unit = "restarts",
                    Points = points,
                });
            }

            return new MetricsOutcome(all, source);
        }
        catch (Exception ex) when (ex is KubeMedic.Observability.Prometheus.PrometheusQueryException or HttpRequestException or TaskCanceledException)
        {
            _prometheusSkipped = $"Prometheus query failed: {ex.Message}";
            return null;
        }
    }

    public async Task<FixProposal?> ProposeAsync(Finding finding, Observation observation, CancellationToken ct)
    {
        var builder = new RemedyContextBuilder(_api);
        ResolvedTarget resolved;
        try
        {
            resolved = await builder.BuildAsync(finding, RemedyOptions.Default, time.GetUtcNow(), image: null, ct);
        }
        catch (KubeMedic.Core.UserInputException ex)
        {
            // No remedy can touch this kind of object: a person acts on it, with the finding's own fix as the guide.
            var why = ex.Message + (finding.Fix is { } f ? $"; suggested: {f.Description.TrimEnd('.')}" : "");
            return new FixProposal { Finding = finding, Description = "escalate", Escalation = true, Why = why };
        }

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
            Description = Describe(plan, dry.Diff),
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
                // Still present only when pods other than the ones it was first reported on (i.e. the new pods) show it;
                // old pods stuck terminating on a lost node do not count against the fix.
                var (_, again) = await diagnose(token);
                var before = request.Finding.Pods.ToHashSet(StringComparer.Ordinal);
                return again.Findings.Any(f => f.Code == request.Finding.Code && f.Object == request.Finding.Object && (f.Pods.Count == 0 ? before.Count == 0 : f.Pods.Any(p => !before.Contains(p))));
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

    public ValueTask DisposeAsync() => options.OnDispose?.Invoke() ?? ValueTask.CompletedTask;

    private static string Describe(RemedyPlan plan, string diff)
    {
        var title = plan.Remedy switch
        {
            RemedyIds.RaiseMemoryLimit => "Raise the memory limit",
            RemedyIds.Rollback => "Roll back to the last good revision",
            RemedyIds.SetImage => "Set the image",
            RemedyIds.LowerRequests => "Lower the resource requests",
            RemedyIds.ScaleDown => "Scale down",
            RemedyIds.SaferStrategy => "Use a safer rollout strategy",
            RemedyIds.RemoveHostnamePin => "Remove the hostname pin",
            RemedyIds.DeleteStuckPod => "Delete the stuck pod",
            RemedyIds.FixProbePort => "Fix the probe port",
            RemedyIds.FixProbePath => "Fix the probe path",
            RemedyIds.RaiseInitialDelay => "Raise the probe's initial delay",
            RemedyIds.ScaleDownLowPriority => "Scale down low-priority workloads",
            _ => plan.Remedy,
        };
        var flags = System.Text.RegularExpressions.Regex.Matches(plan.Kubectl, @"--(limits|requests|image)=(\S+)").Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value}").ToList();
        if (flags.Count > 0)
        {
            return $"{title} of {plan.Target} ({string.Join(", ", flags)})";
        }

        var removed = diff.Split('\n').Where(l => l.StartsWith('-') && !l.StartsWith("---", StringComparison.Ordinal)).Select(l => l[1..].Trim().TrimEnd(',')).ToList();
        var added = diff.Split('\n').Where(l => l.StartsWith('+') && !l.StartsWith("+++", StringComparison.Ordinal)).Select(l => l[1..].Trim().TrimEnd(',')).ToList();
        var change = removed.Count == 1 && added.Count == 1 ? $" ({removed[0].Replace("\"", "", StringComparison.Ordinal)} → {added[0].Split(':').Last().Replace("\"", "", StringComparison.Ordinal).Trim()})" : "";
        return $"{title} of {plan.Target}{change}";
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
