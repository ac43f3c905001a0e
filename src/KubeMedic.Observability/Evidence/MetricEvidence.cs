using System.Globalization;
using KubeMedic.Core.Findings;
using KubeMedic.Observability.Prometheus;
using CoreEvidence = KubeMedic.Core.Findings.Evidence;

namespace KubeMedic.Observability.Evidence;

/// <summary>What to look at: a pod (or a workload's pods by name prefix), optionally a container, a service and the last deploy time.</summary>
public sealed record EvidenceTarget(string Namespace, string? Pod = null, string? Container = null, string? Workload = null, string? Service = null, DateTimeOffset? LastDeploy = null)
{
    internal string PodMatcher => Pod is not null ? $"pod=\"{Esc(Pod)}\"" : Workload is not null ? $"pod=~\"{Esc(Workload)}-.*\"" : "pod!=\"\"";

    internal string ContainerMatcher => Container is not null ? $"container=\"{Esc(Container)}\"" : "container!=\"\",container!=\"POD\"";

    internal string Selector => $"namespace=\"{Esc(Namespace)}\",{PodMatcher}";

    internal static string Esc(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    public override string ToString() => $"{Namespace}/{Pod ?? Workload ?? "*"}{(Container is null ? "" : $" ({Container})")}";
}

[Flags]
public enum EvidenceKinds
{
    None = 0,
    Memory = 1,
    Restarts = 2,
    Cpu = 4,
    Deploy = 8,
    All = Memory | Restarts | Cpu | Deploy,
}

public sealed record RestartVerdict(double RestartsInWindow, double PerHour, TimeSpan Window, string Summary, string Sparkline);

public sealed record CpuVerdict(double? ThrottledRatio, double? UsageCores, double? RequestCores, double? LimitCores, bool Throttled, bool OverRequest, string Summary, string Sparkline);

public sealed record DeployVerdict(
    DateTimeOffset DeployedAt,
    double? ErrorRatioBefore,
    double? ErrorRatioAfter,
    double? P99Before,
    double? P99After,
    bool Regressed,
    string Summary);

/// <summary>
/// The metric evidence for one object: <see cref="Evidence"/> items (source "metric") ready to attach to a finding, the structured
/// verdicts, and what could not be checked (<see cref="Missing"/>: Prometheus absent, a query failed, no data).
/// </summary>
public sealed record MetricEvidenceReport(
    EvidenceTarget Target,
    IReadOnlyList<CoreEvidence> Evidence,
    IReadOnlyList<string> Missing,
    MemoryVerdict? Memory = null,
    RestartVerdict? Restarts = null,
    CpuVerdict? Cpu = null,
    DeployVerdict? Deploy = null)
{
    /// <summary>The raw series behind the verdicts (for charts in reports and postmortems).</summary>
    public IReadOnlyList<MetricSeries> Series { get; init; } = [];
}

/// <summary>A series kept as evidence: the query, a label, the unit (bytes, cores, count), the points and an optional reference line.</summary>
public sealed record MetricSeries(string Query, string Label, string Unit, IReadOnlyList<Sample> Points, double? Threshold = null, string? ThresholdLabel = null);

public sealed record MetricEvidenceOptions
{
    /// <summary>How far back to look for trends.</summary>
    public TimeSpan Lookback { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Range-query step; null = Lookback/240, at least 15 s.</summary>
    public TimeSpan? Step { get; init; }

    /// <summary>Window compared before and after a deploy.</summary>
    public TimeSpan DeployWindow { get; init; } = TimeSpan.FromMinutes(30);

    public string ServiceLabel { get; init; } = "service";
}

/// <summary>Queries Prometheus for the evidence a finding needs. Never throws for missing data: it reports what is missing.</summary>
public sealed class MetricEvidenceCollector(IPrometheusQuery? prometheus, TimeProvider time, MetricEvidenceOptions? options = null)
{
    private readonly MetricEvidenceOptions o = options ?? new MetricEvidenceOptions();

    /// <summary>Which evidence a finding code calls for.</summary>
    public static EvidenceKinds KindsFor(string code) => code switch
    {
        FindingCodes.OomKilled => EvidenceKinds.Memory | EvidenceKinds.Restarts,
        FindingCodes.CrashLoop or FindingCodes.LivenessRestarts => EvidenceKinds.Restarts | EvidenceKinds.Memory | EvidenceKinds.Deploy,
        FindingCodes.RolloutStuck or FindingCodes.RiskyRollout or FindingCodes.ReplicasUnavailable or FindingCodes.ReadinessFailing => EvidenceKinds.Restarts | EvidenceKinds.Deploy,
        FindingCodes.HpaAtMax or FindingCodes.NodeOvercommitted => EvidenceKinds.Cpu,
        Rules.RunbookCodes.CpuThrottling => EvidenceKinds.Cpu,
        Rules.RunbookCodes.HighErrorRate or Rules.RunbookCodes.HighLatency => EvidenceKinds.Deploy,
        _ => EvidenceKinds.Restarts,
    };

    /// <summary>Evidence for a finding: the pod is the finding's object (if a Pod) or its first pod; workloads match pods by name prefix.</summary>
    public Task<MetricEvidenceReport> ForFindingAsync(Finding finding, DateTimeOffset? lastDeploy = null, string? service = null, CancellationToken ct = default)
    {
        var ns = finding.Object.Namespace ?? "default";
        var pod = finding.Object.Kind == "Pod" ? finding.Object.Name : finding.Pods.FirstOrDefault();
        var workload = finding.Object.Kind is "Deployment" or "StatefulSet" or "DaemonSet" or "ReplicaSet" ? finding.Object.Name : finding.Owner?.Name;
        return CollectAsync(new EvidenceTarget(ns, pod, null, workload, service ?? workload, lastDeploy), KindsFor(finding.Code), ct);
    }

    public async Task<MetricEvidenceReport> CollectAsync(EvidenceTarget target, EvidenceKinds kinds, CancellationToken ct = default)
    {
        var evidence = new List<CoreEvidence>();
        var missing = new List<string>();
        if (prometheus is null)
        {
            missing.Add("metric evidence: no Prometheus configured (use --prometheus URL); memory trend, restart rate, CPU throttling and deploy correlation not checked");
            return new MetricEvidenceReport(target, evidence, missing);
        }

        var series = new List<MetricSeries>();
        MemoryVerdict? memory = null;
        RestartVerdict? restarts = null;
        CpuVerdict? cpu = null;
        DeployVerdict? deploy = null;
        if (kinds.HasFlag(EvidenceKinds.Memory))
        {
            memory = await Guard("memory trend", missing, () => MemoryAsync(target, series, ct));
            if (memory is not null)
            {
                evidence.Add(new CoreEvidence(EvidenceSource.Metric, $"memory working set of {target}, last {Minutes(o.Lookback)} (scale 0 to the limit): {memory.Sparkline} — {memory.Summary}"));
            }
        }

        if (kinds.HasFlag(EvidenceKinds.Restarts))
        {
            restarts = await Guard("restart rate", missing, () => RestartsAsync(target, series, ct));
            if (restarts is not null)
            {
                evidence.Add(new CoreEvidence(EvidenceSource.Metric, $"restart count of {target}, last {Minutes(o.Lookback)}: {restarts.Sparkline} — {restarts.Summary}"));
            }
        }

        if (kinds.HasFlag(EvidenceKinds.Cpu))
        {
            cpu = await Guard("CPU throttling and usage", missing, () => CpuAsync(target, series, ct));
            if (cpu is not null)
            {
                evidence.Add(new CoreEvidence(EvidenceSource.Metric, $"CPU usage of {target}, last {Minutes(o.Lookback)}: {cpu.Sparkline} — {cpu.Summary}"));
            }
        }

        if (kinds.HasFlag(EvidenceKinds.Deploy))
        {
            if (target.LastDeploy is null)
            {
                missing.Add("deploy correlation: the time of the last deploy is not known");
            }
            else if (target.Service is null)
            {
                missing.Add("deploy correlation: no service to compare 5xx rate and p99 for");
            }
            else
            {
                deploy = await Guard("deploy correlation (5xx rate and p99)", missing, () => DeployAsync(target, ct));
                if (deploy is not null)
                {
                    evidence.Add(new CoreEvidence(EvidenceSource.Metric, deploy.Summary));
                }
            }
        }

        return new MetricEvidenceReport(target, evidence, missing, memory, restarts, cpu, deploy) { Series = series };
    }

    private static async Task<T?> Guard<T>(string what, List<string> missing, Func<Task<T?>> run) where T : class
    {
        try
        {
            var result = await run();
            if (result is null)
            {
                missing.Add($"{what}: Prometheus returned no data for this object");
            }

            return result;
        }
        catch (PrometheusQueryException ex)
        {
            missing.Add($"{what}: {ex.Message}");
            return null;
        }
    }

    private (DateTimeOffset Start, DateTimeOffset End, TimeSpan Step) Range()
    {
        var end = time.GetUtcNow();
        var step = o.Step ?? TimeSpan.FromSeconds(Math.Max(15, Math.Round(o.Lookback.TotalSeconds / 240)));
        return (end - o.Lookback, end, step);
    }

    private async Task<MemoryVerdict?> MemoryAsync(EvidenceTarget t, List<MetricSeries> keep, CancellationToken ct)
    {
        var (start, end, step) = Range();
        // one series per container instance: cAdvisor's cgroup id changes with every restart (where the id label is dropped, the
        // instances of a container merge into one series and the classifier falls back to drops)
        var instances = await prometheus!.QueryRangeAsync(
            $"max by (pod, container, id) (container_memory_working_set_bytes{{{t.Selector},{t.ContainerMatcher}}})", start, end, step, ct);
        var containers = instances.Where(s => s.Samples.Count > 0).GroupBy(s => (Pod: s.Label("pod"), Container: s.Label("container"))).ToList();
        if (containers.Count == 0)
        {
            return null;
        }

        var limits = await prometheus.QueryAsync($"max by (container) (kube_pod_container_resource_limits{{{t.Selector},{t.ContainerMatcher},resource=\"memory\"}})", end, ct);
        if (limits.Count == 0)
        {
            limits = await prometheus.QueryAsync($"max by (container) (container_spec_memory_limit_bytes{{{t.Selector},{t.ContainerMatcher}}} > 0)", end, ct);
        }

        // the container closest to its limit is the one the OOM killer picks
        var best = containers
            .Select(c => (Runs: c.ToList(), c.Key.Pod, c.Key.Container, Peak: c.Max(s => s.Samples.Max(p => p.Value)),
                Limit: limits.FirstOrDefault(l => l.Label("container") == c.Key.Container)?.Last))
            .OrderByDescending(x => x.Limit is > 0 ? x.Peak / x.Limit.Value : 0)
            .ThenByDescending(x => x.Peak)
            .First();
        // the chart shows that container's instances joined, which is what this query returns
        var joined = best.Runs.SelectMany(s => s.Samples).GroupBy(p => p.Time).Select(g => new Sample(g.Key, g.Max(p => p.Value))).OrderBy(p => p.Time).ToList();
        var chartQuery = $"max by (container) (container_memory_working_set_bytes{{namespace=\"{EvidenceTarget.Esc(t.Namespace)}\",pod=\"{EvidenceTarget.Esc(best.Pod)}\",container=\"{EvidenceTarget.Esc(best.Container)}\"}})";
        keep.Add(new MetricSeries(chartQuery, $"memory working set {t.Namespace}/{best.Pod} {best.Container}".TrimEnd(), "bytes", joined, best.Limit,
            best.Limit is null ? null : "memory limit"));
        return MemoryTrendClassifier.Classify(best.Runs.Select(s => s.Samples).ToList(), best.Limit);
    }

    private async Task<RestartVerdict?> RestartsAsync(EvidenceTarget t, List<MetricSeries> keep, CancellationToken ct)
    {
        var (start, end, step) = Range();
        var query = $"sum(kube_pod_container_status_restarts_total{{{t.Selector}}})";
        var range = await prometheus!.QueryRangeAsync(query, start, end, step, ct);
        if (range.Count == 0 || range[0].Samples.Count == 0)
        {
            return null;
        }

        keep.Add(new MetricSeries(query, $"container restarts {t.Namespace}/{t.Pod ?? t.Workload}", "count", range[0].Samples));

        var window = $"{(long)o.Lookback.TotalSeconds}s";
        var inc = (await prometheus.QueryAsync($"sum(increase(kube_pod_container_status_restarts_total{{{t.Selector}}}[{window}]))", end, ct)).FirstOrDefault()?.Last ?? 0;
        var total = range[0].Samples[^1].Value;
        var perHour = inc / o.Lookback.TotalHours;
        var summary = inc < 0.5
            ? $"no restarts in the last {Minutes(o.Lookback)} ({total:0} in total)"
            : $"{inc:0} restart(s) in the last {Minutes(o.Lookback)}, {perHour.ToString("0.#", CultureInfo.InvariantCulture)}/h ({total:0} in total)";
        return new RestartVerdict(Math.Round(inc, 1), perHour, o.Lookback, summary, Sparkline.Render(range[0].Samples.Select(s => s.Value).ToList(), 48));
    }

    private async Task<CpuVerdict?> CpuAsync(EvidenceTarget t, List<MetricSeries> keep, CancellationToken ct)
    {
        var (start, end, step) = Range();
        var sel = $"{t.Selector},{t.ContainerMatcher}";
        var usageQuery = $"sum(rate(container_cpu_usage_seconds_total{{{sel}}}[5m]))";
        var usageRange = await prometheus!.QueryRangeAsync(usageQuery, start, end, step, ct);
        var throttled = (await prometheus.QueryAsync(
            $"sum(increase(container_cpu_cfs_throttled_periods_total{{{sel}}}[5m])) / sum(increase(container_cpu_cfs_periods_total{{{sel}}}[5m]))", end, ct)).FirstOrDefault()?.Last;
        var request = (await prometheus.QueryAsync($"sum(kube_pod_container_resource_requests{{{sel},resource=\"cpu\"}})", end, ct)).FirstOrDefault()?.Last;
        var limit = (await prometheus.QueryAsync($"sum(kube_pod_container_resource_limits{{{sel},resource=\"cpu\"}})", end, ct)).FirstOrDefault()?.Last;
        var usage = usageRange.FirstOrDefault()?.Last;
        if (usage is null && throttled is null)
        {
            return null;
        }

        throttled = throttled is { } th && double.IsNaN(th) ? null : throttled;
        var parts = new List<string>();
        var isThrottled = throttled is > 0.25;
        if (throttled is { } r)
        {
            parts.Add($"{(r * 100).ToString("0", CultureInfo.InvariantCulture)} % of CFS periods throttled{(isThrottled ? " (above 25 %: the CPU limit is too tight)" : "")}");
        }
        else
        {
            parts.Add("no CFS throttling data (no CPU limit set)");
        }

        var over = usage is { } u && request is > 0 && u > request.Value;
        if (usage is { } use)
        {
            var vsRequest = request is > 0 ? $" = {(use / request.Value * 100).ToString("0", CultureInfo.InvariantCulture)} % of its {Cores(request.Value)} request" : " (no CPU request set)";
            parts.Add($"using {Cores(use)} cores{vsRequest}{(limit is > 0 ? $", limit {Cores(limit.Value)}" : "")}");
        }

        if (usageRange.FirstOrDefault() is { } usageSeries)
        {
            keep.Add(new MetricSeries(usageQuery, $"CPU usage {t.Namespace}/{t.Pod ?? t.Workload}", "cores", usageSeries.Samples, limit, limit is null ? null : "CPU limit"));
        }

        var spark = Sparkline.Render(usageRange.FirstOrDefault()?.Samples.Select(s => s.Value).ToList() ?? [], 48, 0, limit);
        return new CpuVerdict(throttled, usage, request, limit, isThrottled, over, string.Join("; ", parts), spark);
    }

    private async Task<DeployVerdict?> DeployAsync(EvidenceTarget t, CancellationToken ct)
    {
        var deployedAt = t.LastDeploy!.Value;
        var now = time.GetUtcNow();
        var after = now - deployedAt;
        var afterWindow = after < o.DeployWindow ? after : o.DeployWindow;
        if (afterWindow < TimeSpan.FromMinutes(1))
        {
            return null;
        }

        var svc = $"namespace=\"{EvidenceTarget.Esc(t.Namespace)}\",{o.ServiceLabel}=\"{EvidenceTarget.Esc(t.Service!)}\"";
        string Errors(TimeSpan w) => $"sum(rate(http_server_requests_seconds_count{{{svc},status=~\"5..\"}}[{(long)w.TotalSeconds}s])) / sum(rate(http_server_requests_seconds_count{{{svc}}}[{(long)w.TotalSeconds}s]))";
        string P99(TimeSpan w) => $"histogram_quantile(0.99, sum by (le) (rate(http_server_requests_seconds_bucket{{{svc}}}[{(long)w.TotalSeconds}s])))";
        async Task<double?> At(string q, DateTimeOffset at)
        {
            var v = (await prometheus!.QueryAsync(q, at, ct)).FirstOrDefault()?.Last;
            return v is { } x && !double.IsNaN(x) && !double.IsInfinity(x) ? x : null;
        }

        var errBefore = await At(Errors(o.DeployWindow), deployedAt);
        var errAfter = await At(Errors(afterWindow), now);
        var p99Before = await At(P99(o.DeployWindow), deployedAt);
        var p99After = await At(P99(afterWindow), now);
        if (errBefore is null && errAfter is null && p99Before is null && p99After is null)
        {
            return null;
        }

        var errorRegressed = errAfter is { } ea && ea > 0.01 && ea > 2 * (errBefore ?? 0) && ea - (errBefore ?? 0) > 0.005;
        var latencyRegressed = p99After is { } pa && pa > 0.5 && pa > 1.5 * (p99Before ?? 0);
        var regressed = errorRegressed || latencyRegressed;
        var summary = $"deploy at {deployedAt.UtcDateTime.ToString("HH:mm 'UTC'", CultureInfo.InvariantCulture)}: 5xx rate {Ratio(errBefore)} before → {Ratio(errAfter)} after, p99 {Secs(p99Before)} → {Secs(p99After)}"
            + (regressed ? $" — the {(errorRegressed ? "errors" : "latency")} started with this deploy; roll back ('kubectl rollout undo')" : " — no regression after the deploy");
        return new DeployVerdict(deployedAt, errBefore, errAfter, p99Before, p99After, regressed, summary);
    }

    private static string Ratio(double? r) => r is { } v ? (v * 100).ToString("0.##", CultureInfo.InvariantCulture) + " %" : "n/a";

    private static string Secs(double? s) => s is { } v ? (v * 1000).ToString("0", CultureInfo.InvariantCulture) + " ms" : "n/a";

    private static string Cores(double c) => c.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Minutes(TimeSpan t) => t.TotalMinutes >= 90 ? $"{t.TotalHours.ToString("0.#", CultureInfo.InvariantCulture)} h" : $"{t.TotalMinutes:0} min";
}
