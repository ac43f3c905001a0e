using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Policy;
using KubeMedic.Core.Remedies;
using KubeMedic.Kubernetes.Informers;

namespace KubeMedic.Kubernetes.Repair;

/// <summary>Produces the current findings from the informers' cache (the diagnosis engine, wired by the CLI).</summary>
public interface IFindingDetector
{
    IReadOnlyList<Finding> Detect(ClusterInformers informers, DateTimeOffset now);
}

/// <summary>What the autopilot reports to /metrics. The CLI implements it with prometheus-net.</summary>
public interface IAutopilotMetrics
{
    void Detected(string code);
    void Remediated(string remedy, string result);
    void DetectionToRepair(TimeSpan elapsed);
    void Escalated(string code);
    void Circuit(CircuitState state);
    void Status(AutopilotStatus status);
}

public sealed class NullAutopilotMetrics : IAutopilotMetrics
{
    public static readonly NullAutopilotMetrics Instance = new();

    public void Detected(string code) { }
    public void Remediated(string remedy, string result) { }
    public void DetectionToRepair(TimeSpan elapsed) { }
    public void Escalated(string code) { }
    public void Circuit(CircuitState state) { }
    public void Status(AutopilotStatus status) { }
}

/// <summary>The seed-001 status summary.</summary>
public sealed record AutopilotStatus(
    int PodsTotal, int PodsRunning, int PodsError, int PodsPending, double SuccessRatePercent,
    int Findings, int ActionsTaken, int ActionsSucceeded, int ActionsRolledBack, int DryRunPlans, int OpenEscalations, CircuitState Circuit)
{
    public string Render(DateTimeOffset at, string mode) => string.Join('\n',
        $"[{at:yyyy-MM-dd HH:mm:ss}] autopilot status ({mode})",
        $"  pods total:       {PodsTotal}",
        $"  running:          {PodsRunning}",
        $"  error:            {PodsError}",
        $"  pending:          {PodsPending}",
        $"  success rate:     {SuccessRatePercent:0}%",
        $"  findings:         {Findings}",
        $"  actions taken:    {ActionsTaken} ({ActionsSucceeded} verified, {ActionsRolledBack} rolled back), dry-run plans: {DryRunPlans}",
        $"  open escalations: {OpenEscalations}",
        $"  circuit:          {Circuit.ToString().ToLowerInvariant()}");
}

public sealed record AutopilotOptions
{
    public required AutopilotPolicy Policy { get; init; }

    /// <summary>The effective mode: the policy's dryRun, or forced on by --dry-run.</summary>
    public bool DryRun { get; init; } = true;

    public required string Actor { get; init; }

    /// <summary>Wait this long after a change for more changes before diagnosing (one pass per burst).</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Diagnose at least this often even without changes (time-based findings).</summary>
    public TimeSpan Resync { get; init; } = TimeSpan.FromSeconds(30);

    public VerifyOptions Verify { get; init; } = new();

    public TextWriter Log { get; init; } = TextWriter.Null;

    /// <summary>
    /// After a pass, when at least this long has passed since the last one, run a compacting full GC that returns free memory to the
    /// OS (<see cref="GCCollectionMode.Aggressive"/>): each pass builds a whole cluster model that is garbage right after, and a
    /// long-running watcher should not keep that peak resident. Null: leave it to the GC.
    /// </summary>
    public TimeSpan? TrimMemoryEvery { get; init; }
}

/// <summary>
/// The watch-driven repair loop: informers -> diagnosis -> remedy plans -> policy -> apply/verify/undo (or dry run) -> audit, with
/// escalations for everything it may not or cannot fix. Safe to kill at any point: the audit log is written before each step, and
/// on start interrupted actions are verified and settled, never re-applied.
/// </summary>
public sealed class Autopilot
{
    private readonly KubeObjectApi _api;
    private readonly ClusterInformers _informers;
    private readonly IFindingDetector _detector;
    private readonly IAuditStore _audit;
    private readonly IReadOnlyList<INotificationSink> _sinks;
    private readonly IAutopilotMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly AutopilotOptions _options;
    private readonly PolicyEvaluator _evaluator;
    private readonly RepairExecutor _executor;
    private readonly RemedyContextBuilder _contexts;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _firstSeen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _notified = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _verifications = new(StringComparer.Ordinal);
    private readonly List<DateTimeOffset> _detections = [];
    private readonly HashSet<string> _failingObjects = new(StringComparer.Ordinal);
    private readonly HashSet<string> _escalatedOpen = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _decide = new(1, 1);
    private readonly TextWriter _log;
    private int _actions;
    private int _succeeded;
    private int _rolledBack;
    private int _dryRunPlans;
    private long _lastTrim;

    public Autopilot(KubeObjectApi api, ClusterInformers informers, IFindingDetector detector, IAuditStore audit,
        IReadOnlyList<INotificationSink> sinks, IAutopilotMetrics metrics, TimeProvider time, AutopilotOptions options)
    {
        _api = api;
        _informers = informers;
        _detector = detector;
        _audit = audit;
        _sinks = sinks;
        _metrics = metrics;
        _time = time;
        _options = options;
        _evaluator = new PolicyEvaluator(options.Policy);
        _executor = new RepairExecutor(api, audit, time);
        _contexts = new RemedyContextBuilder(api);
        _log = TextWriter.Synchronized(options.Log);
    }

    public AutopilotStatus? LastStatus { get; private set; }

    /// <summary>Runs until cancelled (SIGTERM), or one pass with <paramref name="once"/>.</summary>
    public async Task RunAsync(bool once, CancellationToken ct)
    {
        using var informerCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var informers = _informers.RunAsync(informerCts.Token);
        try
        {
            await _informers.WaitForSyncAsync(ct);
            // The initial lists' Added events are already in the cache the first pass reads: without this the first pass is
            // followed at once by a second, identical one.
            while (_informers.Changes.TryRead(out _))
            {
            }

            if (!_options.DryRun)
            {
                await ResumeInterruptedAsync(ct);
            }

            while (true)
            {
                await PassAsync(ct);
                if (once)
                {
                    await Task.WhenAll(_verifications.Values).WaitAsync(ct);
                    var now = _time.GetUtcNow();
                    LastStatus = Status(LastStatus?.Findings ?? 0, History(now), now);
                    break;
                }

                await WaitForChangeAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // SIGTERM: in-flight verifications stop here; their audit records stay "applied" and are settled on the next start.
        }
        finally
        {
            await informerCts.CancelAsync();
            try
            {
                await informers;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task WaitForChangeAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.Resync);
        try
        {
            await _informers.Changes.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return; // resync tick
        }

        await Task.Delay(_options.Debounce, _time, ct);
        while (_informers.Changes.TryRead(out _))
        {
        }
    }

    /// <summary>One diagnosis and repair pass over the cached cluster.</summary>
    public async Task PassAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var findings = _detector.Detect(_informers, now);
        var present = new HashSet<string>(findings.Select(f => f.Id), StringComparer.Ordinal);
        foreach (var gone in _firstSeen.Keys.Where(k => !present.Contains(k)).ToList())
        {
            _firstSeen.TryRemove(gone, out _);
            foreach (var key in _notified.Keys.Where(k => k.StartsWith(gone + "|", StringComparison.Ordinal)).ToList())
            {
                _notified.TryRemove(key, out _);
            }
        }

        foreach (var f in findings)
        {
            if (_firstSeen.TryAdd(f.Id, now))
            {
                _metrics.Detected(f.Code);
                // A storm is many things failing at once: count each failing object once, not each of its symptoms.
                if (_failingObjects.Add(f.Object.ToString()))
                {
                    _detections.Add(now);
                }
            }
        }

        _failingObjects.IntersectWith(findings.Select(f => f.Object.ToString()));

        _detections.RemoveAll(d => now - d > _options.Policy.Storm.Window + _options.Policy.Storm.Cooldown);
        lock (_escalatedOpen)
        {
            _escalatedOpen.RemoveWhere(id => !present.Contains(id));
        }

        // Every finding with a remedy is handled (its plan may still escalate); a finding without one is escalated only when it is a
        // root cause - a symptom another present finding explains ("caused-by") goes with its cause. Root causes first, then severity,
        // so that for one workload the cause's remedy runs and the symptom's is held back by the in-progress and rate-limit rules.
        var roots = RootCauses(findings).Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        var work = findings
            .Where(f => RemedyEngine.Codes.Contains(f.Code) || (roots.Contains(f.Id) && f.Severity >= Severity.Medium))
            .OrderByDescending(f => roots.Contains(f.Id)).ThenByDescending(f => f.Severity).ThenBy(f => f.Id, StringComparer.Ordinal);
        // Different objects are handled in parallel (reading the cluster is the slow part); one object's findings in order. The policy
        // decision and the "applying" record are made under one lock, so concurrent decisions still see each other (rate limits).
        var groups = work.GroupBy(f => f.Object.ToString(), StringComparer.Ordinal).Select(g => g.ToList()).ToList();
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (group, token) =>
        {
            foreach (var finding in group)
            {
                try
                {
                    await HandleAsync(finding, now, token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    await _log.WriteLineAsync($"autopilot: {finding.Id}: {ex.Message.ReplaceLineEndings(" ")}");
                }
            }
        });

        var history = History(now);
        _metrics.Circuit(_evaluator.Circuit(history, now));
        LastStatus = Status(findings.Count, history, now);
        _metrics.Status(LastStatus);
        TrimMemory();
    }

    private void TrimMemory()
    {
        if (_options.TrimMemoryEvery is not { } every)
        {
            return;
        }

        var stamp = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastTrim);
        if (last != 0 && _time.GetElapsedTime(last, stamp) < every)
        {
            return;
        }

        Interlocked.Exchange(ref _lastTrim, stamp);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        NativeHeap.Trim();
    }

    /// <summary>Findings no other present finding explains (none of their "caused-by" links is present).</summary>
    public static IEnumerable<Finding> RootCauses(IReadOnlyList<Finding> findings)
    {
        var present = findings.Select(f => (f.Code, f.Object)).ToHashSet();
        return findings.Where(f => !f.Related.Any(r => r.Relation == "caused-by" && present.Contains((r.Code, r.Object))));
    }

    private ActionHistory History(DateTimeOffset now)
    {
        var p = _options.Policy;
        var lookback = new[] { p.PerWorkload.Window, p.Global.Window, p.Circuit.Window + p.Circuit.OpenFor, TimeSpan.FromDays(1) }.Max();
        var fromAudit = _audit.History(now, lookback);
        return fromAudit with { Detections = [.. _detections] };
    }

    private async Task HandleAsync(Finding finding, DateTimeOffset now, CancellationToken ct)
    {
        if (!RemedyEngine.Codes.Contains(finding.Code))
        {
            await EscalateAsync(finding, $"no automatic remedy for '{finding.Code}': {finding.Summary}", "no-remedy", null, ct);
            return;
        }

        if (finding.Object.Kind is not ("Pod" or "Node") && History(now).Actions.Any(a => a.Outcome == ActionOutcome.InProgress && a.WorkloadKey == PolicyEvaluator.Key(finding.Object)))
        {
            return; // a repair of this workload is under way; judge its other findings after it settles
        }

        ResolvedTarget resolved;
        try
        {
            resolved = await _contexts.BuildAsync(finding, _options.Policy.Remedies, now, null, ct);
        }
        catch (KubeMedic.Core.UserInputException ex)
        {
            await EscalateAsync(finding, ex.Message, "unresolved", null, ct);
            return;
        }

        var plans = RemedyEngine.Plan(finding, resolved.Context);
        foreach (var plan in plans)
        {
            if (plan.IsEscalation)
            {
                await EscalateAsync(finding, plan.Why, "remedy", plan, ct);
                continue;
            }

            var workload = plan.Action == RemedyAction.DeletePod ? resolved.Workload : plan.Target;
            var workloadJson = workload == resolved.Workload && resolved.Context.Target.Kind() == workload.Kind ? resolved.Context.Target
                : workload.Kind is "Pod" or "Node" ? null : await _api.GetAsync(workload, ct);
            var facts = new ClusterFacts
            {
                ReadyReplicas = workloadJson?.Int("status", "readyReplicas") ?? 0,
                PdbFloor = workloadJson is null ? 0 : KubeJson.PdbFloor(workloadJson, resolved.Context.PodDisruptionBudgets),
            };
            var action = PlannedAction.From(plan, workload) with
            {
                CurrentReplicas = workloadJson?.Replicas() ?? plan.CurrentReplicas,
            };
            var request = new RepairRequest
            {
                Finding = finding,
                Plan = plan,
                Workload = workload,
                Actor = _options.Actor,
                Mode = "autopilot",
                DetectedAt = _firstSeen.GetValueOrDefault(finding.Id, now),
            };
            var before = plan.Target == resolved.Workload && resolved.Context.Target.Kind() == plan.Target.Kind ? resolved.Context.Target : await _api.GetAsync(plan.Target, ct);
            var podsBefore = _options.DryRun ? null : await RolloutVerifier.PodNamesAsync(_api, workload, ct);
            PolicyDecision decision;
            string? actionId = null;
            await _decide.WaitAsync(ct);
            try
            {
                decision = _evaluator.Evaluate(action, facts, History(now), now);
                request = request with { Policy = decision };
                if (decision.Allowed && !_options.DryRun)
                {
                    // Reserve: the fsynced "applying" record makes this action visible to every later decision (and to a restart).
                    actionId = RepairExecutor.NewActionId(_time);
                    var (expected, _) = RepairExecutor.Preview(plan, before, color: false);
                    await _audit.AppendAsync(request.AuditEntry(_time, actionId, AuditPhase.Applying) with { Before = before, After = expected }, ct);
                }
            }
            finally
            {
                _decide.Release();
            }

            if (!decision.Allowed)
            {
                if (decision.Rule is not (PolicyRules.InProgress))
                {
                    await EscalateAsync(finding, $"{plan.Remedy} not applied: {decision.Reason}", decision.Rule, plan, ct, decision);
                }

                continue;
            }

            if (_options.DryRun)
            {
                if (_notified.TryAdd($"{finding.Id}|dry-run|{plan.Remedy}", 0))
                {
                    await _executor.DryRunAsync(request, ct);
                    Interlocked.Increment(ref _dryRunPlans);
                    _metrics.Remediated(plan.Remedy, "dry-run");
                    await _log.WriteLineAsync($"autopilot (dry run): would {plan.Remedy} {plan.Target}: {plan.Why}\n  {plan.Kubectl.ReplaceLineEndings("\n  ")}");
                }

                continue;
            }

            await ApplyAsync(request, actionId!, podsBefore!, ct);
        }
    }

    private async Task ApplyAsync(RepairRequest request, string id, IReadOnlySet<string> podsBefore, CancellationToken ct)
    {
        var plan = request.Plan;
        var key = PolicyEvaluator.Key(request.Workload);
        Interlocked.Increment(ref _actions);
        await _log.WriteLineAsync($"autopilot: {plan.Remedy} {plan.Target}: {plan.Why}");
        var applied = await PatchAsync(request, id, ct);
        if (applied is null)
        {
            _metrics.Remediated(plan.Remedy, "apply-failed");
            return;
        }

        _metrics.DetectionToRepair(_time.GetUtcNow() - (request.DetectedAt ?? _time.GetUtcNow()));
        _verifications[key] = Task.Run(async () =>
        {
            try
            {
                var outcome = await _executor.VerifyAndSettleAsync(request, id, applied.Value, "", _options.Verify with { PodsBefore = podsBefore }, ct);
                switch (outcome.Result)
                {
                    case RepairResult.Succeeded:
                        Interlocked.Increment(ref _succeeded);
                        break;
                    case RepairResult.RolledBack:
                        Interlocked.Increment(ref _rolledBack);
                        break;
                }

                _metrics.Remediated(plan.Remedy, outcome.Result.ToString().ToLowerInvariant());
                await _log.WriteLineAsync($"autopilot: {plan.Remedy} {plan.Target}: {outcome.Result} ({outcome.Verification?.Summary})");
                if (outcome.Result != RepairResult.Succeeded)
                {
                    await EscalateAsync(request.Finding, $"{plan.Remedy} failed verification ({outcome.Verification?.Summary}); " + (outcome.Result == RepairResult.RolledBack ? "undone" : "could not be undone"), "verification-failed", plan, CancellationToken.None);
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                _verifications.TryRemove(key, out _);
            }
        }, CancellationToken.None);
    }

    /// <summary>Sends the patch (the "applying" record is already written), then records "applied". Null when it failed.</summary>
    private async Task<DateTimeOffset?> PatchAsync(RepairRequest request, string id, CancellationToken ct)
    {
        var plan = request.Plan;
        var at = _time.GetUtcNow();
        try
        {
            JsonObject? after = null;
            if (plan.Action == RemedyAction.DeletePod)
            {
                await _api.DeletePodAsync(plan.Target, ct);
            }
            else
            {
                after = await _api.PatchAsync(plan.Target, plan.Patch!, plan.PatchType, ct);
            }

            await _audit.AppendAsync(request.AuditEntry(_time, id, AuditPhase.Applied) with { After = after }, CancellationToken.None);
            return at;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await _audit.AppendAsync(request.AuditEntry(_time, id, AuditPhase.ApplyFailed) with { Error = ex.Message.ReplaceLineEndings(" ") }, CancellationToken.None);
            return null;
        }
    }

    /// <summary>
    /// After a restart: every action whose last audit phase is applying/applied is settled - verified (or undone), never applied again.
    /// An action interrupted before its patch landed is recorded as apply-failed; it still counts against the rate limits.
    /// </summary>
    public async Task ResumeInterruptedAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var entries = _audit.Read(now - TimeSpan.FromDays(1)).Where(e => !e.DryRun).GroupBy(e => e.ActionId);
        foreach (var group in entries)
        {
            var last = group.Last();
            if (last.Phase is not (AuditPhase.Applying or AuditPhase.Applied) || last.Target is null)
            {
                continue;
            }

            var first = group.First();
            var plan = new RemedyPlan
            {
                Remedy = first.Remedy ?? "",
                FindingId = first.FindingId ?? "",
                FindingCode = first.FindingCode ?? "",
                Target = first.Target!,
                Action = first.Remedy == RemedyIds.DeleteStuckPod ? RemedyAction.DeletePod : RemedyAction.Patch,
                Patch = first.Patch,
                PatchType = Enum.TryParse<PatchKind>(first.PatchType, true, out var pt) ? pt : PatchKind.Strategic,
                UndoPatch = first.UndoPatch,
                UndoPatchType = Enum.TryParse<PatchKind>(first.UndoPatchType, true, out var upt) ? upt : PatchKind.Strategic,
                Kubectl = first.Kubectl ?? "",
                Why = first.Why ?? "",
                Undo = "undo patch",
            };
            var parts = (first.WorkloadKey ?? "").Split('/');
            var workload = parts.Length == 3 ? new ObjectRef(parts[0], parts[1].Length == 0 ? null : parts[1], parts[2]) : first.Target!;
            var finding = new Finding { Code = plan.FindingCode, Severity = Severity.High, Object = first.Target!, Summary = "resumed", Cause = "resumed after restart" };
            var request = new RepairRequest { Finding = finding, Plan = plan, Workload = workload, Actor = _options.Actor, Mode = "autopilot-resume", DetectedAt = first.DetectedAt };
            if (last.Phase == AuditPhase.Applying && plan.Action == RemedyAction.Patch && plan.Patch is not null && first.After is JsonObject expected)
            {
                var live = await _api.GetAsync(plan.Target, ct);
                if (live is null || !JsonNode.DeepEquals(Spec(live), Spec(expected)))
                {
                    await _audit.AppendAsync(request.AuditEntry(_time, first.ActionId, AuditPhase.ApplyFailed) with { Error = "interrupted before the patch landed; not re-applied" }, ct);
                    continue;
                }
            }

            await _log.WriteLineAsync($"autopilot: resuming verification of interrupted {plan.Remedy} on {plan.Target}");
            var outcome = await _executor.VerifyAndSettleAsync(request, first.ActionId, last.At, "", _options.Verify, ct);
            _metrics.Remediated(plan.Remedy, outcome.Result.ToString().ToLowerInvariant());
        }
    }

    private static JsonNode? Spec(JsonObject o) => o["spec"];

    private async Task EscalateAsync(Finding finding, string reason, string rule, RemedyPlan? plan, CancellationToken ct, PolicyDecision? decision = null)
    {
        lock (_escalatedOpen)
        {
            _escalatedOpen.Add(finding.Id);
        }

        if (!_notified.TryAdd($"{finding.Id}|escalate|{rule}", 0))
        {
            return;
        }

        var now = _time.GetUtcNow();
        _metrics.Escalated(finding.Code);
        await _audit.AppendAsync(new AuditEntry
        {
            ActionId = RepairExecutor.NewActionId(_time),
            At = now,
            Phase = AuditPhase.Escalated,
            Actor = _options.Actor,
            Mode = "autopilot",
            DryRun = _options.DryRun,
            FindingId = finding.Id,
            FindingCode = finding.Code,
            DetectedAt = _firstSeen.GetValueOrDefault(finding.Id, now),
            Target = plan?.Target ?? finding.Object,
            Remedy = plan?.Remedy,
            Kubectl = plan?.Kubectl,
            Why = reason,
            Policy = decision,
        }, ct);
        var escalation = new Escalation(finding.Id, finding.Code, finding.Severity, finding.Object, reason, now, plan?.Kubectl is { Length: > 0 } k ? k : null);
        foreach (var sink in _sinks)
        {
            try
            {
                await sink.NotifyAsync(escalation, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await _log.WriteLineAsync($"autopilot: notification failed: {ex.Message}");
            }
        }
    }

    private AutopilotStatus Status(int findings, ActionHistory history, DateTimeOffset now)
    {
        int total = 0, running = 0, error = 0, pending = 0;
        foreach (var state in _informers.Pods.Summaries())
        {
            total++;
            switch (state)
            {
                case PodState.Running:
                    running++;
                    break;
                case PodState.Pending:
                    pending++;
                    break;
                case PodState.Error:
                    error++;
                    break;
            }
        }

        int open;
        lock (_escalatedOpen)
        {
            open = _escalatedOpen.Count;
        }

        return new AutopilotStatus(total, running, error, pending, total == 0 ? 100 : running * 100.0 / total, findings,
            _actions, _succeeded, _rolledBack, _dryRunPlans, open, _evaluator.Circuit(history, now));
    }
}
