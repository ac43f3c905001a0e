using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Incidents;

namespace KubeMedic.Cli.Commands;

/// <summary>
/// Builds the cluster side of the incident timeline from what the API server recorded: events (warnings and rollouts) and
/// container terminations in pod status. Every entry quotes one real object, so it can be traced back.
/// </summary>
internal static partial class ClusterTimeline
{
    private static readonly HashSet<string> NormalReasonsKept = new(StringComparer.Ordinal)
    {
        "ScalingReplicaSet", "Killing", "NodeNotReady", "RemovingNode", "Evicted", "Preempting", "TaintManagerEviction", "DeploymentRollback",
    };

    public static List<TimelineEntry> Build(IEnumerable<Corev1Event> events, IEnumerable<V1Pod> pods, IEnumerable<V1ReplicaSet> replicaSets, ISet<string>? namespaces)
    {
        var rsByName = replicaSets.Where(r => r.Metadata?.Name is not null)
            .GroupBy(r => (r.Metadata.NamespaceProperty ?? "", r.Metadata.Name))
            .ToDictionary(g => g.Key, g => g.First());
        var entries = new List<TimelineEntry>();
        foreach (var e in events)
        {
            var io = e.InvolvedObject;
            if (io?.Kind is null || io.Name is null || e.Reason is null)
            {
                continue;
            }

            if (namespaces is not null && io.NamespaceProperty is { } ns && !namespaces.Contains(ns))
            {
                continue;
            }

            if (e.Type != "Warning" && !NormalReasonsKept.Contains(e.Reason))
            {
                continue;
            }

            var at = When(e);
            if (at is null)
            {
                continue;
            }

            var message = (e.Message ?? "").ReplaceLineEndings(" ").Trim();
            if (e.Reason == "ScalingReplicaSet" && ScaledRs().Match(message) is { Success: true } m
                && rsByName.TryGetValue((io.NamespaceProperty ?? "", m.Groups["rs"].Value), out var rs))
            {
                var revision = rs.Metadata.Annotations?.TryGetValue("deployment.kubernetes.io/revision", out var r) == true ? r : null;
                var images = string.Join(", ", rs.Spec?.Template?.Spec?.Containers?.Select(c => c.Image) ?? []);
                message += revision is null ? $" (image {images})" : $" (revision {revision}, image {images})";
            }

            var count = e.Count ?? 1;
            if (count > 1)
            {
                var last = e.LastTimestamp is { } lt ? new DateTimeOffset(DateTime.SpecifyKind(lt, DateTimeKind.Utc)) : (DateTimeOffset?)null;
                message += $" (x{count}" + (last is { } l ? $", last at {l.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)})" : ")");
            }

            var obj = new ObjectRef(io.Kind, io.NamespaceProperty, io.Name);
            entries.Add(new TimelineEntry { At = at.Value, Source = TimelineSource.Cluster, Reason = e.Reason, Object = obj, Text = $"{io.Kind}/{io.Name}: {e.Reason}: {message}" });
        }

        foreach (var pod in pods)
        {
            var ns = pod.Metadata?.NamespaceProperty;
            if (namespaces is not null && ns is not null && !namespaces.Contains(ns))
            {
                continue;
            }

            foreach (var cs in pod.Status?.ContainerStatuses ?? [])
            {
                var term = cs.LastState?.Terminated;
                if (term?.FinishedAt is not { } finished || term.Reason is null || term.Reason == "Completed")
                {
                    continue;
                }

                var at = new DateTimeOffset(DateTime.SpecifyKind(finished, DateTimeKind.Utc));
                entries.Add(new TimelineEntry
                {
                    At = at,
                    Source = TimelineSource.Cluster,
                    Reason = term.Reason,
                    Object = new ObjectRef("Pod", ns, pod.Metadata!.Name),
                    Text = $"Pod/{pod.Metadata!.Name}: container {cs.Name} terminated: {term.Reason} (exit {term.ExitCode}), restarts {cs.RestartCount} (last termination in pod status)",
                });
            }
        }

        return [.. entries.OrderBy(e => e.At)];
    }

    public static DateTimeOffset? When(Corev1Event e)
    {
        if (e.FirstTimestamp is { } f)
        {
            return new DateTimeOffset(DateTime.SpecifyKind(f, DateTimeKind.Utc));
        }

        if (e.EventTime is { } t)
        {
            return new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc));
        }

        return e.Metadata?.CreationTimestamp is { } c ? new DateTimeOffset(DateTime.SpecifyKind(c, DateTimeKind.Utc)) : null;
    }

    /// <summary>Facts the postmortem's prevent items come from, for a Deployment.</summary>
    public static WorkloadFacts Facts(V1Deployment d)
    {
        var containers = d.Spec?.Template?.Spec?.Containers ?? [];
        var limits = containers.Select(c => c.Resources?.Limits is { } l && l.TryGetValue("memory", out var q) ? q.ToString() : null).ToList();
        return new WorkloadFacts
        {
            Object = new ObjectRef("Deployment", d.Metadata.NamespaceProperty, d.Metadata.Name),
            Replicas = d.Spec?.Replicas ?? 1,
            HasReadinessProbe = containers.Count > 0 && containers.All(c => c.ReadinessProbe is not null),
            HasMemoryLimit = containers.Count > 0 && limits.All(l => l is not null),
            MemoryLimit = limits.FirstOrDefault(l => l is not null),
            Image = string.Join(", ", containers.Select(c => c.Image)),
            Revision = d.Metadata.Annotations?.TryGetValue("deployment.kubernetes.io/revision", out var r) == true && int.TryParse(r, CultureInfo.InvariantCulture, out var rev) ? rev : null,
        };
    }

    /// <summary>"first OOMKilled 12 min after revision 2 of Deployment order-service", from the timeline.</summary>
    public static string? Correlation(IReadOnlyList<TimelineEntry> timeline, ObjectRef workload)
    {
        var deploy = timeline.Where(e => e.Reason == "ScalingReplicaSet" && e.Object == workload && e.Text.Contains("revision", StringComparison.Ordinal)).OrderBy(e => e.At).LastOrDefault();
        var symptom = timeline.Where(e => e.Reason is "OOMKilled" or "BackOff" or "Failed" or "Unhealthy" or "FailedScheduling" && (deploy is null || e.At >= deploy.At)).OrderBy(e => e.At).FirstOrDefault();
        if (symptom is null)
        {
            return null;
        }

        if (deploy is null)
        {
            return $"first {symptom.Reason} at {symptom.At.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}; no rollout of {workload} in the recorded events";
        }

        var rev = RevisionText().Match(deploy.Text) is { Success: true } m ? m.Groups["rev"].Value : "?";
        return $"first {symptom.Reason} {StatusUpdate.FormatDuration(symptom.At - deploy.At)} after revision {rev} of {workload.Kind.ToLowerInvariant()} {workload.Name} (rolled out at {deploy.At.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)})";
    }

    [GeneratedRegex(@"replica set (?<rs>[a-z0-9.\-]+)")]
    private static partial Regex ScaledRs();

    [GeneratedRegex(@"revision (?<rev>\d+)")]
    private static partial Regex RevisionText();
}
