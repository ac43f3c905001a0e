using System.Globalization;
using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Remedies;

namespace KubeMedic.Kubernetes.Repair;

/// <summary>How a repair is verified.</summary>
public sealed record VerifyOptions
{
    /// <summary>The whole verification must succeed within this window, else it failed.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>After the rollout completes, pods must stay without new OOM kills or restarts for this long.</summary>
    public TimeSpan StableFor { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Re-runs diagnosis; true while the finding is still reported. Null skips that check.</summary>
    public Func<CancellationToken, Task<bool>>? FindingStillPresent { get; init; }

    /// <summary>Pods of the workload that existed before the change (names). Pods not in this set are the new ones; when null, creation time decides.</summary>
    public IReadOnlySet<string>? PodsBefore { get; init; }
}

/// <summary>
/// Verifies a repair on the live cluster: the rollout completes (ready replicas), no pod created after the change is OOM-killed or
/// restarts, and the finding is gone - all holding for <see cref="VerifyOptions.StableFor"/> within <see cref="VerifyOptions.Window"/>.
/// </summary>
public sealed class RolloutVerifier(KubeObjectApi api, TimeProvider time)
{
    /// <summary>Names of the workload's pods now (taken just before a change).</summary>
    public static async Task<IReadOnlySet<string>> PodNamesAsync(KubeObjectApi api, ObjectRef workload, CancellationToken ct)
    {
        if (workload.Namespace is not { } ns || await api.GetAsync(workload, ct) is not { } obj || obj.At("spec", "selector", "matchLabels") is not JsonObject labels)
        {
            return new HashSet<string>();
        }

        var selector = string.Join(',', labels.Select(kv => $"{kv.Key}={kv.Value}"));
        return (await api.PodsAsync(ns, selector, ct)).Select(p => p.Name()).ToHashSet(StringComparer.Ordinal);
    }

    public async Task<VerificationResult> VerifyAsync(ObjectRef workload, DateTimeOffset appliedAt, VerifyOptions options, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + options.Window;
        DateTimeOffset? stableSince = null;
        var last = new List<string>();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var checks = new List<string>();
            var obj = await api.GetAsync(workload, ct);
            if (obj is null)
            {
                return new VerificationResult(false, $"{workload} no longer exists", [$"{workload}: not found"]);
            }

            var (complete, rolloutText) = RolloutComplete(obj);
            checks.Add(rolloutText);
            var badPods = new List<string>();
            if (workload.Namespace is { } ns && obj.At("spec", "selector", "matchLabels") is JsonObject labels)
            {
                var selector = string.Join(',', labels.Select(kv => $"{kv.Key}={kv.Value}"));
                foreach (var pod in await api.PodsAsync(ns, selector, ct))
                {
                    var old = options.PodsBefore is { } before ? before.Contains(pod.Name()) : Created(pod) < appliedAt.AddSeconds(-1);
                    if (pod.At("metadata", "deletionTimestamp") is not null || old)
                    {
                        continue; // old pods: being replaced
                    }

                    foreach (var cs in pod.Objects("status", "containerStatuses"))
                    {
                        var oom = cs.Str("lastState", "terminated", "reason") == "OOMKilled" || cs.Str("state", "terminated", "reason") == "OOMKilled";
                        var restarts = cs.Int("restartCount") ?? 0;
                        if (oom || restarts > 0)
                        {
                            badPods.Add($"pod {pod.Name()} container {cs.Str("name")}: " + (oom ? "OOMKilled" : $"{restarts} restart(s)") + " after the change");
                        }
                    }
                }
            }

            checks.Add(badPods.Count == 0 ? "no new OOM kills or restarts in new pods" : string.Join("; ", badPods));
            if (badPods.Any(b => b.Contains("OOMKilled", StringComparison.Ordinal)))
            {
                return new VerificationResult(false, "a new pod was OOM-killed after the change", checks);
            }

            var findingGone = true;
            if (complete && badPods.Count == 0 && options.FindingStillPresent is { } still)
            {
                findingGone = !await still(ct);
                checks.Add(findingGone ? "finding gone on re-diagnosis" : "finding still reported on re-diagnosis");
            }

            var ok = complete && badPods.Count == 0 && findingGone;
            var now = time.GetUtcNow();
            if (ok)
            {
                stableSince ??= now;
                if (now - stableSince >= options.StableFor)
                {
                    checks.Add($"stable for {options.StableFor.TotalSeconds:0}s");
                    return new VerificationResult(true, "rollout complete, no new OOM/restarts, finding gone", checks);
                }
            }
            else
            {
                stableSince = null;
            }

            last = checks;
            if (now >= deadline)
            {
                return new VerificationResult(false, $"not healthy within {options.Window.TotalSeconds:0}s: " + string.Join("; ", last), last);
            }

            await Task.Delay(options.PollInterval, time, ct);
        }
    }

    private static DateTimeOffset Created(JsonObject pod) =>
        pod.Str("metadata", "creationTimestamp") is { } ts && DateTimeOffset.TryParse(ts, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : DateTimeOffset.MaxValue;

    public static (bool Complete, string Text) RolloutComplete(JsonObject obj)
    {
        var kind = obj.Kind();
        var desired = obj.Replicas();
        switch (kind)
        {
            case "Deployment":
            case "StatefulSet":
                {
                    var generation = obj.Int("metadata", "generation") ?? 0;
                    var observed = obj.Int("status", "observedGeneration") ?? 0;
                    var updated = obj.Int("status", "updatedReplicas") ?? (kind == "StatefulSet" ? obj.Int("status", "currentReplicas") ?? 0 : 0);
                    var ready = obj.Int("status", kind == "Deployment" ? "availableReplicas" : "readyReplicas") ?? 0;
                    var total = obj.Int("status", "replicas") ?? 0;
                    var complete = observed >= generation && updated >= desired && ready >= desired && total <= desired;
                    return (complete, $"{kind} {obj.Name()}: {ready}/{desired} ready, {updated} updated, {total} total, generation {observed}/{generation}");
                }

            case "DaemonSet":
                {
                    var want = obj.Int("status", "desiredNumberScheduled") ?? 0;
                    var ready = obj.Int("status", "numberReady") ?? 0;
                    var updated = obj.Int("status", "updatedNumberScheduled") ?? 0;
                    return (ready >= want && updated >= want, $"DaemonSet {obj.Name()}: {ready}/{want} ready, {updated} updated");
                }

            default:
                return (true, $"{kind} {obj.Name()}: no rollout to wait for");
        }
    }
}
