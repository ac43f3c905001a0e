using System.Globalization;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Incidents;
using KubeMedic.Core.Postmortem;

namespace KubeMedic.Cli.Commands;

internal sealed record ResponseOptions
{
    public bool AssumeYes { get; init; }
    public string PostmortemDirectory { get; init; } = PostmortemCommand.DefaultDirectory;
    public PostmortemFormat PostmortemFormat { get; init; } = PostmortemFormat.Markdown;

    /// <summary>Also write the HTML rendering (timeline and memory charts) beside the markdown.</summary>
    public bool AlsoHtml { get; init; }
    public Severity MinSeverity { get; init; } = Severity.Medium;
    public string OpenedBy { get; init; } = "kubemedic respond";
}

internal sealed record ResponseResult(int ExitCode, string? IncidentId, string? PostmortemPath, IncidentStatus? Status);

/// <summary>
/// The seed 000 walkthrough as a program: 1 triage, 2 root cause (hypotheses checked against data), 3 observability,
/// 4 fix (dry-run diff, confirmation, apply, verify), 5 record (postmortem). Every step writes to the incident record, and
/// each ends with the seed's checkpoints answered from what actually happened.
/// </summary>
internal sealed partial class ResponseFlow(IResponseBackend backend, IResponseUi ui, IncidentStore store, ResponseOptions options)
{
    private const int Steps = 5;
    private TimeProvider Time => store.Time;

    public async Task<ResponseResult> RunAsync(CancellationToken ct)
    {
        ui.Line($"Responding on {backend.Description}.");
        var observation = await ui.Progress("Reading the cluster and diagnosing", () => backend.ObserveAsync(ct));
        var findings = observation.Findings.Where(f => f.Severity >= options.MinSeverity).ToList();
        if (findings.Count == 0)
        {
            ui.Line($"No finding at or above {options.MinSeverity.ToString().ToLowerInvariant()} severity: no incident to respond to.");
            return new ResponseResult(ExitCodes.Ok, null, null, null);
        }

        var primary = Primary(findings);
        var target = primary.Owner ?? primary.Object;
        var workload = observation.Workloads.FirstOrDefault(w => w.Object == target);

        // ---------------- Step 1: triage ----------------
        var what = KubeMedic.Core.Runbooks.RunbookCatalog.ForCode(primary.Code)?.Title ?? primary.Code;
        var allCauses = RootCauses(findings);
        var title = allCauses.Count > 1
            ? $"{allCauses.Count} problems at once: " + string.Join(", ", allCauses.Select(c => $"{(c.Owner ?? c.Object).Name} ({KubeMedic.Core.Runbooks.RunbookCatalog.ForCode(c.Code)?.Title ?? c.Code})"))
            : $"{target.Name} ({target.Namespace ?? target.Kind}): {what}";

        var record = store.Open(title, options.OpenedBy, dedupKey: $"respond:{primary.Id}", cluster: backend.Description, init: r =>
        {
            r.Detection = $"{options.OpenedBy} on {backend.Description}; no alert is recorded as firing.";
        });
        var id = record.Id;
        store.Update(id, r =>
        {
            foreach (var e in observation.ClusterTimeline.Where(e => !r.Timeline.Contains(e)))
            {
                r.Timeline.Add(e);
            }

            r.Triage = observation.Triage;
            r.Trigger ??= observation.Trigger;
            IncidentStore.MergeFindings(r, findings);
            foreach (var w in observation.Workloads.Where(w => r.Workloads.All(x => x.Object != w.Object)))
            {
                r.Workloads.Add(w);
            }

            r.Timeline.Add(Auto(observation.Triage is { } t ? $"Triage: {t.Severity}, {t.Impact}" : "Triage: severity not classified (no triage data)"));
        });
        ui.Line($"Incident {id} opened: {store.FolderOf(id)}");

        ui.Step(1, Steps, "Triage", "severity, impact, timeline, first communication");
        if (observation.Triage is { } triage)
        {
            ui.Detail("Severity", triage.Severity + (triage.Rationale is null ? "" : $" ({triage.Rationale})"));
            ui.Detail("Impact", triage.Impact);
            if (triage.AffectedServices.Count > 0)
            {
                ui.Detail("Affected", string.Join(", ", triage.AffectedServices) + (triage.UserFacing ? " (user-facing)" : ""));
            }

            if (triage.Correlation is not null)
            {
                ui.Detail("Timeline", triage.Correlation);
            }
        }

        if (observation.LeadingHypothesis is not null)
        {
            ui.Detail("Leading hypothesis", observation.LeadingHypothesis);
        }

        var cluster = observation.ClusterTimeline.OrderBy(e => e.At).ToList();
        var since = TimelineFacts.LatestRollout(cluster, target)?.Entry.At ?? DateTimeOffset.MinValue;
        var key = cluster.Where(e => e.At >= since && (e.Object == target || e.Object?.Name.StartsWith(target.Name, StringComparison.Ordinal) == true || e.Text.Contains(target.Name, StringComparison.Ordinal))).ToList();
        ui.Line($"Timeline ({cluster.Count} cluster events recorded; {key.Count} about {target.Name} since its latest rollout):");
        foreach (var e in key.Take(4).Concat(key.Count > 6 ? key.TakeLast(2) : key.Skip(4)))
        {
            ui.Line($"  {Hm(e.At)} {Short(e.Text)}");
        }

        record = store.Get(id);
        ShowStatusUpdate(record);
        ui.Checkpoints(
        [
            ("Was the severity classified?", observation.Triage is not null, observation.Triage?.Severity ?? "no triage data"),
            ("Was the impact scoped?", observation.Triage is { AffectedServices.Count: > 0 }, observation.Triage is { } tt ? string.Join(", ", tt.AffectedServices) : ""),
            ("Were recent changes checked?", true, observation.Trigger ?? "no rollout or config change found before the first failure"),
        ]);
        Checkpoint(id, "severity classified", observation.Triage is not null);

        // ---------------- Step 2: root cause ----------------
        ui.Step(2, Steps, "Root cause", "findings with evidence; hypotheses checked against data");
        var metrics = await ui.Progress("Collecting metric evidence", () => backend.MetricsAsync(primary, observation, ct));
        foreach (var f in findings.Take(6))
        {
            ui.Line($"{f.Severity.ToString().ToUpperInvariant(),-8} {f.Code} on {f.Object}: {f.Summary}");
        }

        if (findings.Count > 6)
        {
            ui.Line($"({findings.Count - 6} more findings in the incident record)");
        }

        ui.Detail("Cause", primary.Cause);
        foreach (var e in primary.Evidence.Take(6))
        {
            ui.Line($"  [{e.Source}] {e.Text}");
        }

        var memory = metrics.Series.FirstOrDefault(m => m.Unit == "bytes" && m.Points.Count > 0);
        if (memory is not null)
        {
            var peakMiB = memory.Points.Max(p => p.Value) / (1024 * 1024);
            var enriched = primary with { Evidence = [.. primary.Evidence, new Evidence(EvidenceSource.Metric, $"peak working set {peakMiB:0}Mi over {memory.Points.Count} samples ({metrics.Source})")] };
            findings = [.. findings.Select(f => f.Id == primary.Id ? enriched : f)];
            primary = enriched;
            store.Update(id, r => IncidentStore.MergeFindings(r, [enriched]));
        }

        var hypotheses = HypothesisEngine.Evaluate(primary, metrics.Series, store.Get(id).OrderedTimeline(), workload);
        foreach (var h in hypotheses)
        {
            ui.Line($"Hypothesis: {h.Statement} → {IncidentMarkdown.VerdictText(h.Verdict).ToUpperInvariant()}");
            foreach (var d in h.Data)
            {
                ui.Line($"    {d}");
            }
        }

        var confirmed = hypotheses.Where(h => h.Verdict == HypothesisVerdict.Confirmed).ToList();
        var rootCause = RootCause(primary, confirmed);
        store.Update(id, r =>
        {
            r.Hypotheses.Clear();
            r.Hypotheses.AddRange(hypotheses);
            r.Metrics.Clear();
            r.Metrics.AddRange(metrics.Series);
            r.RootCause = rootCause;
            r.Timeline.Add(Auto($"Diagnosis: {primary.Code} on {primary.Object}; {confirmed.Count} of {hypotheses.Count} hypotheses confirmed by data"));
        });
        var causeFound = primary.Cause.Length > 0 && primary.Code is not (FindingCodes.ReplicasUnavailable or FindingCodes.ServiceNoEndpoints);
        if (confirmed.Count > 0)
        {
            record = store.Update(id, r => IncidentStore.ApplyStatus(r, IncidentStatus.Identified, rootCause, Time.GetUtcNow()));
            ShowStatusUpdate(record);
        }

        ui.Checkpoints(
        [
            ("Was the cause (not the symptom) found?", causeFound, $"{primary.Code}: {FirstSentence(primary.Cause)}"),
            ("Was the hypothesis confirmed by data?", confirmed.Count > 0, confirmed.Count > 0 ? confirmed[0].Data.FirstOrDefault() ?? "" : "no hypothesis could be settled with the data available"),
        ]);
        Checkpoint(id, "cause found and confirmed by data", causeFound && confirmed.Count > 0);

        // ---------------- Step 3: observability ----------------
        ui.Step(3, Steps, "Observability", "metric trends and their correlation with the change");
        ui.Detail("Metrics source", metrics.Source);
        if (metrics.SkippedBecause is not null)
        {
            ui.Line($"Prometheus evidence skipped: {metrics.SkippedBecause}");
        }

        foreach (var m in metrics.Series.Where(m => m.Points.Count > 0))
        {
            var peak = m.Points.Max(p => p.Value);
            ui.Line($"{m.Label}: {m.Points.Count} samples, {PostmortemRenderer.FormatValue(m.Points[0].Value, m.Unit)} → peak {PostmortemRenderer.FormatValue(peak, m.Unit)}"
                + (m.Threshold is { } th ? $" ({m.ThresholdLabel ?? "threshold"} {PostmortemRenderer.FormatValue(th, m.Unit)})" : ""));
            ui.Line($"  query: {m.Query}");
        }

        var growth = hypotheses.FirstOrDefault(h => h.Statement.StartsWith("A memory leak", StringComparison.Ordinal));
        var deployCorrelation = hypotheses.FirstOrDefault(h => h.Statement.StartsWith("The problem started with the latest rollout", StringComparison.Ordinal));
        store.Update(id, r => r.Timeline.Add(Auto($"Observability: {metrics.Source}" + (metrics.SkippedBecause is null ? "" : $"; Prometheus skipped ({metrics.SkippedBecause})"))));
        ui.Checkpoints(
        [
            ("Was the memory growth pattern confirmed?", growth is null ? null : growth.Verdict == HypothesisVerdict.Confirmed, growth?.Data.FirstOrDefault() ?? "not a memory problem"),
            ("Was the deploy time correlated with the failure time?", deployCorrelation is null ? null : deployCorrelation.Verdict == HypothesisVerdict.Confirmed, deployCorrelation?.Data.LastOrDefault() ?? "no rollout in the timeline"),
        ]);

        // ---------------- Step 4: fix and verify ----------------
        ui.Step(4, Steps, "Fix and verify", backend.CanRepair ? "dry-run diff, confirmation, apply, verify" : "dry run only: a snapshot cannot be repaired");
        var causes = RootCauses(findings);
        var appliedActions = new List<IncidentAction>();
        var anyDeclined = false;
        foreach (var cause in causes)
        {
            if (causes.Count > 1)
            {
                ui.Line($"--- {cause.Code} on {cause.Owner ?? cause.Object}");
            }

            var (action, declined) = await FixOneAsync(id, cause, observation, ct);
            anyDeclined |= declined;
            if (action is not null)
            {
                appliedActions.Add(action);
            }
        }

        if (appliedActions.Count > 0)
        {
            await MergeClusterTimelineAsync(id, findings, ct);
            record = store.Get(id);
            if (appliedActions.All(a => a.Verification is { Passed: true }) && !anyDeclined && appliedActions.Count == causes.Count)
            {
                record = store.Resolve(id, $"Fix verified: {string.Join("; ", appliedActions.Select(a => a.Verification!.Summary))}");
                ShowStatusUpdate(record);
            }
        }

        var applied = appliedActions.Count == 0 ? null : appliedActions.FirstOrDefault(a => a.Verification is { Passed: false }) ?? appliedActions[^1];
        bool? symptomGone = backend.CanRepair ? applied?.Verification?.Passed ?? false : null;
        ui.Checkpoints(
        [
            ("Did the fix remove the symptom?", symptomGone, applied?.Verification?.Summary ?? (backend.CanRepair ? "no fix applied" : "snapshot: nothing applied")),
            ("Was a regression test added?", false, "listed as a prevent action item in the postmortem"),
            ("No side effects on other services?", applied?.Verification is null ? null : applied.Verification.Checks.All(c => !c.Contains("new finding", StringComparison.OrdinalIgnoreCase)), applied?.Verification is null ? "" : "checked by re-diagnosing after the fix"),
        ]);
        Checkpoint(id, "fix removed the symptom", symptomGone == true);

        // ---------------- Step 5: record ----------------
        ui.Step(5, Steps, "Record and retrospective", "postmortem from the incident record");
        var path = PostmortemWriter.Write(store, id, options.PostmortemDirectory, options.PostmortemFormat);
        string? htmlPath = null;
        if (options.AlsoHtml && options.PostmortemFormat != PostmortemFormat.Html)
        {
            htmlPath = PostmortemWriter.Write(store, id, options.PostmortemDirectory, PostmortemFormat.Html);
        }

        record = store.Get(id);
        var items = PostmortemBuilder.ActionItems(record);
        ui.Detail("Postmortem", Relative(path) + (htmlPath is null ? "" : $" (HTML with charts: {Relative(htmlPath)})"));
        foreach (var item in items)
        {
            ui.Line($"[{(item.Done ? "x" : " ")}] {item.Type}: {item.Text}");
        }

        ui.Detail("Incident record", Relative(Path.Combine(store.FolderOf(id), IncidentStore.MarkdownFile)));
        ui.Checkpoints(
        [
            ("Was the postmortem written?", File.Exists(path), Relative(path)),
            ("Are the action items clear?", items.Count > 0, $"{items.Count(i => i.Type == ActionItemType.Mitigate)} mitigate, {items.Count(i => i.Type == ActionItemType.Prevent)} prevent"),
            ("Was monitoring/alerting strengthened?", items.Any(i => i.Text.StartsWith("Add an alert", StringComparison.Ordinal)) ? false : null, items.Any(i => i.Text.StartsWith("Add an alert", StringComparison.Ordinal)) ? "not yet: the alert action item is open (kubemedic alerts generate)" : record.OpenedBy.StartsWith("alert:", StringComparison.Ordinal) ? "an alert opened this incident" : ""),
        ]);
        Checkpoint(id, "postmortem written", File.Exists(path));
        record = store.Get(id);
        ui.Line("");
        ui.Line($"Incident {id}: {record.Status}. Next: kubemedic incident show {id} | kubemedic incident status-update {id}");
        return new ResponseResult(record.Status == IncidentStatus.Resolved ? ExitCodes.Ok : ExitCodes.Findings, id, path, record.Status);
    }

    private async Task<(IncidentAction? Applied, bool Declined)> FixOneAsync(string id, Finding cause, Observation observation, CancellationToken ct)
    {
        IncidentRecord record;
        var target = cause.Owner ?? cause.Object;
        var proposal = await ui.Progress("Planning the fix", () => backend.ProposeAsync(cause, observation, ct));
        IncidentAction? applied = null;
        var declined = false;
        if (proposal is null || proposal.Escalation)
        {
            var why = proposal?.Why ?? $"no automatic remedy for {cause.Code}";
            ui.Line($"No automatic fix: {why.TrimEnd('.')}. Escalate to the owner of {target}; runbook: kubemedic runbook {cause.Code} --object {target}");
            store.Update(id, r => r.Timeline.Add(Auto($"Escalated: {why}")));
        }
        else
        {
            ui.Detail("Proposed fix", proposal.Description);
            if (proposal.Why is not null)
            {
                ui.Detail("Why", proposal.Why);
            }

            if (proposal.Risk is not null || proposal.Undo is not null)
            {
                ui.Detail("Risk / undo", $"{proposal.Risk ?? "?"} / {proposal.Undo ?? "?"}");
            }

            ui.Line("Dry run (nothing changed yet):");
            ui.Code(proposal.Diff.Length > 0 ? proposal.Diff.TrimEnd('\n').Split('\n') : ["(no diff available)"], "diff");
            ui.Code(proposal.Commands.Select(c => "$ " + c));
            store.Update(id, r => r.Actions.Add(new IncidentAction
            {
                At = Time.GetUtcNow(),
                Description = proposal.Description,
                FindingId = cause.Id,
                Object = cause.Owner ?? cause.Object,
                Commands = proposal.Commands,
                DryRun = true,
                Diff = proposal.Diff,
            }));

            if (!backend.CanRepair)
            {
                ui.Line($"Not applied: {backend.Description} is read-only. On the live cluster: kubemedic fix {cause.Id} --apply");
            }
            else if (ui.Confirm($"Apply this fix to {proposal.Finding.Owner ?? proposal.Finding.Object}?", options.AssumeYes))
            {
                applied = await ui.Progress("Applying the fix and verifying the rollout", () => backend.ApplyAsync(proposal, ct));
                record = store.Update(id, r =>
                {
                    r.Actions.Add(applied);
                    r.Timeline.Add(new TimelineEntry { At = applied.At, Source = TimelineSource.Action, Text = $"Applied: {applied.Description}" + (applied.AuditId is null ? "" : $" (audit {applied.AuditId})"), Object = applied.Object, Author = applied.Actor });
                    if (applied.Verification is { } v)
                    {
                        r.Timeline.Add(new TimelineEntry { At = v.At ?? Time.GetUtcNow(), Source = TimelineSource.Action, Text = $"Verification {(v.Passed ? "passed" : "failed")}: {v.Summary}", Object = applied.Object });
                    }

                    if (r.Status is IncidentStatus.Investigating or IncidentStatus.Identified)
                    {
                        IncidentStore.ApplyStatus(r, IncidentStatus.Monitoring, $"Applied: {applied.Description}", applied.At);
                    }
                });
                ShowStatusUpdate(record);
                if (applied.Verification is { } verification)
                {
                    ui.Detail("Verification", $"{(verification.Passed ? "PASSED" : "FAILED")}: {verification.Summary}");
                    foreach (var c in verification.Checks)
                    {
                        ui.Line($"  {c}");
                    }
                }
            }
            else
            {
                ui.Line("Not applied. Apply later with: kubemedic fix " + cause.Id + " --apply");
                store.Update(id, r => r.Timeline.Add(Auto("Fix not applied (declined)")));
                declined = true;
            }
        }

        return (applied, declined);
    }

    /// <summary>One root cause per affected object (the worst finding on it that is a cause, not a symptom), worst first, at most five.</summary>
    internal static List<Finding> RootCauses(IReadOnlyList<Finding> findings)
    {
        var serious = findings.Where(f => f.Severity >= Severity.High).ToList();
        if (serious.Count == 0)
        {
            return [Primary(findings)];
        }

        return [.. serious.GroupBy(f => f.Owner ?? f.Object)
            .Select(g => g.OrderBy(Tier).ThenByDescending(f => f.Severity).First())
            .Where(f => Tier(f) < 2)
            .OrderBy(Tier).ThenByDescending(f => f.Severity).Take(8)];
    }

    /// <summary>The finding to act on: the worst one that is not explained by another (a cause, not a symptom).</summary>
    internal static Finding Primary(IReadOnlyList<Finding> findings)
    {
        var ids = findings.Select(f => f.Id).ToHashSet();
        return findings
            .OrderBy(f => Tier(f) == 2 ? 1 : 0)
            .ThenByDescending(f => f.Severity)
            .ThenBy(Tier)
            .ThenBy(f => f.Related.Any(r => r.Relation is "caused-by" or "explained-by" && ids.Contains($"{r.Code}:{r.Object}")) ? 1 : 0)
            .First();
    }

    /// <summary>
    /// How directly a finding names a cause: 0 the workload's own change or code, 1 its environment, 2 a symptom or a risk. A stuck
    /// rollout whose new pods fail their probe, pull or start is the new revision's own fault (tier 0): rolling back fixes it.
    /// </summary>
    internal static int Tier(Finding f) =>
        f.Code == FindingCodes.RolloutStuck && (f.SubReason is FindingCodes.ReadinessFailing or FindingCodes.ImagePull or FindingCodes.CrashLoop
            || f.Summary.Contains(FindingCodes.ReadinessFailing, StringComparison.Ordinal))
            ? 0
            : Tier(f.Code);

    internal static int Tier(string code) => code switch
    {
        FindingCodes.ImagePull or FindingCodes.ConfigMissing or FindingCodes.OomKilled or FindingCodes.CrashLoop or FindingCodes.ReadinessFailing
            or FindingCodes.LivenessRestarts or FindingCodes.InitFailing or FindingCodes.ServicePortMismatch => 0,
        FindingCodes.ReplicasUnavailable or FindingCodes.ServiceNoEndpoints or FindingCodes.RolloutStuck or FindingCodes.SinglePointOfFailure
            or FindingCodes.RiskyRollout => 2,
        _ => 1,
    };

    private static string RootCause(Finding primary, List<Hypothesis> confirmed)
    {
        var leak = confirmed.FirstOrDefault(h => h.Statement.StartsWith("A memory leak", StringComparison.Ordinal));
        var deploy = confirmed.FirstOrDefault(h => h.Statement.StartsWith("The problem started with the latest rollout", StringComparison.Ordinal));
        var cause = FirstSentence(primary.Cause);
        if (leak is not null && SlopeText().Match(leak.Data.FirstOrDefault() ?? "") is { Success: true } slope)
        {
            cause += $"; the working set {slope.Value} after every restart (a memory leak, not a limit that is merely too low)";
        }

        if (deploy is not null && RevisionText().Match(deploy.Statement) is { Success: true } rev)
        {
            var image = ImageText().Match(deploy.Data.FirstOrDefault() ?? "") is { Success: true } m ? $" (image {m.Groups["image"].Value})" : "";
            cause += $"; it began with {rev.Value}{image}";
        }

        return cause + ".";
    }

    private static string FirstSentence(string text)
    {
        var t = text.Trim();
        var stop = t.IndexOf(". ", StringComparison.Ordinal);
        return (stop > 0 ? t[..stop] : t).TrimEnd('.');
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"grows [0-9.]+ MiB/min")]
    private static partial System.Text.RegularExpressions.Regex SlopeText();

    [System.Text.RegularExpressions.GeneratedRegex(@"revision \d+")]
    private static partial System.Text.RegularExpressions.Regex RevisionText();

    [System.Text.RegularExpressions.GeneratedRegex(@"image (?<image>[^,)\s]+)")]
    private static partial System.Text.RegularExpressions.Regex ImageText();

    /// <summary>Adds cluster entries that appeared since the first look (the fix's rollout), keyed by time, reason and object.</summary>
    private async Task MergeClusterTimelineAsync(string id, IReadOnlyList<Finding> findings, CancellationToken ct)
    {
        var fresh = await backend.ClusterTimelineAsync(findings, ct);
        if (fresh.Count == 0)
        {
            return;
        }

        store.Update(id, r =>
        {
            var known = r.Timeline.Where(e => e.Source == TimelineSource.Cluster).Select(e => (e.At, e.Reason, e.Object)).ToHashSet();
            foreach (var e in fresh.Where(e => !known.Contains((e.At, e.Reason, e.Object))))
            {
                r.Timeline.Add(e);
            }
        });
    }

    private void ShowStatusUpdate(IncidentRecord record)
    {
        var msg = StatusUpdate.Compose(record);
        ui.Detail($"Status update ({msg.Status})", msg.Title);
        ui.Line("  " + msg.Body);
    }

    private void Checkpoint(string id, string what, bool passed) =>
        store.Update(id, r => r.Timeline.Add(Auto($"Checkpoint: {what}: {(passed ? "yes" : "no")}")));

    private TimelineEntry Auto(string text) => new() { At = Time.GetUtcNow(), Source = TimelineSource.KubeMedic, Text = text };

    private static string Hm(DateTimeOffset t) => t.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Short(string text) => text.Length > 150 ? text[..147] + "..." : text;

    private static string Relative(string path)
    {
        var rel = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return rel.StartsWith("..", StringComparison.Ordinal) ? path : rel;
    }
}
