using System.Text.Json.Nodes;
using KubeMedic.Cli.Commands;
using KubeMedic.Core.Incidents;
using KubeMedic.Core.Postmortem;

namespace KubeMedic.Cli.Tests.Respond;

/// <summary>
/// The README's run command: <c>kubemedic demo</c> on the embedded simulator. The postmortem's timeline and actions must be what
/// actually happened: every cluster entry is an event the simulator recorded, every action is in the cluster and the audit log.
/// </summary>
public sealed class DemoTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("km-demo-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Whether a prometheus binary is installed; in CI (CI=true) it must be, so a missing one fails loudly.</summary>
    private static bool PrometheusInstalled()
    {
        try
        {
            KubeMedic.Simulator.Metrics.PrometheusHarness.FindBinary();
            return true;
        }
        catch (FileNotFoundException) when (!string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
    }

    [Fact]
    public async Task Demo_resolves_the_oom_incident_and_the_postmortem_matches_what_happened()
    {
        var output = new StringWriter();
        JsonObject[] events = [];
        JsonObject? deployment = null;
        DateTimeOffset simNow = default;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        using var stopWatching = new CancellationTokenSource();
        var terminations = new System.Collections.Concurrent.ConcurrentDictionary<(string Pod, DateTimeOffset FinishedAt, string Reason), bool>();
        Task watching = Task.CompletedTask;
        var result = await DemoCommand.RunAsync(new DemoCommand.DemoOptions
        {
            Output = output,
            OutDirectory = Path.Combine(_dir, "docs", "dev-logs"),
            StoreRoot = Path.Combine(_dir, "incidents"),
            AuditDirectory = Path.Combine(_dir, "audit"),
            OnStarted = cluster =>
            {
                // Record every container termination the simulator's pods show while the demo runs.
                watching = Task.Run(async () =>
                {
                    while (!stopWatching.IsCancellationRequested)
                    {
                        foreach (var pod in cluster.List("pods", "production"))
                        {
                            foreach (var cs in pod["status"]?["containerStatuses"]?.AsArray() ?? [])
                            {
                                if (cs?["lastState"]?["terminated"] is JsonObject t && (string?)t["finishedAt"] is { } finished)
                                {
                                    terminations[((string)pod["metadata"]!["name"]!, DateTimeOffset.Parse(finished, System.Globalization.CultureInfo.InvariantCulture), (string?)t["reason"] ?? "")] = true;
                                }
                            }
                        }

                        await Task.Delay(50);
                    }
                });
                return Task.CompletedTask;
            },
            BeforeStop = cluster =>
            {
                events = [.. cluster.List("events")];
                deployment = cluster.Get("deployments", "production", "order-service");
                simNow = cluster.Clock.GetUtcNow();
                return Task.CompletedTask;
            },
        }, cts.Token);

        await stopWatching.CancelAsync();
        await watching;
        var text = output.ToString();
        result.Status.ShouldBe(IncidentStatus.Resolved, text);
        result.ExitCode.ShouldBe(0);
        foreach (var step in new[] { "Step 1/5: Triage", "Step 2/5: Root cause", "Step 3/5: Observability", "Step 4/5: Fix and verify", "Step 5/5: Record" })
        {
            text.ShouldContain(step);
        }

        // With Prometheus installed (here and in CI) step 3's trend comes from Prometheus; without it the demo says why it skipped it.
        var store = new IncidentStore(Path.Combine(_dir, "incidents"));
        var record = store.Get(result.IncidentId!);
        if (PrometheusInstalled())
        {
            text.ShouldContain("Metrics source: Prometheus", customMessage: text);
            text.ShouldNotContain("Prometheus evidence skipped", customMessage: text);
            var memory = record.Metrics.Where(m => m.Unit == "bytes").ShouldHaveSingleItem();
            memory.Query.ShouldContain("container_memory_working_set_bytes{namespace=\"production\", pod=~\"order-service-.*\"");
            memory.Label.ShouldContain("(Prometheus)");
            memory.Points.Count.ShouldBeGreaterThanOrEqualTo(DemoCommand.PrometheusSamplesWanted, text);
            memory.Threshold.ShouldBe(512.0 * 1024 * 1024);
            (memory.Points.Max(p => p.Value) / (1024 * 1024)).ShouldBeInRange(450, 512, text);
            // Points are in cluster time (the simulator's clock), not Prometheus' wall clock: they lie within the incident.
            memory.Points.ShouldAllBe(p => p.At >= record.CreatedAt.AddHours(-2) && p.At <= simNow);
            var restarts = record.Metrics.Where(m => m.Unit == "restarts").ShouldHaveSingleItem();
            restarts.Query.ShouldContain("kube_pod_container_status_restarts_total");
            restarts.Points[^1].Value.ShouldBeGreaterThanOrEqualTo(2);
            // The leak verdict is computed from the Prometheus samples: ~48 MiB per simulated minute.
            var leak = record.Hypotheses.Single(h => h.Statement.StartsWith("A memory leak", StringComparison.Ordinal));
            var rate = double.Parse(System.Text.RegularExpressions.Regex.Match(leak.Data[0], @"grows ([0-9.]+) MiB/min").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            rate.ShouldBeInRange(30, 70, leak.Data[0]);
        }
        else
        {
            text.ShouldContain("Prometheus evidence skipped: ", customMessage: text);
        }

        text.ShouldContain("Dry run (nothing changed yet)");
        text.IndexOf("Dry run (nothing changed yet)", StringComparison.Ordinal).ShouldBeLessThan(text.IndexOf("Applying the fix", StringComparison.Ordinal));

        record.Triage!.Severity.ShouldBe("SEV2");
        record.Hypotheses.ShouldContain(h => h.Statement.StartsWith("A memory leak", StringComparison.Ordinal) && h.Verdict == HypothesisVerdict.Confirmed);
        record.Hypotheses.ShouldContain(h => h.Statement.StartsWith("The problem started with the latest rollout", StringComparison.Ordinal) && h.Verdict == HypothesisVerdict.Confirmed);

        // Every cluster entry of the timeline is an event the simulator recorded (reason, object, first time), or a container
        // termination (reason, finishedAt) that a simulator pod's status showed while the demo ran.
        var clusterEntries = record.Timeline.Where(e => e.Source == TimelineSource.Cluster).ToList();
        clusterEntries.Count.ShouldBeGreaterThan(5);
        foreach (var entry in clusterEntries)
        {
            var matched = events.Any(ev => Matches(ev, entry))
                || entry.Object is { Kind: "Pod" } pod && terminations.ContainsKey((pod.Name, entry.At, entry.Reason!));
            matched.ShouldBeTrue($"timeline entry has no matching simulator event or pod status: {entry.At:HH:mm:ss.fff} {entry.Text}");
        }

        // The applied action is real: the limit changed in the cluster, a new revision rolled out after it, the audit log has it.
        var applied = record.Actions.Where(a => !a.DryRun).ShouldHaveSingleItem();
        record.Actions.First().DryRun.ShouldBeTrue();
        var limits = deployment!["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!;
        ((string)limits["memory"]!).ShouldBe("768Mi");
        applied.Description.ShouldContain("768Mi");
        events.ShouldContain(ev => (string?)ev["reason"] == "ScalingReplicaSet" && First(ev) >= applied.At.AddSeconds(-1)
            && ((string?)ev["message"] ?? "").Contains("Scaled up", StringComparison.Ordinal));
        applied.Verification!.Passed.ShouldBeTrue();
        ((int?)deployment["status"]!["readyReplicas"]).ShouldBe(3);
        var audit = string.Join("\n", Directory.GetFiles(Path.Combine(_dir, "audit"), "*.jsonl").Select(File.ReadAllText));
        audit.ShouldContain($"\"actionId\":\"{applied.AuditId}\"");
        audit.ShouldContain("\"phase\":\"verified\"");

        // KubeMedic's own entries happened during the run, in the sim clock's time.
        foreach (var entry in record.Timeline.Where(e => e.Source != TimelineSource.Cluster))
        {
            entry.At.ShouldBeInRange(record.CreatedAt, simNow, entry.Text);
        }

        // The postmortem lists exactly the record's timeline, in order, and the actions taken.
        var postmortem = File.ReadAllText(result.PostmortemPath!);
        var timelineSection = postmortem[postmortem.IndexOf("## Timeline (UTC)", StringComparison.Ordinal)..postmortem.IndexOf("## Changes made", StringComparison.Ordinal)];
        var lines = timelineSection.Split('\n').Where(l => l.StartsWith("- ", StringComparison.Ordinal)).ToList();
        var built = PostmortemBuilder.Build(record).Timeline;
        // Entries added after the markdown was written: the postmortem files themselves and the last checkpoint.
        built.Skip(lines.Count).ShouldAllBe(e => e.Source == TimelineSource.KubeMedic && (e.Text.StartsWith("Postmortem written", StringComparison.Ordinal) || e.Text.StartsWith("Checkpoint: postmortem", StringComparison.Ordinal)));
        lines.Count.ShouldBeGreaterThan(built.Count - 4);
        for (var i = 0; i < lines.Count; i++)
        {
            lines[i].ShouldBe($"- {IncidentMarkdown.Time(built[i].At)} [{built[i].Source}] {IncidentMarkdown.Md(built[i].Text)}" + (built[i].Author is null ? "" : $" ({built[i].Author})"));
        }

        postmortem.ShouldContain($"| [x] | mitigate | {applied.Description}");
        postmortem.ShouldContain($"audit {applied.AuditId}");
        postmortem.ShouldContain("Add an alert that pages for oom-killed");
        postmortem.ShouldContain("regression test");
        File.Exists(Path.ChangeExtension(result.PostmortemPath!, ".html")).ShouldBeTrue();
        File.ReadAllText(Path.ChangeExtension(result.PostmortemPath!, ".html")).ShouldContain("<polyline");
    }

    private static DateTimeOffset First(JsonObject ev)
    {
        var text = (string?)ev["firstTimestamp"] ?? (string?)ev["eventTime"] ?? (string?)ev["metadata"]!["creationTimestamp"];
        return DateTimeOffset.Parse(text!, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool Matches(JsonObject ev, TimelineEntry entry)
    {
        var io = ev["involvedObject"]!;
        return (string?)ev["reason"] == entry.Reason
            && (string?)io["kind"] == entry.Object!.Kind
            && (string?)io["name"] == entry.Object.Name
            && ((string?)io["namespace"] ?? null) == (entry.Object.Kind == "Node" ? (string?)io["namespace"] : entry.Object.Namespace)
            && Math.Abs((First(ev) - entry.At).TotalSeconds) < 1;
    }
}
