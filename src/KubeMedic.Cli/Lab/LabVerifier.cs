using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KubeMedic.Cli.Lab;

/// <summary>One line of the verify checklist.</summary>
internal sealed record LabCheck(string Name, bool Passed, IReadOnlyList<string> Details);

/// <summary>How verify runs.</summary>
internal sealed record LabVerifyOptions
{
    /// <summary>How far back the log check looks.</summary>
    public TimeSpan LogWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Run the active rolling-update-and-rollback check (it restarts one Deployment and undoes it).</summary>
    public bool RolloutTest { get; init; } = true;

    /// <summary>Real time allowed for each of the rollout and the rollback.</summary>
    public TimeSpan RolloutTimeout { get; init; } = TimeSpan.FromSeconds(90);
}

/// <summary>
/// Seed 002's verify-success, through the Kubernetes API only (works on the simulator and on a real cluster): every
/// Deployment Ready; multi-replica pods spread over nodes; every Service has endpoints and answers (apiserver service
/// proxy); requests fit and limits are set; probes configured and passing; no ERROR lines in recent logs; a rolling
/// update and a rollback complete; no single point of failure; Jobs complete and volumes bound.
/// </summary>
internal sealed class LabVerifier(IKubernetes client, LabVerifyOptions options)
{
    private static readonly HashSet<string> SystemNamespaces = new(StringComparer.Ordinal) { "kube-system", "kube-public", "kube-node-lease" };

    public async Task<IReadOnlyList<LabCheck>> RunAsync(CancellationToken ct)
    {
        var deployments = (await client.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: ct)).Items.Where(User).ToList();
        var pods = (await client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct)).Items.Where(User).ToList();
        var nodes = (await client.CoreV1.ListNodeAsync(cancellationToken: ct)).Items.ToList();
        var services = (await client.CoreV1.ListServiceForAllNamespacesAsync(cancellationToken: ct)).Items.Where(User).Where(s => s.Spec?.Selector is { Count: > 0 }).ToList();
        var endpoints = (await client.CoreV1.ListEndpointsForAllNamespacesAsync(cancellationToken: ct)).Items.ToList();
        var jobs = (await client.BatchV1.ListJobForAllNamespacesAsync(cancellationToken: ct)).Items.Where(User).ToList();
        var pvcs = (await client.CoreV1.ListPersistentVolumeClaimForAllNamespacesAsync(cancellationToken: ct)).Items.Where(User).ToList();
        var live = pods.Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase is not ("Succeeded" or "Failed")).ToList();

        var checks = new List<LabCheck>
        {
            DeploymentsReady(deployments),
            Spread(deployments, live),
            await ServicesAnswerAsync(services, endpoints, ct),
            Resources(deployments, live, nodes),
            Probes(deployments, live, services),
            await LogsAsync(live, ct),
        };
        checks.Add(options.RolloutTest ? await RolloutAsync(deployments, ct) : new LabCheck("Rolling update and rollback complete", false, ["skipped (--no-rollout-test)"]));
        checks.Add(SinglePointsOfFailure(deployments, nodes, services, endpoints));
        checks.Add(JobsAndVolumes(jobs, pvcs, pods));
        return checks;
    }

    private static bool User(IMetadata<V1ObjectMeta> o) => !SystemNamespaces.Contains(o.Metadata?.NamespaceProperty ?? "");

    private static string Id(IMetadata<V1ObjectMeta> o) => $"{o.Metadata.NamespaceProperty}/{o.Metadata.Name}";

    private static bool Selects(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        selector is { Count: > 0 } && labels is not null && selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static IEnumerable<V1Pod> PodsOf(V1Deployment d, IEnumerable<V1Pod> pods) =>
        pods.Where(p => p.Metadata.NamespaceProperty == d.Metadata.NamespaceProperty && Selects(d.Spec.Selector?.MatchLabels, p.Metadata.Labels));

    private static bool IsReady(V1Pod p) => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static bool Complete(V1Deployment d)
    {
        var want = d.Spec.Replicas ?? 1;
        var s = d.Status;
        return s is not null && (s.ObservedGeneration ?? 0) >= (d.Metadata.Generation ?? 0) && (s.UpdatedReplicas ?? 0) == want
            && (s.ReadyReplicas ?? 0) == want && (s.AvailableReplicas ?? 0) == want && (s.Replicas ?? 0) == want;
    }

    private static LabCheck DeploymentsReady(List<V1Deployment> deployments)
    {
        var bad = deployments.Where(d => !Complete(d))
            .Select(d => $"{Id(d)}: {d.Status?.ReadyReplicas ?? 0}/{d.Spec.Replicas ?? 1} ready, {d.Status?.UpdatedReplicas ?? 0} up-to-date, {d.Status?.AvailableReplicas ?? 0} available")
            .ToList();
        return new LabCheck("Every Deployment is Ready", deployments.Count > 0 && bad.Count == 0, deployments.Count == 0 ? ["no Deployments found"] : bad);
    }

    private static LabCheck Spread(List<V1Deployment> deployments, List<V1Pod> pods)
    {
        var bad = new List<string>();
        foreach (var d in deployments.Where(d => (d.Spec.Replicas ?? 1) > 1))
        {
            var nodes = PodsOf(d, pods).Where(IsReady).Select(p => p.Spec.NodeName).Where(n => n is not null).Distinct().ToList();
            if (nodes.Count < 2) bad.Add($"{Id(d)}: {d.Spec.Replicas} replicas on {(nodes.Count == 0 ? "no node" : "only " + nodes[0])}");
        }

        return new LabCheck("Pods of multi-replica workloads are spread over more than one node", bad.Count == 0, bad);
    }

    private async Task<LabCheck> ServicesAnswerAsync(List<V1Service> services, List<V1Endpoints> endpoints, CancellationToken ct)
    {
        var bad = new List<string>();
        foreach (var s in services)
        {
            var ep = endpoints.FirstOrDefault(e => e.Metadata.NamespaceProperty == s.Metadata.NamespaceProperty && e.Metadata.Name == s.Metadata.Name);
            var ready = ep?.Subsets?.Sum(x => x.Addresses?.Count ?? 0) ?? 0;
            if (ready == 0)
            {
                bad.Add($"{Id(s)}: no ready endpoints");
                continue;
            }

            var port = s.Spec.Ports?.FirstOrDefault()?.Port;
            var name = port is null ? s.Metadata.Name : $"{s.Metadata.Name}:{port.Value.ToString(CultureInfo.InvariantCulture)}";
            var watch = Stopwatch.StartNew();
            try
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                cts.CancelAfter(TimeSpan.FromSeconds(5));
                await using var body = await client.CoreV1.ConnectGetNamespacedServiceProxyWithPathAsync(name, s.Metadata.NamespaceProperty, "", cancellationToken: cts.Token);
            }
            catch (HttpOperationException ex) when ((int)ex.Response.StatusCode < 500)
            {
                // the app answered (a 4xx from the app still is an answer)
            }
            catch (HttpOperationException ex)
            {
                bad.Add($"{Id(s)}: HTTP {(int)ex.Response.StatusCode} through the service proxy: {FirstLine(ex.Response.Content)}");
                continue;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                bad.Add($"{Id(s)}: no answer within 5s");
                continue;
            }

            if (watch.Elapsed > TimeSpan.FromSeconds(2)) bad.Add($"{Id(s)}: answered in {watch.Elapsed.TotalSeconds:0.0}s (> 2s)");
        }

        return new LabCheck("Every Service has endpoints and answers (< 2 s)", bad.Count == 0, bad);
    }

    private static string FirstLine(string? text) => (text ?? "").Split('\n')[0].Trim() is { Length: > 160 } l ? l[..160] : (text ?? "").Split('\n')[0].Trim();

    private static double Quantity(IDictionary<string, ResourceQuantity>? map, string key) =>
        map is not null && map.TryGetValue(key, out var q) ? (double)q.ToDecimal() : 0;

    private static LabCheck Resources(List<V1Deployment> deployments, List<V1Pod> pods, List<V1Node> nodes)
    {
        var bad = new List<string>();
        foreach (var d in deployments)
        {
            foreach (var c in d.Spec.Template.Spec.Containers)
            {
                var missing = new[] { ("requests", "cpu"), ("requests", "memory"), ("limits", "cpu"), ("limits", "memory") }
                    .Where(x => Quantity(x.Item1 == "requests" ? c.Resources?.Requests : c.Resources?.Limits, x.Item2) <= 0)
                    .Select(x => $"{x.Item1}.{x.Item2}").ToList();
                if (missing.Count > 0) bad.Add($"{Id(d)} container {c.Name}: no {string.Join(", ", missing)}");
            }
        }

        foreach (var p in pods.Where(p => p.Status?.Phase == "Pending" && p.Status.Conditions?.Any(c => c.Type == "PodScheduled" && c.Reason == "Unschedulable") == true))
        {
            var msg = p.Status.Conditions!.First(c => c.Type == "PodScheduled").Message;
            bad.Add($"{Id(p)}: unschedulable: {msg}");
        }

        foreach (var n in nodes)
        {
            var onNode = pods.Where(p => p.Spec.NodeName == n.Metadata.Name).ToList();
            foreach (var r in new[] { "cpu", "memory" })
            {
                var requested = onNode.Sum(p => p.Spec.Containers.Sum(c => Quantity(c.Resources?.Requests, r)));
                var allocatable = Quantity(n.Status?.Allocatable, r);
                if (allocatable > 0 && requested > allocatable) bad.Add($"node {n.Metadata.Name}: {r} requests {requested} exceed allocatable {allocatable}");
            }
        }

        return new LabCheck("Requests fit node capacity and limits are set", bad.Count == 0, bad);
    }

    private static LabCheck Probes(List<V1Deployment> deployments, List<V1Pod> pods, List<V1Service> services)
    {
        var bad = new List<string>();
        foreach (var d in deployments)
        {
            // a workload that serves a Service needs a readiness probe, or traffic reaches pods that cannot answer
            var served = services.Any(s => s.Metadata.NamespaceProperty == d.Metadata.NamespaceProperty && Selects(s.Spec.Selector, d.Spec.Template.Metadata?.Labels));
            foreach (var c in d.Spec.Template.Spec.Containers.Where(c => served && c.ReadinessProbe is null))
            {
                bad.Add($"{Id(d)} container {c.Name}: serves Service traffic without a readiness probe");
            }

            foreach (var p in PodsOf(d, pods).Where(p => !IsReady(p)))
            {
                var waiting = p.Status?.ContainerStatuses?.Select(cs => cs.State?.Waiting?.Reason).FirstOrDefault(r => r is not null);
                bad.Add($"{Id(p)}: not ready{(waiting is null ? "" : $" ({waiting})")}");
            }
        }

        return new LabCheck("Probes are configured and passing", bad.Count == 0, bad);
    }

    private async Task<LabCheck> LogsAsync(List<V1Pod> pods, CancellationToken ct)
    {
        var bad = new List<string>();
        foreach (var p in pods.Where(p => p.Status?.Phase == "Running"))
        {
            foreach (var c in p.Spec.Containers)
            {
                if (p.Status.ContainerStatuses?.FirstOrDefault(s => s.Name == c.Name)?.State?.Running is null) continue;
                string text;
                try
                {
                    await using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(p.Metadata.Name, p.Metadata.NamespaceProperty, container: c.Name, sinceSeconds: (int)options.LogWindow.TotalSeconds, cancellationToken: ct);
                    using var reader = new StreamReader(stream);
                    text = await reader.ReadToEndAsync(ct);
                }
                catch (HttpOperationException)
                {
                    continue;
                }

                var line = text.Split('\n').FirstOrDefault(IsError);
                if (line is not null) bad.Add($"{Id(p)} {c.Name}: {(line.Length > 140 ? line[..140] : line).Trim()}");
            }
        }

        return new LabCheck($"No ERROR lines in the last {options.LogWindow.TotalMinutes:0} minutes of logs", bad.Count == 0, bad);
    }

    internal static bool IsError(string line) =>
        line.Contains("ERROR", StringComparison.Ordinal) || line.Contains("\"level\":\"error\"", StringComparison.OrdinalIgnoreCase)
        || line.Contains("level=error", StringComparison.OrdinalIgnoreCase) || line.StartsWith("fatal error", StringComparison.Ordinal);

    private async Task<LabCheck> RolloutAsync(List<V1Deployment> deployments, CancellationToken ct)
    {
        const string name = "Rolling update and rollback complete";
        var bad = new List<string>();
        foreach (var d in deployments)
        {
            var s = d.Spec.Strategy;
            if (s?.Type == "Recreate") continue;
            var replicas = d.Spec.Replicas ?? 1;
            var maxUnavailable = s?.RollingUpdate?.MaxUnavailable?.Value;
            if (replicas > 1 && maxUnavailable is not null && Scaled(maxUnavailable, replicas, roundUp: false) >= replicas)
            {
                bad.Add($"{Id(d)}: maxUnavailable {maxUnavailable} lets a rollout take all {replicas} replicas down at once");
            }
        }

        var candidate = deployments.Where(d => d.Spec.Strategy?.Type != "Recreate" && Complete(d)).OrderByDescending(d => d.Spec.Replicas ?? 1).ThenBy(Id, StringComparer.Ordinal).FirstOrDefault();
        if (candidate is null)
        {
            bad.Add("no Ready Deployment with a RollingUpdate strategy to try a rollout on");
            return new LabCheck(name, false, bad);
        }

        var ns = candidate.Metadata.NamespaceProperty;
        var dname = candidate.Metadata.Name;
        var before = await CurrentReplicaSetAsync(candidate, ct);
        var stamp = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var restart = $"{{\"spec\":{{\"template\":{{\"metadata\":{{\"annotations\":{{\"kubectl.kubernetes.io/restartedAt\":\"{stamp}\"}}}}}}}}}}";
        if (!await PatchAndWaitAsync(ns, dname, new V1Patch(restart, V1Patch.PatchType.StrategicMergePatch), ct))
        {
            bad.Add($"{ns}/{dname}: rolling update (rollout restart) did not complete within {options.RolloutTimeout.TotalSeconds:0}s");
        }
        else if (before is null)
        {
            bad.Add($"{ns}/{dname}: no previous ReplicaSet to roll back to");
        }
        else
        {
            // what `kubectl rollout undo` does: put the previous ReplicaSet's template back (without pod-template-hash)
            var template = before.Spec.Template;
            template.Metadata?.Labels?.Remove("pod-template-hash");
            var undo = new V1Patch(new[] { new { op = "replace", path = "/spec/template", value = template } }, V1Patch.PatchType.JsonPatch);
            if (!await PatchAndWaitAsync(ns, dname, undo, ct)) bad.Add($"{ns}/{dname}: rollback did not complete within {options.RolloutTimeout.TotalSeconds:0}s");
            else if (await CurrentReplicaSetAsync(await client.AppsV1.ReadNamespacedDeploymentAsync(dname, ns, cancellationToken: ct), ct) is { } after && after.Metadata.Name != before.Metadata.Name)
            {
                bad.Add($"{ns}/{dname}: rollback created {after.Metadata.Name} instead of re-using {before.Metadata.Name}");
            }
        }

        if (bad.Count == 0) return new LabCheck(name, true, [$"{ns}/{dname}: rolled out and rolled back to {before!.Metadata.Name}"]);
        return new LabCheck(name, false, bad);
    }

    /// <summary>The ReplicaSet of the Deployment's current revision.</summary>
    private async Task<V1ReplicaSet?> CurrentReplicaSetAsync(V1Deployment d, CancellationToken ct)
    {
        string? revision = null;
        d.Metadata.Annotations?.TryGetValue("deployment.kubernetes.io/revision", out revision);
        var sets = (await client.AppsV1.ListNamespacedReplicaSetAsync(d.Metadata.NamespaceProperty, cancellationToken: ct)).Items
            .Where(rs => rs.Metadata.OwnerReferences?.Any(o => o.Uid == d.Metadata.Uid) == true).ToList();
        return sets.FirstOrDefault(rs => rs.Metadata.Annotations?.TryGetValue("deployment.kubernetes.io/revision", out var r) == true && r == revision)
            ?? sets.OrderByDescending(rs => rs.Status?.ReadyReplicas ?? 0).FirstOrDefault();
    }

    private static int Scaled(IntOrString value, int replicas, bool roundUp)
    {
        var v = value.Value ?? "0";
        if (v.EndsWith('%'))
        {
            var pct = double.Parse(v[..^1], CultureInfo.InvariantCulture) / 100 * replicas;
            return (int)(roundUp ? Math.Ceiling(pct) : Math.Floor(pct));
        }

        return int.Parse(v, CultureInfo.InvariantCulture);
    }

    private async Task<bool> PatchAndWaitAsync(string ns, string name, V1Patch patch, CancellationToken ct)
    {
        await client.AppsV1.PatchNamespacedDeploymentAsync(patch, name, ns, cancellationToken: ct);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < options.RolloutTimeout)
        {
            await Task.Delay(250, ct);
            var d = await client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: ct);
            if (Complete(d)) return true;
        }

        return false;
    }

    private static LabCheck SinglePointsOfFailure(List<V1Deployment> deployments, List<V1Node> nodes, List<V1Service> services, List<V1Endpoints> endpoints)
    {
        var bad = new List<string>();
        var usable = nodes.Count(n => n.Spec?.Unschedulable != true && n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);
        if (usable < 2) bad.Add($"only {usable} schedulable Ready node(s)");
        foreach (var d in deployments)
        {
            var spec = d.Spec.Template.Spec;
            if (spec.NodeSelector?.ContainsKey("kubernetes.io/hostname") == true) bad.Add($"{Id(d)}: pinned to node {spec.NodeSelector["kubernetes.io/hostname"]} by nodeSelector");
            var terms = spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms ?? [];
            foreach (var e in terms.SelectMany(t => t.MatchExpressions ?? []).Where(e => e.Key == "kubernetes.io/hostname" && e.OperatorProperty == "In" && e.Values?.Count == 1))
            {
                bad.Add($"{Id(d)}: pinned to node {e.Values![0]} by required node affinity");
            }
        }

        foreach (var s in services)
        {
            var ep = endpoints.FirstOrDefault(e => e.Metadata.NamespaceProperty == s.Metadata.NamespaceProperty && e.Metadata.Name == s.Metadata.Name);
            var ready = ep?.Subsets?.Sum(x => x.Addresses?.Count ?? 0) ?? 0;
            if (ready < 2) bad.Add($"{Id(s)}: {ready} ready backend(s); one failure takes it down");
        }

        return new LabCheck("No single point of failure", bad.Count == 0, bad);
    }

    private static LabCheck JobsAndVolumes(List<V1Job> jobs, List<V1PersistentVolumeClaim> pvcs, List<V1Pod> pods)
    {
        var bad = new List<string>();
        foreach (var j in jobs.Where(j => j.Status?.Conditions?.Any(c => c.Type == "Failed" && c.Status == "True") == true))
        {
            var c = j.Status.Conditions!.First(c => c.Type == "Failed");
            bad.Add($"{Id(j)}: failed ({c.Reason}: {c.Message})");
        }

        bad.AddRange(pvcs.Where(p => p.Status?.Phase != "Bound").Select(p => $"{Id(p)}: {p.Status?.Phase ?? "Pending"}"));
        bad.AddRange(pods.Where(p => p.Status?.Reason == "Evicted" && p.Metadata.DeletionTimestamp is null).Select(p => $"{Id(p)}: evicted ({FirstLine(p.Status.Message)})"));
        return new LabCheck("Jobs complete, volumes bound, no evicted pods", bad.Count == 0, bad);
    }
}
