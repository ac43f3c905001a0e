using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KubeMedic.Core.Findings;

namespace KubeMedic.Core.Remedies;

/// <summary>
/// liveness-restarts, three fixes tried in this order, each only on evidence (anything else escalates, no guessing):
/// <list type="number">
/// <item><c>fix-probe-port</c>: the probe targets a port (number or name) the container does not declare, and the container declares
/// exactly one plausible port (one TCP port, or the port its readiness probe uses): point the probe at it. Skipped when the probe got
/// an HTTP status back (something answers on that port).</item>
/// <item><c>fix-probe-path</c>: the kubelet reports <c>Liveness probe failed: HTTP probe failed with statuscode: 404</c>, and the
/// readiness probe calls another path on the same port and is not failing with an HTTP status itself: use the readiness path.</item>
/// <item><c>raise-initial-delay</c>: the container is killed before it starts listening: liveness failures are "connection refused",
/// the killed run ended with exit code 137/143, the container is not Ready and the run was no longer than the probe's kill window
/// (initialDelaySeconds + periodSeconds x (failureThreshold + 1)), i.e. no probe ever passed. initialDelaySeconds becomes
/// max(<see cref="RemedyOptions.MinInitialDelaySeconds"/>, 2 x current, 2 x the observed run), at most
/// <see cref="RemedyOptions.MaxInitialDelaySeconds"/>.</item>
/// </list>
/// </summary>
internal static partial class ProbeRemedy
{
    public static RemedyPlan Plan(Finding finding, RemedyContext ctx)
    {
        var target = ctx.Target;
        if (!RemedyEngine.HasTemplate(target))
        {
            return RemedyEngine.Escalation(finding, target, $"{target.Kind()} has no pod template to patch");
        }

        var container = RemedyEngine.PickContainer(finding, ctx, s => (s.Int("restartCount") ?? 0) > 0);
        if (container is null || container["livenessProbe"] is not JsonObject probe)
        {
            return RemedyEngine.Escalation(finding, target, "cannot find the container's liveness probe");
        }

        var name = container.Str("name")!;
        var facts = LivenessFacts.Read(finding, ctx.Pod, name);
        var handler = probe.ContainsKey("httpGet") ? "httpGet" : probe.ContainsKey("tcpSocket") ? "tcpSocket" : probe.ContainsKey("grpc") ? "grpc" : null;
        var ports = container.Objects("ports").ToList();

        // (a) the probe targets a port the container does not declare
        if (handler is not null && probe[handler]?["port"] is JsonValue portNode && ports.Count > 0 && facts.HttpStatus is null && !Declares(ports, portNode))
        {
            var portText = PortText(portNode);
            var candidates = ports.Where(p => (p.Str("protocol") ?? "TCP") == "TCP" && p.Int("containerPort") is not null).ToList();
            var pick = candidates.Count == 1 ? candidates[0] : ReadinessPort(container, candidates);
            if (pick is null)
            {
                return RemedyEngine.Escalation(finding, target,
                    $"the liveness probe of {name} checks port {portText}, which the container does not declare, and it declares {candidates.Count} TCP ports ({string.Join(", ", candidates.Select(Describe))}) with no readiness probe to tell which serves the check; picking one would be a guess");
            }

            var dp = pick.Int("containerPort")!.Value;
            var patch = RemedyEngine.ContainerPatch(target, name, new JsonObject { ["livenessProbe"] = new JsonObject { [handler] = new JsonObject { ["port"] = dp } } });
            var undo = RemedyEngine.ContainerPatch(target, name, new JsonObject { ["livenessProbe"] = new JsonObject { [handler] = new JsonObject { ["port"] = portNode.DeepClone() } } });
            return Probe(finding, target, RemedyIds.FixProbePort, patch, undo,
                $"the liveness probe of {name} checks port {portText} but the container only listens on {Describe(pick)}"
                    + (candidates.Count > 1 ? " (the port its readiness probe uses)" : "") + "; every probe fails and the kubelet restarts it"
                    + (facts.Failure is { } f ? $" (kubelet: \"{f}\")" : ""),
                $"point the probe back at port {portText}", RemedyRisk.Low);
        }

        // (b) the endpoint answers, but the path is wrong
        if (facts.HttpStatus is { } status)
        {
            return status == 404 && handler == "httpGet"
                ? PathFix(finding, ctx, container, probe, facts)
                : RemedyEngine.Escalation(finding, target,
                    $"the liveness endpoint of {name} answers HTTP {status.ToString(CultureInfo.InvariantCulture)}: the app reports itself unhealthy (or refuses the check); changing the probe would hide that");
        }

        // (c) killed before it starts listening
        return DelayFix(finding, ctx, name, probe, facts);
    }

    private static RemedyPlan PathFix(Finding finding, RemedyContext ctx, JsonObject container, JsonObject probe, LivenessFacts facts)
    {
        var target = ctx.Target;
        var name = container.Str("name")!;
        var live = (JsonObject)probe["httpGet"]!;
        var livePath = live.Str("path") ?? "/";
        if (container.At("readinessProbe", "httpGet") is not JsonObject ready)
        {
            return RemedyEngine.Escalation(finding, target,
                $"the liveness probe of {name} gets 404 on {livePath} and the container has no HTTP readiness probe to take a working path from; no guessing");
        }

        var readyPath = ready.Str("path") ?? "/";
        var livePort = ResolvePort(container, live["port"]);
        var readyPort = ResolvePort(container, ready["port"]);
        if (livePort is null || livePort != readyPort)
        {
            return RemedyEngine.Escalation(finding, target,
                $"the liveness probe of {name} gets 404 on {livePath} (port {PortText(live["port"])}); the readiness probe uses another port ({PortText(ready["port"])}), so its path proves nothing here");
        }

        if (readyPath == livePath)
        {
            return RemedyEngine.Escalation(finding, target, $"both probes of {name} call {livePath}, which returns 404; no other path is known to work");
        }

        if (facts.ReadinessHttpStatus is { } rs)
        {
            return RemedyEngine.Escalation(finding, target,
                $"the liveness probe of {name} gets 404 on {livePath}, but the readiness path {readyPath} fails too (HTTP {rs.ToString(CultureInfo.InvariantCulture)}); no path is known to work");
        }

        var patch = RemedyEngine.ContainerPatch(target, name, new JsonObject { ["livenessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = readyPath } } });
        var undo = RemedyEngine.ContainerPatch(target, name, new JsonObject { ["livenessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = live["path"]?.DeepClone() } } });
        return Probe(finding, target, RemedyIds.FixProbePath, patch, undo,
            $"the liveness probe of {name} calls {livePath} on port {livePort.Value.ToString(CultureInfo.InvariantCulture)} and gets 404 (kubelet: \"{facts.Failure}\"): the app does not serve that path. "
                + $"Its readiness probe calls {readyPath} on the same port{(facts.ReadinessFailure is null ? " without HTTP errors" : " and gets an answer")}, so the probe now uses {readyPath}. "
                + "A readiness endpoint may check dependencies: review it, and give the app a dedicated liveness path",
            $"point the probe back at {livePath}", RemedyRisk.Medium);
    }

    private static RemedyPlan DelayFix(Finding finding, RemedyContext ctx, string name, JsonObject probe, LivenessFacts facts)
    {
        var target = ctx.Target;
        var opt = ctx.Options;
        var delay = probe.Int("initialDelaySeconds") ?? 0;
        var period = Math.Max(1, probe.Int("periodSeconds") ?? 10);
        var threshold = Math.Max(1, probe.Int("failureThreshold") ?? 3);
        var window = delay + (period * (threshold + 1));
        string? missing = !facts.Refused ? $"no liveness failure says \"connection refused\"{(facts.Failure is { } f ? $" (kubelet: \"{f}\")" : "")}"
            : facts.ExitCode is not (137 or 143) ? $"the killed run did not end with exit code 137/143 (exit code {facts.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown"})"
            : facts.Ready == true ? "the container is Ready now, so it does start"
            : facts.LastRunSeconds is null ? "the length of the killed run is unknown (no lastState startedAt/finishedAt)"
            : facts.LastRunSeconds > window ? $"the killed run lasted {facts.LastRunSeconds}s, longer than the probe's kill window ({window}s = {delay} + {period} x ({threshold} + 1)): probes passed before, so the app stops answering rather than starts slowly"
            : null;
        if (missing is not null)
        {
            return RemedyEngine.Escalation(finding, target, $"the liveness probe of {name} fails and its port matches, but there is no evidence of a slow start: {missing}; no guessing");
        }

        if (delay >= opt.MaxInitialDelaySeconds)
        {
            return RemedyEngine.Escalation(finding, target, $"liveness probe of {name} already waits {delay}s and its port matches; the app itself is failing the check");
        }

        var run = facts.LastRunSeconds!.Value;
        var newDelay = (int)Math.Min(opt.MaxInitialDelaySeconds, Math.Max(opt.MinInitialDelaySeconds, Math.Max(delay * 2L, run * 2L)));
        var patch = RemedyEngine.ContainerPatch(target, name, new JsonObject { ["livenessProbe"] = new JsonObject { ["initialDelaySeconds"] = newDelay } });
        var undo = RemedyEngine.ContainerPatch(target, name, new JsonObject { ["livenessProbe"] = new JsonObject { ["initialDelaySeconds"] = probe.ContainsKey("initialDelaySeconds") ? delay : null } });
        // Verification must outlast the slower rollout: every round of new pods waits up to the new delay (plus a readiness period).
        var replicas = Math.Max(1, target.Replicas());
        var atOnce = Math.Max(1, KubeJson.PodsTouchedAtOnce(target));
        var rounds = (replicas + atOnce - 1) / atOnce;
        var readinessPeriod = RemedyEngine.PickContainer(finding, ctx)?.Int("readinessProbe", "periodSeconds") ?? 10;
        return Probe(finding, target, RemedyIds.RaiseInitialDelay, patch, undo,
            $"container {name} is killed before it starts listening: the liveness probe gets \"connection refused\", the run lasted {run}s and ended with exit code {facts.ExitCode}, and the container never became Ready. "
                + $"initialDelaySeconds {delay} -> {newDelay} (rule: max({opt.MinInitialDelaySeconds}, 2 x current, 2 x the {run}s run), at most {opt.MaxInitialDelaySeconds}) gives the start time to finish"
                + (newDelay == opt.MaxInitialDelaySeconds ? " (capped)" : "") + "; a startupProbe is the better long-term fix",
            $"restore initialDelaySeconds {delay}", RemedyRisk.Low) with
        {
            MinVerifyWindow = TimeSpan.FromSeconds((rounds * (newDelay + readinessPeriod)) + 30),
        };
    }

    private static bool Declares(List<JsonObject> ports, JsonValue port) =>
        port.TryGetValue<int>(out var n)
            ? ports.Any(p => p.Int("containerPort") == n)
            : port.TryGetValue<string>(out var s) && (ports.Any(p => p.Str("name") == s) || (int.TryParse(s, CultureInfo.InvariantCulture, out var parsed) && ports.Any(p => p.Int("containerPort") == parsed)));

    /// <summary>Among several declared ports, the one the readiness probe uses (by number or name), if any.</summary>
    private static JsonObject? ReadinessPort(JsonObject container, List<JsonObject> candidates)
    {
        var probe = container["readinessProbe"] as JsonObject;
        var handler = probe?["httpGet"] ?? probe?["tcpSocket"] ?? probe?["grpc"];
        return ResolvePort(container, handler?["port"]) is { } port ? candidates.FirstOrDefault(p => p.Int("containerPort") == port) : null;
    }

    private static int? ResolvePort(JsonObject container, JsonNode? port)
    {
        if (port is not JsonValue v)
        {
            return null;
        }

        if (v.TryGetValue<int>(out var n))
        {
            return n;
        }

        var s = v.TryGetValue<string>(out var text) ? text : null;
        return int.TryParse(s, CultureInfo.InvariantCulture, out var parsed) ? parsed
            : container.Objects("ports").FirstOrDefault(p => p.Str("name") == s)?.Int("containerPort");
    }

    private static string PortText(JsonNode? port) =>
        port is JsonValue v && v.TryGetValue<int>(out var n) ? n.ToString(CultureInfo.InvariantCulture) : port?.GetValue<string>() ?? "?";

    private static string Describe(JsonObject port) =>
        port.Int("containerPort")?.ToString(CultureInfo.InvariantCulture) + (port.Str("name") is { } n ? $" ({n})" : "");

    private static RemedyPlan Probe(Finding finding, JsonObject target, string remedy, JsonObject patch, JsonObject undo, string why, string undoText, RemedyRisk risk) => new()
    {
        Remedy = remedy,
        FindingId = finding.Id,
        FindingCode = finding.Code,
        Target = RemedyEngine.Ref(target, finding),
        Action = RemedyAction.Patch,
        PatchType = PatchKind.Strategic,
        Patch = patch,
        UndoPatchType = PatchKind.Strategic,
        UndoPatch = undo,
        Kubectl = RemedyEngine.KubectlPatch(target, PatchKind.Strategic, patch),
        UndoKubectl = RemedyEngine.KubectlPatch(target, PatchKind.Strategic, undo),
        Why = why,
        Risk = risk,
        Undo = undoText,
        ReplicasAffected = KubeJson.PodsTouchedAtOnce(target),
        CurrentReplicas = target.Replicas(),
        ResultingReplicas = target.Replicas(),
    };

    [GeneratedRegex(@"statuscode: (\d{3})", RegexOptions.IgnoreCase)]
    private static partial Regex StatusCode();

    [GeneratedRegex(@"last run lasted (\d+)s \(.*exitCode=(\d+|\?)\); Ready now: (true|false)")]
    private static partial Regex RunLine();

    /// <summary>
    /// What the evidence says about the probe failures: the kubelet's messages (events, quoted in the finding), and the killed run
    /// (the pod's lastState when the pod is known, else the finding's "last run lasted" line).
    /// </summary>
    private sealed record LivenessFacts(string? Failure, int? HttpStatus, bool Refused, string? ReadinessFailure, int? ReadinessHttpStatus, long? LastRunSeconds, int? ExitCode, bool? Ready)
    {
        private const string LivenessMarker = "Liveness probe failed: ";
        private const string ReadinessMarker = "Readiness probe failed: ";

        public static LivenessFacts Read(Finding finding, JsonObject? pod, string container)
        {
            var liveness = Messages(finding, LivenessMarker);
            var readiness = Messages(finding, ReadinessMarker);
            int? status = liveness.Select(Status).FirstOrDefault(s => s is not null);
            int? readyStatus = readiness.Select(Status).FirstOrDefault(s => s is not null);
            var refused = liveness.Any(m => m.Contains("connection refused", StringComparison.OrdinalIgnoreCase));
            long? run = null;
            int? exit = null;
            bool? ready = null;
            if (pod?.Objects("status", "containerStatuses").FirstOrDefault(s => s.Str("name") == container) is { } cs)
            {
                ready = cs["ready"] is JsonValue r && r.TryGetValue<bool>(out var b) ? b : null;
                if (cs.At("lastState", "terminated") is JsonObject term)
                {
                    exit = term.Int("exitCode");
                    if (Time(term.Str("startedAt")) is { } s && Time(term.Str("finishedAt")) is { } f && f >= s)
                    {
                        run = (long)(f - s).TotalSeconds;
                    }
                }
            }

            if (run is null)
            {
                var prefix = $"container {container} ";
                foreach (var e in finding.Evidence.Where(e => e.Text.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    if (RunLine().Match(e.Text) is { Success: true } m)
                    {
                        run = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                        exit ??= int.TryParse(m.Groups[2].Value, CultureInfo.InvariantCulture, out var x) ? x : null;
                        ready ??= m.Groups[3].Value == "true";
                        break;
                    }
                }
            }

            return new LivenessFacts(liveness.FirstOrDefault(), status, refused, readiness.FirstOrDefault(), readyStatus, run, exit, ready);
        }

        private static List<string> Messages(Finding finding, string marker) =>
            finding.Evidence.Where(e => e.Source == EvidenceSource.Event)
                .Select(e => e.Text.IndexOf(marker, StringComparison.OrdinalIgnoreCase) is var i and >= 0 ? e.Text[(i + marker.Length)..] : null)
                .OfType<string>().ToList();

        private static int? Status(string message) =>
            StatusCode().Match(message) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

        private static DateTimeOffset? Time(string? text) =>
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
    }
}
