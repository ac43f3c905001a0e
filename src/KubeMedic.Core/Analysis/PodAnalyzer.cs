using System.Text.RegularExpressions;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;

namespace KubeMedic.Core.Analysis;

/// <summary>
/// Pod-level causes: OOM kills, crash loops, image pulls, missing config, scheduling, probes, lost nodes, evictions,
/// init containers. Problems are rolled up per owning workload (one finding per workload and code, listing the pods).
/// Succeeded pods and pods of completed Jobs are not failures.
/// </summary>
public sealed partial class PodAnalyzer : IAnalyzer
{
    private static readonly HashSet<string> ImagePullReasons = ["ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable"];
    private static readonly HashSet<string> CreateReasons = ["PreStartHookError", "PreCreateHookError", "RunContainerError", "ImageInspectError", "CreateContainerError"];

    public string Family => "pods";

    public IEnumerable<Finding> Analyze(AnalysisContext context)
    {
        var pods = context.Model.Pods;
        var chunk = context.Options.PodsPerChunk;
        List<PodIssue> issues;
        if (context.RunsInParallel && pods.Count >= 2 * chunk)
        {
            // Pods are independent: chunks run on all cores, and their issues are joined in pod order.
            var chunks = new List<PodIssue>[(pods.Count + chunk - 1) / chunk];
            Parallel.For(0, chunks.Length, i =>
            {
                var found = new List<PodIssue>();
                for (var p = i * chunk; p < Math.Min(pods.Count, (i + 1) * chunk); p++)
                {
                    Check(context, pods[p], found);
                }

                chunks[i] = found;
            });
            issues = [.. chunks.SelectMany(c => c)];
        }
        else
        {
            issues = [];
            foreach (var pod in pods)
            {
                Check(context, pod, issues);
            }
        }

        return RollUp(context, issues);
    }

    private static void Check(AnalysisContext context, PodInfo pod, List<PodIssue> issues)
    {
        if (pod.Phase != "Succeeded" && !IsPodOfCompletedJob(context, pod))
        {
            AnalyzePod(context, pod, issues);
        }
    }

    private static bool IsPodOfCompletedJob(AnalysisContext ctx, PodInfo pod) =>
        pod.ControllerOwner is { Kind: "Job" } o && ctx.FindJob(pod.Namespace ?? "", o.Name) is { IsComplete: true };

    internal static void AnalyzePod(AnalysisContext ctx, PodInfo pod, List<PodIssue> issues)
    {
        var events = ctx.Model.EventsFor(pod);
        if (pod.Reason == "Evicted" || (pod.Phase == "Failed" && pod.Reason is "Evicted" or "Preempting"))
        {
            issues.Add(Evicted(pod, events));
            return;
        }

        if (pod.Spec.NodeName is { } node && (ctx.IsNodeNotReady(node) || pod.Reason == "NodeLost")
            && (pod.Phase == "Unknown" || pod.DeletionTimestamp is not null || pod.Reason == "NodeLost" || !pod.IsReady))
        {
            issues.Add(NodeLost(ctx, pod, node));
            return;
        }

        var scheduled = pod.FindCondition("PodScheduled");
        if (pod.Phase == "Pending" && scheduled is { Reason: "Unschedulable" or "SchedulingGated" })
        {
            issues.Add(Unschedulable(ctx, pod, scheduled, events));
            return;
        }

        var before = issues.Count;
        foreach (var cs in pod.InitContainerStatuses)
        {
            AnalyzeInitContainer(ctx, pod, cs, events, issues);
        }

        foreach (var cs in pod.ContainerStatuses)
        {
            AnalyzeContainer(ctx, pod, cs, events, issues);
        }

        if (issues.Count == before && pod.Phase == "Pending" && LatestEvent(events, "FailedMount", "FailedCreatePodSandBox", "FailedAttachVolume") is { } creating)
        {
            issues.Add(CreateFailure(pod, null, creating.Message, [Quote.Event(creating)]));
        }
    }

    private static void AnalyzeInitContainer(AnalysisContext ctx, PodInfo pod, ContainerStatusInfo cs, IReadOnlyList<EventInfo> events, List<PodIssue> issues)
    {
        var state = cs.State;
        if (state is { IsWaiting: true } && state.Reason is { } r && ImagePullReasons.Contains(r))
        {
            issues.Add(ImagePull(ctx, pod, cs, state, events));
            return;
        }

        if (state is { IsWaiting: true, Reason: "CreateContainerConfigError" })
        {
            issues.Add(ConfigMissing(ctx, pod, cs, state.Message, events));
            return;
        }

        var crashing = state is { IsWaiting: true, Reason: "CrashLoopBackOff" } || state is { IsTerminated: true, ExitCode: not 0 and not null };
        if (!crashing || pod.Phase == "Running")
        {
            return;
        }

        var last = cs.LastState is { IsTerminated: true } ls ? ls : state!.IsTerminated ? state : null;
        var evidence = new List<Evidence> { Quote.State(pod, cs, state!, "state") };
        if (last is not null && last != state)
        {
            evidence.Add(Quote.State(pod, cs, last, "lastState"));
        }

        AddLogEvidence(ctx, pod, cs.Name, evidence);
        var exit = last?.ExitCode;
        issues.Add(new PodIssue(pod, FindingCodes.InitFailing, exit is { } e ? $"exit-code-{e}" : state!.Reason?.ToLowerInvariant(), Severity.High,
            $"init container {cs.Name} fails (exit code {exit?.ToString() ?? "?"}, {cs.RestartCount} restarts); the pod never starts",
            $"Init container {cs.Name} exits with code {exit?.ToString() ?? "?"}" + (last?.Reason is { } lr ? $" ({lr})" : "") + "; the main containers wait for it, so the pod stays in Init.",
            evidence,
            new Fix($"Read the init container's log and fix what it waits for (a dependency, a migration, a config value).",
                [$"kubectl logs {pod.Name} -n {pod.Namespace} -c {cs.Name} --previous", $"kubectl describe pod {pod.Name} -n {pod.Namespace}"]),
            [], cs.Name));
    }

    private static void AnalyzeContainer(AnalysisContext ctx, PodInfo pod, ContainerStatusInfo cs, IReadOnlyList<EventInfo> events, List<PodIssue> issues)
    {
        var state = cs.State;
        var waitingReason = state is { IsWaiting: true } ? state.Reason : null;
        if (waitingReason is not null && ImagePullReasons.Contains(waitingReason))
        {
            issues.Add(ImagePull(ctx, pod, cs, state!, events));
            return;
        }

        if (waitingReason == "CreateContainerConfigError"
            || (waitingReason == "CreateContainerError" && ParseMissingConfig(state!.Message) is not null))
        {
            issues.Add(ConfigMissing(ctx, pod, cs, state!.Message, events));
            return;
        }

        if (waitingReason is not null && CreateReasons.Contains(waitingReason))
        {
            if (!string.IsNullOrWhiteSpace(state!.Message))
            {
                issues.Add(CreateFailure(pod, cs.Name, state.Message, [Quote.State(pod, cs, state, "state")]));
            }

            return;
        }

        if (IsOom(cs.State) || IsOom(cs.LastState))
        {
            issues.Add(OomKilled(ctx, pod, cs, events));
            return;
        }

        if (waitingReason == "CrashLoopBackOff")
        {
            issues.Add(LivenessEvents(events, cs.Name).Count > 0 ? LivenessRestarts(ctx, pod, cs, events) : CrashLoop(ctx, pod, cs, events));
            return;
        }

        if (waitingReason == "ContainerCreating" && pod.Phase == "Pending")
        {
            if (LatestEvent(events) is { Reason: "FailedMount" or "FailedCreatePodSandBox" } ev && !string.IsNullOrEmpty(ev.Message))
            {
                issues.Add(ParseMissingConfig(ev.Message) is not null ? ConfigMissing(ctx, pod, cs, ev.Message, events) : CreateFailure(pod, cs.Name, ev.Message, [Quote.Event(ev)]));
            }

            return;
        }

        if (state is { IsTerminated: true, ExitCode: not 0 and not null } && pod.Phase == "Failed")
        {
            issues.Add(CrashLoop(ctx, pod, cs, events));
            return;
        }

        if ((state is null || state.IsRunning) && !cs.Ready && pod.Phase == "Running")
        {
            var unhealthy = events.Where(e => e.Reason == "Unhealthy" && !e.Message.Contains("Liveness", StringComparison.OrdinalIgnoreCase)).ToList();
            if (unhealthy.Count > 0)
            {
                issues.Add(ReadinessFailing(pod, cs, unhealthy));
            }

            return;
        }

        if (cs.RestartCount >= ctx.Options.RestartThreshold && cs.LastState is { IsTerminated: true })
        {
            issues.Add(LivenessEvents(events, cs.Name).Count > 0 ? LivenessRestarts(ctx, pod, cs, events) : CrashLoop(ctx, pod, cs, events) with { Severity = Severity.Medium, SubReason = "restarting" });
        }
    }

    private static bool IsOom(ContainerState? s) => s is { IsTerminated: true, Reason: "OOMKilled" };

    /// <summary>Restarts from which an OOM in lastState is a loop, not a one-off.</summary>
    internal const int OomLoopRestarts = 3;

    /// <summary>How recent an OOM kill or a BackOff event must be for a container that is Ready now to count as still looping.</summary>
    internal static readonly TimeSpan OomLoopWindow = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Why a container whose last termination was OOMKilled is in an active OOM loop (repeated restarts, a recent kill,
    /// a recent BackOff/OOMKilling event), or null when it is a single old OOM with a stable container since.
    /// The current Ready state does not matter: a leaking container is Ready between kills.
    /// </summary>
    private static string? OomLoop(AnalysisContext ctx, ContainerStatusInfo cs, IReadOnlyList<EventInfo> events)
    {
        if (cs.RestartCount >= OomLoopRestarts)
        {
            return $"{cs.RestartCount} restarts";
        }

        var since = ctx.Now - OomLoopWindow;
        if (cs.LastState is { FinishedAt: { } fin } && fin >= since)
        {
            return $"last kill {Quote.Time(fin)}";
        }

        if (cs.State is { IsRunning: true, StartedAt: { } started } && started >= since)
        {
            return $"running only since {Quote.Time(started)}";
        }

        var recent = events.FirstOrDefault(e => e.Reason is "BackOff" or "OOMKilling" && e.When is { } w && w >= since
                                               && (e.FieldPath is null || e.FieldPath.Contains(cs.Name, StringComparison.Ordinal)));
        return recent is null ? null : $"{recent.Reason} event at {Quote.Time(recent.When)}";
    }

    private static EventInfo? LatestEvent(IReadOnlyList<EventInfo> events, params string[] reasons) =>
        reasons.Length == 0 ? events.FirstOrDefault() : events.FirstOrDefault(e => reasons.Contains(e.Reason));

    private static List<EventInfo> LivenessEvents(IReadOnlyList<EventInfo> events, string container) =>
        events.Where(e => (e.Reason == "Unhealthy" && e.Message.Contains("Liveness probe failed", StringComparison.OrdinalIgnoreCase))
                          || (e.Reason == "Killing" && e.Message.Contains("failed liveness probe", StringComparison.OrdinalIgnoreCase)))
            .Where(e => e.FieldPath is null || e.FieldPath.Contains(container, StringComparison.Ordinal)).ToList();

    private static void AddLogEvidence(AnalysisContext ctx, PodInfo pod, string container, List<Evidence> evidence, int lines = 5)
    {
        var log = ctx.Model.FindLog(pod.Namespace ?? "", pod.Name, container, previous: true) ?? ctx.Model.FindLog(pod.Namespace ?? "", pod.Name, container, previous: false);
        if (log is null || log.Lines.Count == 0)
        {
            return;
        }

        foreach (var line in log.Lines.TakeLast(lines))
        {
            evidence.Add(new Evidence(EvidenceSource.Log, $"{pod.Name}/{container}{(log.Previous ? " (previous)" : "")}: {Quote.Trim(line, 200)}"));
        }
    }

    private static PodIssue OomKilled(AnalysisContext ctx, PodInfo pod, ContainerStatusInfo cs, IReadOnlyList<EventInfo> events)
    {
        var spec = pod.Spec.FindContainer(cs.Name);
        var oomState = IsOom(cs.State) ? cs.State! : cs.LastState!;
        var which = IsOom(cs.State) ? "state" : "lastState";
        var limit = spec?.Limits.MemoryBytes;
        var limitText = spec?.MemoryLimitText ?? (limit is { } l ? Quantity.FormatBytes(l) : null);
        var evidence = new List<Evidence> { Quote.State(pod, cs, oomState, which) };
        if (cs.State is { IsWaiting: true } w)
        {
            evidence.Add(Quote.State(pod, cs, w, "state"));
        }

        evidence.Add(new Evidence(EvidenceSource.Spec, limitText is null
            ? $"container {cs.Name} has no memory limit: the kernel OOM killer fired on node pressure"
            : $"container {cs.Name} resources.limits.memory: {limitText}" + (spec?.MemoryRequestText is { } req ? $" (requests.memory: {req})" : "")));
        evidence.AddRange(events.Where(e => e.Reason is "BackOff" or "OOMKilling").Take(2).Select(Quote.Event));
        AddLogEvidence(ctx, pod, cs.Name, evidence);
        var loop = OomLoop(ctx, cs, events);
        var recovered = cs.Ready && !IsOom(cs.State) && loop is null;
        var newLimit = limit is { } lim ? Quantity.FormatBytes(lim * 2) : "1Gi";
        var (obj, _) = ctx.RollUp(pod);
        var target = AnalysisContext.Target(obj);
        var sub = recovered ? "recovered"
            : cs.State is { IsWaiting: true, Reason: "CrashLoopBackOff" } ? "crash-loop"
            : IsOom(cs.State) ? "killed"
            : "oom-loop";
        return new PodIssue(pod, FindingCodes.OomKilled, sub,
            recovered ? Severity.Medium : Severity.High,
            $"container {cs.Name} OOMKilled (exit 137) at limit {limitText ?? "none"}, {cs.RestartCount} restarts"
                + (recovered ? "; Ready again and stable since, OOM only in lastState" : sub == "oom-loop" ? $"; OOM loop: Ready only between kills ({loop})" : ""),
            limitText is null
                ? $"Container {cs.Name} has no memory limit and was OOM-killed by the kernel under node memory pressure."
                : $"Container {cs.Name} needs more memory than its {limitText} limit: the kernel OOM-killed it (exit code 137){(cs.RestartCount > 0 ? $" and it has restarted {cs.RestartCount} times" : "")}. Either the limit is too low for the workload or the process leaks memory (check heap/goroutine growth after the last deploy).",
            evidence,
            new Fix($"Raise the memory limit of {cs.Name} to {newLimit} to stop the kills now, then find the growth (compare memory before/after the last rollout; profile the heap).",
                [$"kubectl set resources {target} -c {cs.Name} --limits=memory={newLimit}", $"kubectl logs {pod.Name} -n {pod.Namespace} -c {cs.Name} --previous", $"kubectl top pod -n {pod.Namespace} {pod.Name} --containers"],
                obj.Kind is "Deployment" or "StatefulSet" or "DaemonSet" or "ReplicaSet" ? Patches.ContainerMemory(cs.Name, newLimit) : null),
            [], cs.Name);
    }

    private static PodIssue CrashLoop(AnalysisContext ctx, PodInfo pod, ContainerStatusInfo cs, IReadOnlyList<EventInfo> events)
    {
        var last = cs.LastState is { IsTerminated: true } ls ? ls : cs.State is { IsTerminated: true } st ? st : null;
        var evidence = new List<Evidence>();
        if (cs.State is { } s)
        {
            evidence.Add(Quote.State(pod, cs, s, "state"));
        }

        if (last is not null && last != cs.State)
        {
            evidence.Add(Quote.State(pod, cs, last, "lastState"));
        }

        evidence.AddRange(events.Where(e => e.Reason is "BackOff" or "Failed").Take(2).Select(Quote.Event));
        AddLogEvidence(ctx, pod, cs.Name, evidence);
        var exit = last?.ExitCode;
        var message = last?.Message is { Length: > 0 } m ? $" Termination message: \"{Quote.Trim(m, 200)}\"." : "";
        var meaning = exit switch
        {
            1 => "the application exited with an error",
            2 => "the application exited with a usage/config error",
            126 or 127 => "the command could not be run (wrong command or entrypoint)",
            137 => "the process was killed (SIGKILL)",
            139 => "the process crashed (segmentation fault)",
            143 => "the process was terminated (SIGTERM)",
            null => "the container keeps terminating",
            _ => "the application exited with a non-zero code",
        };
        var (obj, _) = ctx.RollUp(pod);
        return new PodIssue(pod, FindingCodes.CrashLoop, exit is { } e ? $"exit-code-{e}" : cs.State?.Reason?.ToLowerInvariant(), Severity.High,
            $"container {cs.Name} crash-looping: exit code {exit?.ToString() ?? "?"}{(last?.Reason is { } r ? $" ({r})" : "")}, {cs.RestartCount} restarts",
            $"Container {cs.Name} exits with code {exit?.ToString() ?? "?"}: {meaning}.{message} Kubernetes restarts it with growing back-off.",
            evidence,
            new Fix("Read the previous instance's log for the error; fix the configuration or roll back the change that introduced it.",
                [$"kubectl logs {pod.Name} -n {pod.Namespace} -c {cs.Name} --previous --tail=50", $"kubectl describe pod {pod.Name} -n {pod.Namespace}",
                 .. obj.Kind == "Deployment" ? new[] { $"kubectl rollout undo {AnalysisContext.Target(obj)}" } : []]),
            [], cs.Name);
    }

    private static PodIssue LivenessRestarts(AnalysisContext ctx, PodInfo pod, ContainerStatusInfo cs, IReadOnlyList<EventInfo> events)
    {
        var spec = pod.Spec.FindContainer(cs.Name);
        var liveness = LivenessEvents(events, cs.Name);
        var evidence = new List<Evidence>();
        evidence.AddRange(liveness.Take(2).Select(Quote.Event));
        if (cs.LastState is { } last)
        {
            evidence.Add(Quote.State(pod, cs, last, "lastState"));
        }

        // What the probe remedy reads: how long the killed run lasted, whether the container was Ready, the readiness probe and
        // its failures (a passing readiness path on the same port is the candidate when the liveness path gets 404), the ports.
        if (cs.LastState is { IsTerminated: true, StartedAt: { } started, FinishedAt: { } finished } && finished >= started)
        {
            evidence.Add(new Evidence(EvidenceSource.Status, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"container {cs.Name} last run lasted {(long)(finished - started).TotalSeconds}s (startedAt={Quote.Time(started)} finishedAt={Quote.Time(finished)}, exitCode={cs.LastState.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}); Ready now: {(cs.Ready ? "true" : "false")}")));
        }

        if (spec?.Liveness is { } probe)
        {
            evidence.Add(new Evidence(EvidenceSource.Spec, $"container {cs.Name} livenessProbe: {probe}"));
        }

        if (spec?.Readiness is { } readiness)
        {
            evidence.Add(new Evidence(EvidenceSource.Spec, $"container {cs.Name} readinessProbe: {readiness}"));
        }

        if (spec is { Ports.Count: > 0 })
        {
            evidence.Add(new Evidence(EvidenceSource.Spec, $"container {cs.Name} ports: {string.Join(", ", spec.Ports.Select(p => $"{p.Port}/{p.Protocol}" + (p.Name is null ? "" : $" ({p.Name})")))}"));
        }

        evidence.AddRange(events.Where(e => e.Reason == "Unhealthy" && e.Message.Contains("Readiness probe failed", StringComparison.OrdinalIgnoreCase)
                                            && (e.FieldPath is null || e.FieldPath.Contains(cs.Name, StringComparison.Ordinal))).Take(1).Select(Quote.Event));
        AddLogEvidence(ctx, pod, cs.Name, evidence, 3);
        var slowStart = spec?.Liveness is { InitialDelaySeconds: < 10 } && spec.Startup is null;
        return new PodIssue(pod, FindingCodes.LivenessRestarts, slowStart ? "probe-too-early" : "probe-failing", Severity.Medium,
            $"liveness probe of {cs.Name} fails; kubelet restarted it {cs.RestartCount} times",
            $"The kubelet kills container {cs.Name} because its liveness probe fails" + (slowStart ? " — the probe starts before the application is up (no startupProbe, short initialDelaySeconds)." : " — the endpoint is wrong, too strict, or the app hangs."),
            evidence,
            new Fix("Check the probe's path/port against the app; add a startupProbe or raise initialDelaySeconds/failureThreshold for slow starts.",
                [$"kubectl describe pod {pod.Name} -n {pod.Namespace}", $"kubectl logs {pod.Name} -n {pod.Namespace} -c {cs.Name} --previous"]),
            [], cs.Name);
    }

    private static PodIssue ReadinessFailing(PodInfo pod, ContainerStatusInfo cs, List<EventInfo> unhealthy)
    {
        var evidence = new List<Evidence> { new(EvidenceSource.Status, $"pod {pod.Name} container {cs.Name} is Running but not Ready (restartCount {cs.RestartCount})") };
        evidence.AddRange(unhealthy.Take(2).Select(Quote.Event));
        var spec = pod.Spec.FindContainer(cs.Name);
        if (spec?.Readiness is { } probe)
        {
            evidence.Add(new Evidence(EvidenceSource.Spec, $"container {cs.Name} readinessProbe: {probe}"));
        }

        var msg = unhealthy[0].Message;
        var sub = msg.Contains("404", StringComparison.Ordinal) || msg.Contains("statuscode", StringComparison.OrdinalIgnoreCase) ? "http-status"
            : msg.Contains("connection refused", StringComparison.OrdinalIgnoreCase) ? "connection-refused"
            : msg.Contains("timeout", StringComparison.OrdinalIgnoreCase) || msg.Contains("deadline", StringComparison.OrdinalIgnoreCase) ? "timeout"
            : "probe-failing";
        return new PodIssue(pod, FindingCodes.ReadinessFailing, sub, Severity.Medium,
            $"readiness probe of {cs.Name} failing: {Quote.Trim(msg, 120)}",
            $"Container {cs.Name} runs but its readiness probe fails ({Quote.Trim(msg, 160)}), so the pod receives no traffic and counts as unavailable."
                + (spec?.Readiness is { Handler: "httpGet" } p ? $" The probe calls {p.Path} on port {p.Port}: check that the app serves it." : ""),
            evidence,
            new Fix("Point the readiness probe at an endpoint the app serves (path and port), or fix the dependency that makes it report unready.",
                [$"kubectl describe pod {pod.Name} -n {pod.Namespace}", $"kubectl logs {pod.Name} -n {pod.Namespace} -c {cs.Name} --tail=50"]),
            [], cs.Name);
    }

    private static PodIssue ImagePull(AnalysisContext ctx, PodInfo pod, ContainerStatusInfo cs, ContainerState state, IReadOnlyList<EventInfo> events)
    {
        var spec = pod.Spec.FindContainer(cs.Name);
        var image = spec?.Image ?? cs.Image ?? "?";
        var pullEvents = events.Where(e => e.Reason is "Failed" or "BackOff" or "InspectFailed" or "ErrImageNeverPull"
            && (e.Message.Contains("image", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("pull", StringComparison.OrdinalIgnoreCase))).ToList();
        var allText = string.Join(" ", pullEvents.Select(e => e.Message).Prepend(state.Message ?? "").Prepend(state.Reason ?? ""));
        var sub = ClassifyPullFailure(allText);
        var evidence = new List<Evidence> { Quote.State(pod, cs, state, "state") };
        evidence.AddRange(pullEvents.Where(e => e.Reason != "BackOff").Take(2).Select(Quote.Event));
        evidence.Add(new Evidence(EvidenceSource.Spec, $"container {cs.Name} image: {image}"));
        var (obj, _) = ctx.RollUp(pod);
        var previous = obj.Kind == "Deployment" ? LastWorkingImage(ctx, obj, pod, cs.Name, image) : null;
        if (previous is { } prev)
        {
            evidence.Add(new Evidence(EvidenceSource.History, $"revision {prev.Revision} of {obj.Kind.ToLowerInvariant()}/{obj.Name} ran {cs.Name} with image {prev.Image}"));
        }

        var why = sub switch
        {
            "not-found" => $"the image {image} (name or tag) does not exist in the registry",
            "unauthorized" => $"the registry refuses access to {image} (missing or wrong imagePullSecrets, or a private repository)",
            "rate-limited" => "the registry rate-limits pulls (e.g. Docker Hub's anonymous limit)",
            "network" => "the node cannot reach the registry (DNS, proxy, firewall)",
            "invalid-name" => $"the image reference {image} is not valid",
            _ => $"pulling {image} fails",
        };
        var target = AnalysisContext.Target(obj);
        var commands = new List<string>();
        if (previous is { } p)
        {
            commands.Add($"kubectl rollout undo {target} --to-revision={p.Revision}");
            commands.Add($"kubectl set image {target} {cs.Name}={p.Image}");
        }
        else
        {
            commands.Add($"kubectl set image {target} {cs.Name}=<image:existing-tag>");
        }

        commands.Add($"kubectl describe pod {pod.Name} -n {pod.Namespace}");
        return new PodIssue(pod, FindingCodes.ImagePull, sub, Severity.High,
            $"image {image} cannot be pulled ({sub})",
            $"Container {cs.Name} cannot start because {why}." + (previous is { } pp ? $" Revision {pp.Revision} ran {pp.Image}." : ""),
            evidence,
            new Fix(previous is { } p2 ? $"Roll back to revision {p2.Revision} (image {p2.Image}), or set an image tag that exists." : "Set an image reference that exists and that the nodes may pull.",
                commands, previous is { } p3 && obj.Kind is "Deployment" ? Patches.ContainerImage(cs.Name, p3.Image) : null),
            [], cs.Name);
    }

    internal static string ClassifyPullFailure(string text)
    {
        var t = text.ToLowerInvariant();
        if (t.Contains("invalidimagename") || t.Contains("invalid reference format") || t.Contains("couldn't parse image"))
        {
            return "invalid-name";
        }

        if (t.Contains("toomanyrequests") || t.Contains("rate limit") || t.Contains("429"))
        {
            return "rate-limited";
        }

        if (t.Contains("unauthorized") || t.Contains("authentication required") || t.Contains("403 forbidden") || t.Contains("denied: ") || t.Contains("no basic auth credentials"))
        {
            return "unauthorized";
        }

        if (t.Contains("not found") || t.Contains("manifest unknown") || t.Contains("does not exist") || t.Contains("pull access denied"))
        {
            return "not-found";
        }

        if (t.Contains("dial tcp") || t.Contains("i/o timeout") || t.Contains("no such host") || t.Contains("connection refused") || t.Contains("tls handshake")
            || t.Contains("network is unreachable") || t.Contains("context deadline exceeded"))
        {
            return "network";
        }

        return t.Contains("back-off pulling image") || t.Contains("imagepullbackoff") || t.Contains("errimagepull") ? "not-found" : "unknown";
    }

    /// <summary>The newest older revision of a Deployment whose image for this container differs from the failing one.</summary>
    private static (long Revision, string Image)? LastWorkingImage(AnalysisContext ctx, ObjectRef deployment, PodInfo pod, string container, string failingImage)
    {
        var dep = ctx.Model.FindDeployment(deployment.Namespace ?? "", deployment.Name);
        if (dep is null)
        {
            return null;
        }

        var podRs = pod.ControllerOwner?.Name;
        var currentRevision = ctx.Model.ReplicaSetsOf(dep).FirstOrDefault(r => r.Name == podRs)?.Revision ?? long.MaxValue;
        return ctx.Model.ReplicaSetsOf(dep)
            .Where(r => (r.Revision ?? 0) < currentRevision && r.Name != podRs)
            .Select(r => (Revision: r.Revision ?? 0, Image: r.Template.Spec.Containers.FirstOrDefault(c => c.Name == container)?.Image))
            .Where(x => x.Image is not null && x.Image != failingImage)
            .Select(x => ((long, string)?)(x.Revision, x.Image!))
            .FirstOrDefault();
    }

    [GeneratedRegex("""(configmap|secret)s? "?([a-z0-9.\-]+)"? not found""", RegexOptions.IgnoreCase)]
    private static partial Regex MissingObjectRegex();

    [GeneratedRegex("""couldn't find key ([^\s]+) in (ConfigMap|Secret) ([a-z0-9.\-]+)/([a-z0-9.\-]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex MissingKeyRegex();

    /// <summary>Parses kubelet messages naming a missing ConfigMap/Secret (and key).</summary>
    internal static (string Kind, string Name, string? Key)? ParseMissingConfig(string? message)
    {
        if (string.IsNullOrEmpty(message))
        {
            return null;
        }

        var key = MissingKeyRegex().Match(message);
        if (key.Success)
        {
            return (Cap(key.Groups[2].Value), key.Groups[4].Value, key.Groups[1].Value);
        }

        var obj = MissingObjectRegex().Match(message);
        return obj.Success ? (Cap(obj.Groups[1].Value), obj.Groups[2].Value, null) : null;

        static string Cap(string kind) => kind.Equals("configmap", StringComparison.OrdinalIgnoreCase) ? "ConfigMap" : "Secret";
    }

    private static PodIssue ConfigMissing(AnalysisContext ctx, PodInfo pod, ContainerStatusInfo cs, string? message, IReadOnlyList<EventInfo> events)
    {
        var parsed = ParseMissingConfig(message)
            ?? events.Select(e => ParseMissingConfig(e.Message)).FirstOrDefault(p => p is not null)
            ?? FindMissingByModel(ctx, pod);
        var evidence = new List<Evidence>();
        if (cs.State is { } s)
        {
            evidence.Add(Quote.State(pod, cs, s, "state"));
        }

        evidence.AddRange(events.Where(e => e.Reason is "Failed" or "FailedMount").Take(2).Select(Quote.Event));
        var what = parsed is { } p ? p.Key is null ? $"{p.Kind} {p.Name}" : $"key {p.Key} in {p.Kind} {p.Name}" : "a referenced ConfigMap or Secret";
        if (parsed is { } pr)
        {
            var refs = pod.Spec.Containers.SelectMany(c => c.EnvRefs).Where(r => r.Name == pr.Name).Select(r => $"env {r.EnvName ?? "(envFrom)"} <- {r.Kind} {r.Name}{(r.Key is null ? "" : "/" + r.Key)}")
                .Concat(pod.Spec.Volumes.Where(v => v.Name == pr.Name).Select(v => $"volume {v.VolumeName} <- {v.Kind} {v.Name}"));
            evidence.AddRange(refs.Take(3).Select(r => new Evidence(EvidenceSource.Spec, r)));
            if (ctx.Model.KindsPresent.Contains(pr.Kind))
            {
                evidence.Add(new Evidence(EvidenceSource.Status, $"{pr.Kind} {pod.Namespace}/{pr.Name} {(pr.Key is null ? "does not exist in the snapshot" : "exists but has no key " + pr.Key)}"));
            }
        }

        var sub = parsed is { Key: not null } ? "missing-key" : parsed?.Kind == "Secret" ? "missing-secret" : "missing-configmap";
        var commands = parsed is { } q
            ? q.Kind == "ConfigMap"
                ? new List<string> { $"kubectl create configmap {q.Name} -n {pod.Namespace} --from-literal={q.Key ?? "KEY"}=VALUE", $"kubectl get configmap -n {pod.Namespace}" }
                : [$"kubectl create secret generic {q.Name} -n {pod.Namespace} --from-literal={q.Key ?? "KEY"}=VALUE", $"kubectl get secret -n {pod.Namespace}"]
            : [$"kubectl describe pod {pod.Name} -n {pod.Namespace}"];
        return new PodIssue(pod, FindingCodes.ConfigMissing, sub, Severity.High,
            $"container {cs.Name} cannot start: {what} is missing",
            $"The pod references {what}, which does not exist in namespace {pod.Namespace}; the kubelet cannot create container {cs.Name}.",
            evidence,
            new Fix($"Create {what} (or correct the reference / mark it optional).", commands),
            [], cs.Name);
    }

    private static (string Kind, string Name, string? Key)? FindMissingByModel(AnalysisContext ctx, PodInfo pod)
    {
        foreach (var r in pod.Spec.Containers.SelectMany(c => c.EnvRefs).Where(r => !r.Optional))
        {
            var kind = r.Kind == ConfigRefKind.ConfigMap ? "ConfigMap" : "Secret";
            if (!ctx.Model.KindsPresent.Contains(kind))
            {
                continue;
            }

            IReadOnlyList<string>? keys = r.Kind == ConfigRefKind.ConfigMap
                ? ctx.Model.ConfigMaps.FirstOrDefault(c => c.Namespace == pod.Namespace && c.Name == r.Name)?.Keys
                : ctx.Model.Secrets.FirstOrDefault(c => c.Namespace == pod.Namespace && c.Name == r.Name)?.Keys;
            if (keys is null)
            {
                return (kind, r.Name, null);
            }

            if (r.Key is not null && !keys.Contains(r.Key))
            {
                return (kind, r.Name, r.Key);
            }
        }

        return null;
    }

    private static PodIssue CreateFailure(PodInfo pod, string? container, string message, List<Evidence> evidence) =>
        new(pod, ExtraFindingCodes.ContainerCreateFailed,
            message.Contains("sandbox", StringComparison.OrdinalIgnoreCase) ? "sandbox" : message.Contains("mount", StringComparison.OrdinalIgnoreCase) ? "mount" : "create",
            Severity.High,
            $"{(container is null ? "pod" : "container " + container)} cannot be created: {Quote.Trim(message, 120)}",
            $"The kubelet fails to create {(container is null ? "the pod" : "container " + container)}: {Quote.Trim(message, 240)}",
            evidence,
            new Fix("Fix what the message names (CNI/sandbox, volume, or lifecycle hook), then delete the pod to retry.",
                [$"kubectl describe pod {pod.Name} -n {pod.Namespace}", $"kubectl get events -n {pod.Namespace} --field-selector involvedObject.name={pod.Name}"]),
            [], container);

    private static PodIssue Evicted(PodInfo pod, IReadOnlyList<EventInfo> events)
    {
        var msg = string.IsNullOrWhiteSpace(pod.Message) ? $"Pod {pod.Name} has been evicted" : pod.Message;
        var sub = msg.Contains("memory", StringComparison.OrdinalIgnoreCase) ? "memory-pressure"
            : msg.Contains("ephemeral", StringComparison.OrdinalIgnoreCase) || msg.Contains("Disk", StringComparison.OrdinalIgnoreCase) ? "disk-pressure"
            : "evicted";
        var evidence = new List<Evidence> { new(EvidenceSource.Status, $"pod {pod.Name} status.reason=Evicted message=\"{Quote.Trim(msg)}\"") };
        evidence.AddRange(events.Where(e => e.Reason == "Evicted").Take(1).Select(Quote.Event));
        return new PodIssue(pod, FindingCodes.Evicted, sub, Severity.Low,
            $"pod evicted: {Quote.Trim(msg, 120)}",
            $"The kubelet evicted the pod: {Quote.Trim(msg, 200)}" + (sub == "evicted" ? "" : " Set requests that match real usage so the pod is not the first evicted."),
            evidence,
            new Fix("Delete the evicted pod record; set memory/ephemeral-storage requests close to real usage; relieve the node's pressure.",
                [$"kubectl delete pod {pod.Name} -n {pod.Namespace}"]),
            []);
    }

    private static PodIssue NodeLost(AnalysisContext ctx, PodInfo pod, string node)
    {
        var n = ctx.Model.FindNode(node);
        var evidence = new List<Evidence>
        {
            new(EvidenceSource.Status, $"pod {pod.Name} phase={pod.Phase ?? "?"}{(pod.Reason is { } r ? " reason=" + r : "")}{(pod.DeletionTimestamp is { } d ? $" deletionTimestamp={Quote.Time(d)} (Terminating)" : "")} on node {node}"),
        };
        if (n?.FindCondition("Ready") is { } ready)
        {
            evidence.Add(new Evidence(EvidenceSource.Status, $"node {node} Ready={ready.Status} reason={ready.Reason ?? "-"} lastHeartbeat={Quote.Time(ready.LastHeartbeatTime)}"));
        }

        var pin = AnalysisContext.PinDescription(pod.Spec, includeNodeName: false);
        if (pin is not null)
        {
            evidence.Add(new Evidence(EvidenceSource.Spec, $"pod is pinned to the node by {pin}"));
        }

        var (obj, _) = ctx.RollUp(pod);
        return new PodIssue(pod, FindingCodes.NodeLost, pin is null ? "node-not-ready" : "pinned-to-lost-node", Severity.High,
            $"pod stuck {(pod.DeletionTimestamp is null ? pod.Phase : "Terminating")} on NotReady node {node}" + (pin is null ? "" : $" ({pin})"),
            $"Node {node} stopped reporting, so pod {pod.Name} is {(pod.Phase == "Unknown" ? "Unknown" : "unavailable")}" + (pin is null
                ? "; the controller cannot replace it until the node is declared lost or the pod is deleted."
                : $"; it is pinned to that node by {pin}, so no replacement can run anywhere else."),
            evidence,
            new Fix(pin is null ? $"Recover node {node}, or force-delete the stranded pod so it is rescheduled." : $"Remove the pin ({pin}) so the pod can run elsewhere, then force-delete the stranded pod.",
                [.. pin is not null && obj.Kind != "Pod" ? new[] { $"kubectl patch {AnalysisContext.Target(obj)} --type merge -p '{{\"spec\":{{\"template\":{{\"spec\":{{\"nodeSelector\":null}}}}}}}}'" } : [],
                 $"kubectl delete pod {pod.Name} -n {pod.Namespace} --grace-period=0 --force", $"kubectl describe node {node}"],
                pin is not null && obj.Kind != "Pod" && pod.Spec.NodeSelector.ContainsKey("kubernetes.io/hostname") ? Patches.RemoveNodeSelector("kubernetes.io/hostname") : null),
            [new RelatedFinding(FindingCodes.NodeNotReady, new ObjectRef("Node", null, node), "caused-by")]);
    }

    [GeneratedRegex(@"(\d+) ([^,]+?)(?=, \d+ |$)")]
    private static partial Regex SchedulerReasonRegex();

    /// <summary>Parses the scheduler's "0/N nodes are available: ..." message into (sub-reason, node count, text).</summary>
    internal static IReadOnlyList<(string SubReason, int Nodes, string Text)> ParseSchedulerMessage(string message)
    {
        var result = new List<(string, int, string)>();
        var body = message;
        var idx = body.IndexOf("nodes are available:", StringComparison.Ordinal);
        if (idx >= 0)
        {
            body = body[(idx + "nodes are available:".Length)..];
            var pre = body.IndexOf("preemption:", StringComparison.Ordinal);
            if (pre >= 0)
            {
                body = body[..pre];
            }

            body = body.Trim().TrimEnd('.').Trim();
            foreach (Match m in SchedulerReasonRegex().Matches(body))
            {
                result.Add((Classify(m.Groups[2].Value), int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[2].Value.Trim()));
            }
        }

        if (message.Contains("unbound immediate PersistentVolumeClaims", StringComparison.OrdinalIgnoreCase) && result.All(r => r.Item1 != "unbound-pvc"))
        {
            result.Add(("unbound-pvc", 0, "pod has unbound immediate PersistentVolumeClaims"));
        }

        if (result.Count == 0)
        {
            result.Add((Classify(message), 0, message));
        }

        return result;

        static string Classify(string text)
        {
            var t = text.ToLowerInvariant();
            return t.Contains("insufficient cpu") ? "insufficient-cpu"
                : t.Contains("insufficient memory") ? "insufficient-memory"
                : t.Contains("insufficient ") ? "insufficient-" + t[(t.IndexOf("insufficient ", StringComparison.Ordinal) + 13)..].Trim().Replace('/', '-').Replace('.', '-')
                : t.Contains("too many pods") ? "too-many-pods"
                : t.Contains("taint") || t.Contains("were unschedulable") ? "untolerated-taint"
                : t.Contains("affinity") || t.Contains("selector") ? "node-affinity"
                : t.Contains("persistentvolumeclaim") || t.Contains("volume") ? "unbound-pvc"
                : t.Contains("scheduling gate") || t.Contains("schedulinggated") ? "scheduling-gated"
                : "other";
        }
    }

    private static PodIssue Unschedulable(AnalysisContext ctx, PodInfo pod, Condition scheduled, IReadOnlyList<EventInfo> events)
    {
        if (scheduled.Reason == "SchedulingGated")
        {
            var text = string.IsNullOrEmpty(scheduled.Message)
                ? $"Pod {pod.Namespace}/{pod.Name} is in a SchedulingGated state and is blocked from scheduling due to non-empty scheduling gates"
                : scheduled.Message;
            return new PodIssue(pod, FindingCodes.Unschedulable, "scheduling-gated", Severity.Medium, text,
                "The pod has scheduling gates; the scheduler ignores it until the controller that owns the gates removes them.",
                [new Evidence(EvidenceSource.Status, $"pod {pod.Name} PodScheduled=False reason=SchedulingGated: {text}")],
                new Fix("Find the controller that should remove spec.schedulingGates (e.g. a queue admission controller).", [$"kubectl get pod {pod.Name} -n {pod.Namespace} -o jsonpath='{{.spec.schedulingGates}}'"]),
                []);
        }

        var failed = events.FirstOrDefault(e => e.Reason == "FailedScheduling");
        var message = !string.IsNullOrEmpty(scheduled.Message) ? scheduled.Message : failed?.Message ?? "unschedulable";
        var reasons = ParseSchedulerMessage(message);
        var main = reasons.OrderByDescending(r => r.Nodes).First();
        var evidence = new List<Evidence> { new(EvidenceSource.Status, $"pod {pod.Name} PodScheduled=False reason=Unschedulable: {Quote.Trim(message)}") };
        if (failed is not null)
        {
            evidence.Add(Quote.Event(failed));
        }

        var related = new List<RelatedFinding>();
        var requests = pod.Spec.Containers.Aggregate((Cpu: 0L, Mem: 0L), (acc, c) => (acc.Cpu + (c.Requests.CpuMillis ?? 0), acc.Mem + (c.Requests.MemoryBytes ?? 0)));
        var readyNodes = ctx.ReadyNodeHeadroom();
        string cause;
        Fix fix;
        var (obj, _) = ctx.RollUp(pod);
        var target = AnalysisContext.Target(obj);
        switch (main.SubReason)
        {
            case "insufficient-cpu" or "insufficient-memory":
                {
                    var isCpu = main.SubReason == "insufficient-cpu";
                    var req = isCpu ? requests.Cpu : requests.Mem;
                    string Fmt(long v) => isCpu ? Quantity.FormatCpu(v) : Quantity.FormatBytes(v);
                    var free = readyNodes.Select(n => (Node: n.Node.Name, Alloc: isCpu ? n.CpuAllocatable : n.MemoryAllocatable, Free: isCpu ? n.CpuFree : n.MemoryFree)).ToList();
                    var largest = free.Count == 0 ? default : free.MaxBy(f => f.Alloc);
                    var mostFree = free.Count == 0 ? default : free.MaxBy(f => f.Free);
                    evidence.Add(new Evidence(EvidenceSource.Spec, $"pod requests {(isCpu ? "cpu" : "memory")} {Fmt(req)} in total"));
                    if (free.Count > 0)
                    {
                        evidence.Add(new Evidence(EvidenceSource.Status, $"most free {(isCpu ? "cpu" : "memory")} on a Ready node: {Fmt(Math.Max(0, mostFree.Free))} on {mostFree.Node} (largest allocatable {Fmt(largest.Alloc)} on {largest.Node})"));
                    }

                    var biggest = pod.Spec.Containers.MaxBy(c => (isCpu ? c.Requests.CpuMillis : c.Requests.MemoryBytes) ?? 0);
                    cause = free.Count > 0 && req > largest.Alloc
                        ? $"The pod requests {Fmt(req)} {(isCpu ? "CPU" : "memory")}, more than any node can offer (largest allocatable {Fmt(largest.Alloc)}): it can never be scheduled as written."
                        : $"The pod requests {Fmt(req)} {(isCpu ? "CPU" : "memory")} and no Ready node has that much unrequested{(free.Count > 0 ? $" (most free: {Fmt(Math.Max(0, mostFree.Free))})" : "")}; the cluster is full by requests, not necessarily by usage.";
                    var suggested = free.Count > 0 && mostFree.Free * 2 >= req && biggest is not null ? Fmt(Math.Max(1, mostFree.Free * 8 / 10)) : null;
                    fix = new Fix(suggested is null ? "Lower the requests to what the app uses, scale down other workloads, or add nodes." : $"Lower {biggest!.Name}'s {(isCpu ? "cpu" : "memory")} request to what the app really uses (at most {suggested} fits now), or add nodes.",
                        [$"kubectl describe nodes | grep -A8 'Allocated resources'", $"kubectl top pods -n {pod.Namespace}",
                         .. suggested is not null && obj.Kind != "Pod" ? new[] { $"kubectl set resources {target} -c {biggest!.Name} --requests={(isCpu ? "cpu" : "memory")}={suggested}" } : []],
                        suggested is not null && obj.Kind is "Deployment" or "StatefulSet" or "DaemonSet" ? Patches.ContainerRequests(biggest!.Name, isCpu ? suggested : null, isCpu ? null : suggested) : null);
                    break;
                }

            case "untolerated-taint":
                {
                    var taints = readyNodes.Select(n => n.Node).Concat(ctx.Model.Nodes).Distinct().SelectMany(n => n.Taints.Where(t => t.Effect is "NoSchedule" or "NoExecute" && !pod.Spec.Tolerations.Any(tol => tol.Tolerates(t))).Select(t => (n.Name, t)))
                        .Take(5).ToList();
                    foreach (var (node, t) in taints)
                    {
                        evidence.Add(new Evidence(EvidenceSource.Spec, $"node {node} taint {t} (not tolerated by the pod)"));
                    }

                    cause = taints.Count > 0
                        ? $"Every candidate node carries a taint the pod does not tolerate (e.g. {taints[0].t} on {taints[0].Name})."
                        : "The nodes carry taints the pod does not tolerate.";
                    fix = new Fix("Remove the wrong taint from the node, or add a matching toleration to the pod template if it belongs there.",
                        [.. taints.Take(2).Select(t => $"kubectl taint nodes {t.Name} {t.t.Key}:{t.t.Effect}-"), "kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints"]);
                    foreach (var (node, t) in taints.Where(t => t.t.Key is "node.kubernetes.io/not-ready" or "node.kubernetes.io/unreachable"))
                    {
                        related.Add(new RelatedFinding(FindingCodes.NodeNotReady, new ObjectRef("Node", null, node), "caused-by"));
                    }

                    break;
                }

            case "node-affinity":
                {
                    var pin = AnalysisContext.PinDescription(pod.Spec, includeNodeName: false);
                    var selector = string.Join(", ", pod.Spec.NodeSelector.Select(kv => $"{kv.Key}={kv.Value}"));
                    if (selector.Length > 0)
                    {
                        evidence.Add(new Evidence(EvidenceSource.Spec, $"pod nodeSelector: {selector}"));
                    }

                    foreach (var term in pod.Spec.RequiredNodeAffinity.Take(2))
                    {
                        evidence.Add(new Evidence(EvidenceSource.Spec, $"required node affinity: {string.Join(" AND ", term)}"));
                    }

                    cause = pin is not null ? $"The pod is pinned by {pin}; that node cannot take it, and no other node matches." : "No schedulable node matches the pod's nodeSelector / required node affinity.";
                    fix = new Fix(pin is not null ? "Remove the hostname pin so the pod can run on any healthy node." : "Fix the nodeSelector/affinity to match labels your nodes carry, or label a node.",
                        ["kubectl get nodes --show-labels", .. pin is not null && obj.Kind != "Pod" && pod.Spec.NodeSelector.ContainsKey("kubernetes.io/hostname")
                            ? new[] { $"kubectl patch {target} --type merge -p '{{\"spec\":{{\"template\":{{\"spec\":{{\"nodeSelector\":null}}}}}}}}'" } : []],
                        pin is not null && obj.Kind is "Deployment" or "StatefulSet" && pod.Spec.NodeSelector.ContainsKey("kubernetes.io/hostname") ? Patches.RemoveNodeSelector("kubernetes.io/hostname") : null);
                    break;
                }

            case "unbound-pvc":
                {
                    var claims = pod.Spec.Volumes.Where(v => v.Kind == "PersistentVolumeClaim").Select(v => v.Name).ToList();
                    foreach (var claim in claims)
                    {
                        var pvc = ctx.Model.PersistentVolumeClaims.FirstOrDefault(p => p.Namespace == pod.Namespace && p.Name == claim);
                        evidence.Add(new Evidence(EvidenceSource.Status, $"PVC {claim}: {(pvc is null ? "not in snapshot" : "phase " + pvc.Phase)}"));
                        if (pvc is { Phase: "Pending" })
                        {
                            related.Add(new RelatedFinding(FindingCodes.PvcPending, pvc.Ref, "caused-by"));
                        }
                    }

                    cause = $"The pod waits for PersistentVolumeClaim(s) {string.Join(", ", claims)} to be bound.";
                    fix = new Fix("Fix the claim (storage class, provisioner, matching PV) — see the pvc-pending finding.", [.. claims.Select(c => $"kubectl describe pvc {c} -n {pod.Namespace}")]);
                    break;
                }

            case "too-many-pods":
                cause = "Every node is at its maximum pod count (status.allocatable.pods).";
                fix = new Fix("Add nodes or raise the kubelet's maxPods; remove finished pods.", ["kubectl get nodes -o custom-columns=NAME:.metadata.name,PODS:.status.allocatable.pods"]);
                break;
            default:
                cause = $"The scheduler cannot place the pod: {Quote.Trim(message, 200)}";
                fix = new Fix("Read the scheduler's message and relax the constraint it names.", [$"kubectl describe pod {pod.Name} -n {pod.Namespace}"]);
                break;
        }

        if (reasons.Count > 1)
        {
            cause += " Other nodes: " + string.Join("; ", reasons.Where(r => r != main).Select(r => $"{r.Nodes} {r.Text}")) + ".";
        }

        // A replacement pod pinned to (or only fitting) a lost node: the node is the root cause.
        if (AnalysisContext.PinnedNode(pod.Spec) is { } pinned && ctx.IsNodeNotReady(pinned))
        {
            related.Add(new RelatedFinding(FindingCodes.NodeNotReady, new ObjectRef("Node", null, pinned), "caused-by"));
            cause = $"The pod is pinned to node {pinned}, which is NotReady: " + cause;
        }

        return new PodIssue(pod, FindingCodes.Unschedulable, main.SubReason, Severity.High,
            $"pod Pending, unschedulable ({main.SubReason}): {Quote.Trim(message, 140)}",
            cause, evidence, fix, related.DistinctBy(r => (r.Code, r.Object)).ToList());
    }

    /// <summary>Groups per-pod issues into one finding per (workload, code).</summary>
    private static IEnumerable<Finding> RollUp(AnalysisContext ctx, List<PodIssue> issues)
    {
        foreach (var group in issues.GroupBy(i => (Obj: ctx.RollUp(i.Pod), i.Code)))
        {
            var (obj, owner) = group.Key.Obj;
            var list = group.ToList();
            var first = list[0];
            var pods = list.Select(i => i.Pod.Name).Distinct().ToList();
            var evidence = new List<Evidence>(first.Evidence);
            foreach (var other in list.Skip(1).Where(i => i.Pod != first.Pod || i.Container != first.Container).DistinctBy(i => (i.Pod, i.Container)).Take(3))
            {
                evidence.AddRange(other.Evidence.Take(1));
            }

            var severity = list.Max(i => i.Severity);
            if (severity >= Severity.High)
            {
                severity = ctx.EscalateForOutage(obj, severity);
            }

            // an OOM loop on every desired replica: no replica survives long, whatever Ready says between kills
            if (group.Key.Code == FindingCodes.OomKilled && severity == Severity.High && obj.Kind != "Pod"
                && ctx.Availability(obj) is { Desired: > 0 } avail
                && list.Where(i => i.Severity >= Severity.High).Select(i => i.Pod).Distinct().Count() >= avail.Desired)
            {
                severity = Severity.Critical;
            }

            var looping = list.Where(i => i.SubReason == "oom-loop" && i.Pod.IsReady).Select(i => i.Pod.Name).Distinct().ToList();
            var subReason = list.GroupBy(i => i.SubReason).OrderByDescending(g => g.Count()).First().Key;
            var scope = obj.Kind == "Pod" ? "" : pods.Count == 1 ? $"pod {pods[0]}: " : $"{pods.Count} pods: ";
            yield return new Finding
            {
                Code = group.Key.Code,
                Severity = severity,
                Object = obj,
                Owner = owner,
                Pods = pods,
                SubReason = subReason,
                Summary = scope + first.Summary,
                Cause = first.Cause,
                Evidence = evidence,
                Fix = first.Fix,
                Related = list.SelectMany(i => i.Related).DistinctBy(r => (r.Code, r.Object)).ToList(),
                Docs = FindingCatalog.DocsFor(group.Key.Code),
                LoopingPods = looping.Count > 0 ? looping : null,
            };
        }
    }
}
