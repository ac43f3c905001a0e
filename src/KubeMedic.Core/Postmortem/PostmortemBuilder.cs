using System.Globalization;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Incidents;
using KubeMedic.Core.Runbooks;

namespace KubeMedic.Core.Postmortem;

/// <summary>
/// Builds a <see cref="PostmortemDocument"/> from an incident record. Action items are generated from the findings and
/// workload facts (a missing alert, a missing memory limit, a missing readiness probe, a single replica, a regression test
/// for a code defect) and from the actions actually taken. Nothing is added that the record does not support.
/// </summary>
public static class PostmortemBuilder
{
    public static PostmortemDocument Build(IncidentRecord r, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var primary = r.PrimaryFinding();
        var applied = r.Actions.Where(a => !a.DryRun).ToList();
        var timeline = r.OrderedTimeline();
        var subject = Subject(r, primary);

        var rootCause = r.RootCause
            ?? (primary is not null ? $"{primary.Cause} ({primary.Code} on {primary.Object})" : "Not identified in the record.");
        var trigger = r.Trigger ?? "Not recorded.";
        var detection = r.Detection ?? (r.OpenedBy.StartsWith("alert:", StringComparison.Ordinal)
            ? $"Alert {r.OpenedBy["alert:".Length..]} fired and opened the incident."
            : $"Detected by {r.OpenedBy}; no alert is recorded as firing.");
        var resolution = applied.Count > 0
            ? string.Join(" ", applied.Select(a => $"{Dot(a.Description)}" + (a.Verification is { } v ? $" Verification {(v.Passed ? "passed" : "failed")}: {Dot(v.Summary)}" : " Not verified.")))
            : primary?.Fix is { } fix ? $"No change was applied during the incident. Proposed fix: {Dot(fix.Description)}" : "No change was applied during the incident.";

        var impact = r.Triage is { } t
            ? $"{t.Severity}. {Dot(t.Impact)}" + (t.AffectedServices.Count > 0 ? $" Affected: {string.Join(", ", t.AffectedServices)}." : "")
                + (t.CapacityLostPercent is { } lost ? $" Capacity lost at triage: {lost.ToString("0", CultureInfo.InvariantCulture)}%." : "")
            : "Not assessed (no triage in the record).";

        var summary = $"{subject}: {Dot(primary?.Summary ?? r.Title)}"
            + (r.RootCause is not null ? $" Root cause: {Dot(r.RootCause)}" : primary is not null ? $" Cause: {Dot(primary.Cause)}" : "")
            + (applied.Count > 0 ? $" Mitigated by: {Dot(applied[^1].Description)}" : "")
            + $" Status: {r.Status}.";

        var identified = r.StatusChanges.FirstOrDefault(s => s.To == IncidentStatus.Identified)?.At;
        var firstSymptom = FirstSymptom(r)?.At;
        var durations = new IncidentDurations
        {
            TimeToIdentify = identified - r.CreatedAt,
            TimeToMitigate = applied.Count > 0 ? applied[0].At - r.CreatedAt : null,
            TimeToResolve = r.ResolvedAt - r.CreatedAt,
            TimeToDetect = firstSymptom is { } fs && fs <= r.CreatedAt ? r.CreatedAt - fs : null,
        };

        return new PostmortemDocument
        {
            IncidentId = r.Id,
            Title = r.Title,
            Date = r.CreatedAt,
            GeneratedAt = time.GetUtcNow(),
            Status = r.Status == IncidentStatus.Resolved ? "Complete" : "Draft (incident still " + r.Status + ")",
            Authors = ["kubemedic postmortem (generated from the incident record)"],
            Severity = r.Triage?.Severity,
            Summary = summary,
            Impact = impact,
            RootCause = rootCause,
            Trigger = trigger,
            Detection = detection,
            Resolution = resolution,
            Durations = durations,
            Timeline = timeline,
            ActionsTaken = r.Actions,
            ActionItems = ActionItems(r),
            Hypotheses = r.Hypotheses,
            WentWell = WentWell(r, applied),
            WentWrong = WentWrong(r, applied),
            GotLucky = GotLucky(r),
            Findings = r.Findings,
            Metrics = r.Metrics,
        };
    }

    /// <summary>The action items: mitigations that were applied (done) or proposed, then prevent items from the findings and facts.</summary>
    public static IReadOnlyList<ActionItem> ActionItems(IncidentRecord r)
    {
        var items = new List<ActionItem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(ActionItem item)
        {
            if (seen.Add(item.Type + "|" + item.Text))
            {
                items.Add(item);
            }
        }

        // Mitigations actually applied, from the record's actions (i.e. the repair audit).
        foreach (var (a, i) in r.Actions.Select((a, i) => (a, i)).Where(x => !x.a.DryRun))
        {
            var verified = a.Verification is { Passed: true };
            Add(new ActionItem
            {
                Type = ActionItemType.Mitigate,
                Text = Dot(a.Description) + (a.Verification is { } v ? $" Verification {(v.Passed ? "passed" : "failed")}: {Dot(v.Summary)}" : " Not yet verified."),
                Done = verified,
                Owner = a.Actor ?? "on-call",
                Basis = a.AuditId is not null ? $"audit {a.AuditId}" : $"action #{i + 1}",
                FindingCode = a.FindingId?.Split(':')[0],
            });
        }

        // Proposed fixes for root-cause findings (not symptoms) on objects that no verified action fixed.
        var fixedObjects = r.Actions.Where(a => !a.DryRun && a.Verification is { Passed: true } && a.Object is not null).Select(a => a.Object!).ToHashSet();
        var addressed = r.Actions.Where(a => !a.DryRun && a.FindingId is not null).Select(a => a.FindingId!).ToHashSet(StringComparer.Ordinal);
        foreach (var group in r.Findings.Where(f => f.Fix is not null && f.Severity >= Severity.High && !IsSymptom(f.Code) && !addressed.Contains(f.Id) && !fixedObjects.Contains(f.Owner ?? f.Object))
            .GroupBy(f => f.Owner ?? f.Object))
        {
            var f = group.First();
            Add(new ActionItem { Type = ActionItemType.Mitigate, Text = $"{Dot(f.Fix!.Description)} ({group.Key})", Basis = $"finding {f.Id}", FindingCode = f.Code });
        }

        // Missing alert: the incident was not opened by an alert. One item per alert that would have paged.
        if (!r.OpenedBy.StartsWith("alert:", StringComparison.Ordinal))
        {
            var primary = r.PrimaryFinding();
            foreach (var byAlert in r.Findings.Where(f => (f.Severity >= Severity.High || f == primary) && !IsSymptom(f.Code) && HasAlert(f.Code))
                .GroupBy(f => SuggestedAlert(f.Code)))
            {
                var objects = string.Join(", ", byAlert.Select(f => (f.Owner ?? f.Object).ToString()).Distinct());
                Add(new ActionItem
                {
                    Type = ActionItemType.Prevent,
                    Text = $"Add an alert that pages for {string.Join("/", byAlert.Select(f => f.Code).Distinct())} on {objects}: {byAlert.Key}. No alert fired for this incident (it was opened by {r.OpenedBy}); `kubemedic alerts generate` writes the rule with a runbook link.",
                    Basis = $"detection: opened by {r.OpenedBy}",
                    FindingCode = byAlert.First().Code,
                });
            }
        }

        // Regression test for the code defect.
        foreach (var f in r.Findings.Where(f => IsCodeDefect(f, r)))
        {
            var where = r.Workloads.FirstOrDefault(w => w.Object == (f.Owner ?? f.Object)) is { Image: { } image } ? $" in {image}" : "";
            Add(new ActionItem
            {
                Type = ActionItemType.Prevent,
                Text = f.Code == FindingCodes.OomKilled
                    ? $"Fix the memory leak{where} and add a regression test that drives the hot path in a loop and asserts memory stays flat ({f.Owner ?? f.Object})."
                    : $"Fix the defect that makes {f.Owner ?? f.Object} exit{where} and add a regression test for it.",
                Basis = $"finding {f.Id}",
                FindingCode = f.Code,
            });
        }

        // Workload facts and findings about configuration.
        foreach (var w in r.Workloads)
        {
            if (w.HasMemoryLimit == false)
            {
                Add(new ActionItem { Type = ActionItemType.Prevent, Text = $"Set memory requests and limits on {w.Object} from observed usage (peak + 15-25%).", Basis = $"workload {w.Object}: no memory limit" });
            }

            if (w.HasReadinessProbe == false)
            {
                Add(new ActionItem { Type = ActionItemType.Prevent, Text = $"Add a readiness probe to {w.Object} so a bad version cannot take every replica out of service.", Basis = $"workload {w.Object}: no readiness probe", FindingCode = FindingCodes.RiskyRollout });
            }

            if (w.Replicas == 1)
            {
                Add(new ActionItem { Type = ActionItemType.Prevent, Text = $"Run at least 2 replicas of {w.Object} with a PodDisruptionBudget (minAvailable: 1).", Basis = $"workload {w.Object}: replicas=1", FindingCode = FindingCodes.SinglePointOfFailure });
            }
        }

        foreach (var f in r.Findings)
        {
            var target = f.Owner ?? f.Object;
            switch (f.Code)
            {
                case FindingCodes.SinglePointOfFailure:
                    Add(new ActionItem { Type = ActionItemType.Prevent, Text = $"Run at least 2 replicas of {target} with a PodDisruptionBudget (minAvailable: 1).", Basis = $"finding {f.Id}", FindingCode = f.Code });
                    break;
                case FindingCodes.RiskyRollout when Mentions(f, "readiness"):
                    Add(new ActionItem { Type = ActionItemType.Prevent, Text = $"Add a readiness probe to {target} so a bad version cannot take every replica out of service.", Basis = $"finding {f.Id}", FindingCode = f.Code });
                    break;
                case FindingCodes.RiskyRollout:
                    Add(new ActionItem { Type = ActionItemType.Prevent, Text = $"Use a rolling update with maxUnavailable 25% on {target}.", Basis = $"finding {f.Id}", FindingCode = f.Code });
                    break;
            }

            if (Mentions(f, "no memory limit") || Mentions(f, "without a memory limit"))
            {
                Add(new ActionItem { Type = ActionItemType.Prevent, Text = $"Set memory requests and limits on {target} from observed usage (peak + 15-25%).", Basis = $"finding {f.Id}", FindingCode = f.Code });
            }
        }

        return items;
    }

    private static TimelineEntry? FirstSymptom(IncidentRecord r) =>
        r.PrimaryFinding() is { } p ? TimelineFacts.FirstSymptom(r.Timeline, p) : r.Timeline.Where(e => e.Source == TimelineSource.Cluster).MinBy(e => e.At);

    private static bool IsSymptom(string code) => code is FindingCodes.ReplicasUnavailable or FindingCodes.ServiceNoEndpoints or FindingCodes.RolloutStuck;

    private static bool HasAlert(string code) => code == FindingCodes.OomKilled || RunbookCatalog.ForCode(code) is { } rb && (rb.Alerts.Count > 0 || rb.RelatedAlerts.Count > 0);

    /// <summary>A finding whose cause is in the application code rather than the configuration.</summary>
    private static bool IsCodeDefect(Finding f, IncidentRecord r)
    {
        var confirmedLeak = r.Hypotheses.Any(h => h.Verdict == HypothesisVerdict.Confirmed && h.FindingCode == f.Code && h.Statement.Contains("leak", StringComparison.OrdinalIgnoreCase));
        var confirmedDeploy = r.Hypotheses.Any(h => h.Verdict == HypothesisVerdict.Confirmed && h.FindingCode == f.Code && h.Statement.Contains("rollout", StringComparison.OrdinalIgnoreCase));
        return f.Code == FindingCodes.OomKilled && (confirmedLeak || Mentions(f, "leak") || Mentions(f, "grows"))
            || f.Code == FindingCodes.CrashLoop && (confirmedDeploy || f.Severity >= Severity.High);
    }

    private static bool Mentions(Finding f, string word) =>
        f.Cause.Contains(word, StringComparison.OrdinalIgnoreCase)
        || f.Summary.Contains(word, StringComparison.OrdinalIgnoreCase)
        || (f.SubReason?.Contains(word, StringComparison.OrdinalIgnoreCase) ?? false)
        || f.Evidence.Any(e => e.Text.Contains(word, StringComparison.OrdinalIgnoreCase));

    /// <summary>The alert that would have caught this finding.</summary>
    public static string SuggestedAlert(string code) => code switch
    {
        FindingCodes.OomKilled => "container memory working set above 90% of its limit for 5m, and KubePodCrashLooping",
        _ => RunbookCatalog.ForCode(code) is { } rb && (rb.Alerts.Count > 0 ? rb.Alerts[0] : rb.RelatedAlerts.FirstOrDefault()) is { } alert
            ? alert
            : $"an alert on the {code} condition",
    };

    private static List<string> WentWell(IncidentRecord r, List<IncidentAction> applied)
    {
        var list = new List<string>();
        if (r.Triage is { } t && r.Timeline.FirstOrDefault(e => e.Source == TimelineSource.KubeMedic && e.Text.StartsWith("Triage", StringComparison.Ordinal)) is { } te)
        {
            list.Add($"Severity was classified ({t.Severity}) {StatusUpdate.FormatDuration(te.At - r.CreatedAt)} after the incident was opened.");
        }

        foreach (var h in r.Hypotheses.Where(h => h.Verdict == HypothesisVerdict.Confirmed))
        {
            list.Add($"The hypothesis \"{Dot(h.Statement)}\" was confirmed by data" + (h.Data.Count > 0 ? $": {h.Data[0]}" : "."));
        }

        foreach (var h in r.Hypotheses.Where(h => h.Verdict == HypothesisVerdict.RuledOut))
        {
            list.Add($"A competing hypothesis was ruled out with data instead of guessed at: \"{Dot(h.Statement)}\".");
        }

        if (r.Actions.Any(a => a.DryRun) && applied.Count > 0)
        {
            list.Add("The fix was reviewed as a dry-run diff before it was applied.");
        }

        foreach (var a in applied.Where(a => a.Verification is { Passed: true }))
        {
            list.Add($"The change was verified after applying it: {Dot(a.Verification!.Summary)}");
        }

        if (r.Metrics.FirstOrDefault(m => m.Points.Count > 1) is { } metric)
        {
            list.Add($"Metric evidence was available to settle the hypotheses: {metric.Label} ({metric.Points.Count} samples).");
        }

        return list;
    }

    private static List<string> WentWrong(IncidentRecord r, List<IncidentAction> applied)
    {
        var list = new List<string>();
        if (!r.OpenedBy.StartsWith("alert:", StringComparison.Ordinal))
        {
            list.Add($"No alert fired; the incident was opened by {r.OpenedBy}.");
        }

        var firstSymptom = FirstSymptom(r);
        if (firstSymptom is not null && firstSymptom.At < r.CreatedAt)
        {
            list.Add($"The first symptom ({firstSymptom.Reason} at {firstSymptom.At.UtcDateTime:HH:mm:ss}) came {StatusUpdate.FormatDuration(r.CreatedAt - firstSymptom.At)} before the incident was opened.");
        }

        foreach (var a in applied.Where(a => a.Verification is { Passed: false }))
        {
            list.Add($"A change did not remove the symptom: {Dot(a.Description)} ({Dot(a.Verification!.Summary)}).");
        }

        foreach (var w in r.Workloads)
        {
            if (w.Replicas == 1)
            {
                list.Add($"{w.Object} ran a single replica, so every crash was a full outage of it.");
            }

            if (w.HasReadinessProbe == false)
            {
                list.Add($"{w.Object} has no readiness probe.");
            }
        }

        if (r.Trigger is not null)
        {
            list.Add($"The trigger reached production without being caught: {Dot(r.Trigger)}");
        }

        return list;
    }

    private static List<string> GotLucky(IncidentRecord r)
    {
        var list = new List<string>();
        if (r.Triage?.CapacityLostPercent is { } lost and > 0 and < 100)
        {
            list.Add($"Only {lost.ToString("0", CultureInfo.InvariantCulture)}% of the capacity was lost at triage; the remaining replicas kept serving between restarts.");
        }

        if (r.Findings.All(f => f.Code != FindingCodes.NodeNotReady && f.Code != FindingCodes.NodeLost && f.Code != FindingCodes.NodePressure))
        {
            list.Add("The nodes stayed healthy; the problem was contained to the workload.");
        }

        return list;
    }

    private static string Subject(IncidentRecord r, Finding? primary)
    {
        if (r.Triage?.AffectedServices is { Count: > 0 } s)
        {
            return string.Join(", ", s);
        }

        return (primary?.Owner ?? primary?.Object)?.ToString() ?? r.Title;
    }

    internal static string Dot(string s)
    {
        s = s.Trim();
        return s.Length == 0 || s.EndsWith('.') || s.EndsWith('!') || s.EndsWith('?') ? s : s + ".";
    }
}
