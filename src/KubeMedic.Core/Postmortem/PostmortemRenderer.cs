using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using KubeMedic.Core.Incidents;

namespace KubeMedic.Core.Postmortem;

/// <summary>Renders a <see cref="PostmortemDocument"/> as markdown, JSON or a self-contained HTML page with SVG charts.</summary>
public static class PostmortemRenderer
{
    public static string Json(PostmortemDocument doc) => JsonSerializer.Serialize(doc, IncidentStore.JsonOptions) + "\n";

    public static string Markdown(PostmortemDocument d)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# Postmortem: {d.Title}");
        sb.AppendLine();
        sb.AppendLine("| | |");
        sb.AppendLine("|---|---|");
        sb.AppendLine($"| Incident | `{d.IncidentId}` |");
        sb.AppendLine($"| Date | {D(d.Date)} UTC |");
        sb.AppendLine($"| Severity | {d.Severity ?? "not classified"} |");
        sb.AppendLine($"| Status | {d.Status} |");
        sb.AppendLine($"| Authors | {string.Join(", ", d.Authors)} |");
        AppendDurations(sb, d.Durations);
        sb.AppendLine();
        Section(sb, "Summary", d.Summary);
        Section(sb, "Impact", d.Impact);
        Section(sb, "Root cause", d.RootCause);
        Section(sb, "Trigger", d.Trigger);
        Section(sb, "Detection", d.Detection);
        Section(sb, "Resolution", d.Resolution);

        if (d.Hypotheses.Count > 0)
        {
            sb.AppendLine("## Hypotheses tested");
            sb.AppendLine();
            foreach (var h in d.Hypotheses)
            {
                sb.AppendLine($"- **{IncidentMarkdown.VerdictText(h.Verdict)}**: {IncidentMarkdown.Md(h.Statement)}");
                foreach (var data in h.Data)
                {
                    sb.AppendLine($"  - `{IncidentMarkdown.Code(data)}`");
                }
            }

            sb.AppendLine();
        }

        sb.AppendLine("## Action items");
        sb.AppendLine();
        if (d.ActionItems.Count == 0)
        {
            sb.AppendLine("None generated from the record.");
        }
        else
        {
            sb.AppendLine("| | type | action item | owner | from |");
            sb.AppendLine("|---|---|---|---|---|");
            foreach (var a in d.ActionItems)
            {
                sb.AppendLine($"| {(a.Done ? "[x]" : "[ ]")} | {a.Type} | {IncidentMarkdown.Md(a.Text)} | {IncidentMarkdown.Md(a.Owner)} | {IncidentMarkdown.Md(a.Basis)} |");
            }
        }

        sb.AppendLine();
        sb.AppendLine("## Lessons learned");
        sb.AppendLine();
        Bullets(sb, "What went well", d.WentWell);
        Bullets(sb, "What went wrong", d.WentWrong);
        Bullets(sb, "Where we got lucky", d.GotLucky);

        sb.AppendLine("## Timeline (UTC)");
        sb.AppendLine();
        foreach (var e in d.Timeline)
        {
            sb.AppendLine($"- {IncidentMarkdown.Time(e.At)} [{e.Source}] {IncidentMarkdown.Md(e.Text)}" + (e.Author is null ? "" : $" ({e.Author})"));
        }

        sb.AppendLine();
        if (d.ActionsTaken.Count > 0)
        {
            sb.AppendLine("## Changes made");
            sb.AppendLine();
            string? previousDiff = null;
            foreach (var a in d.ActionsTaken)
            {
                sb.AppendLine($"- {IncidentMarkdown.Time(a.At)} {(a.DryRun ? "dry run" : "applied")}: {IncidentMarkdown.Md(a.Description)}" + (a.AuditId is null ? "" : $" (audit `{a.AuditId}`)"));
                foreach (var c in a.Commands)
                {
                    sb.AppendLine($"  - `{IncidentMarkdown.Code(c)}`");
                }

                if (a.Diff is { Length: > 0 } && a.Diff == previousDiff)
                {
                    sb.AppendLine("  - diff: as in the dry run above");
                }
                else if (a.Diff is { Length: > 0 })
                {
                    var diff = a.Diff;
                    sb.AppendLine();
                    sb.AppendLine("  ```diff");
                    foreach (var line in diff.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'))
                    {
                        sb.AppendLine("  " + line);
                    }

                    sb.AppendLine("  ```");
                }

                previousDiff = a.Diff;
                if (a.Verification is { } v)
                {
                    sb.AppendLine($"  - verification **{(v.Passed ? "passed" : "failed")}**: {IncidentMarkdown.Md(v.Summary)}");
                    foreach (var check in v.Checks)
                    {
                        sb.AppendLine($"    - {IncidentMarkdown.Md(check)}");
                    }
                }
            }

            sb.AppendLine();
        }

        sb.AppendLine("## Supporting information");
        sb.AppendLine();
        foreach (var f in d.Findings)
        {
            sb.AppendLine($"### {f.Code} on {f.Object} ({f.Severity.ToString().ToLowerInvariant()})");
            sb.AppendLine();
            sb.AppendLine($"{IncidentMarkdown.Md(f.Summary)} Cause: {IncidentMarkdown.Md(f.Cause)}");
            sb.AppendLine();
            foreach (var e in f.Evidence)
            {
                sb.AppendLine($"- [{e.Source}] `{IncidentMarkdown.Code(e.Text)}`");
            }

            sb.AppendLine();
            sb.AppendLine($"Runbook: `kubemedic runbook {f.Code} --object {f.Owner ?? f.Object}`");
            sb.AppendLine();
        }

        foreach (var m in d.Metrics.Where(m => m.Points.Count > 0))
        {
            var max = m.Points.Max(p => p.Value);
            sb.AppendLine($"- Metric `{IncidentMarkdown.Code(m.Query)}` ({m.Label}): {m.Points.Count} samples from {IncidentMarkdown.Time(m.Points[0].At)} to {IncidentMarkdown.Time(m.Points[^1].At)}, first {FormatValue(m.Points[0].Value, m.Unit)}, peak {FormatValue(max, m.Unit)}"
                + (m.Threshold is { } th ? $", {m.ThresholdLabel ?? "threshold"} {FormatValue(th, m.Unit)}" : "") + ".");
        }

        sb.AppendLine();
        sb.AppendLine($"_Generated {D(d.GeneratedAt)} UTC by `kubemedic postmortem {d.IncidentId}` from `.kubemedic/incidents/{d.IncidentId}/incident.json`. The timeline and the changes are copied from the record, not written after the fact._");
        return sb.ToString();
    }

    public static string Html(PostmortemDocument d)
    {
        var md = Markdown(d);
        var sb = new StringBuilder();
        sb.AppendLine("<!DOCTYPE html>");
        sb.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.AppendLine($"<title>Postmortem: {H(d.Title)}</title>");
        sb.AppendLine("<style>body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#1b1f23;line-height:1.45}"
            + "h1{border-bottom:2px solid #d0d7de}h2{margin-top:1.6em;border-bottom:1px solid #d0d7de}table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:4px 8px;vertical-align:top}"
            + "code{background:#f6f8fa;padding:1px 4px;border-radius:3px}.done{color:#1a7f37}.open{color:#9a6700}svg text{font-family:system-ui,sans-serif}</style></head><body>");
        sb.AppendLine($"<h1>Postmortem: {H(d.Title)}</h1>");
        sb.AppendLine("<table>");
        Row(sb, "Incident", $"<code>{H(d.IncidentId)}</code>");
        Row(sb, "Date", H(D(d.Date)) + " UTC");
        Row(sb, "Severity", H(d.Severity ?? "not classified"));
        Row(sb, "Status", H(d.Status));
        Row(sb, "Authors", H(string.Join(", ", d.Authors)));
        if (d.Durations.TimeToIdentify is { } tti)
        {
            Row(sb, "Time to identify", H(StatusUpdate.FormatDuration(tti)));
        }

        if (d.Durations.TimeToMitigate is { } ttm)
        {
            Row(sb, "Time to mitigate", H(StatusUpdate.FormatDuration(ttm)));
        }

        if (d.Durations.TimeToResolve is { } ttr)
        {
            Row(sb, "Time to resolve", H(StatusUpdate.FormatDuration(ttr)));
        }

        sb.AppendLine("</table>");
        foreach (var (title, text) in new[] { ("Summary", d.Summary), ("Impact", d.Impact), ("Root cause", d.RootCause), ("Trigger", d.Trigger), ("Detection", d.Detection), ("Resolution", d.Resolution) })
        {
            sb.AppendLine($"<h2>{title}</h2><p>{H(text)}</p>");
        }

        sb.AppendLine("<h2>Timeline</h2>");
        sb.AppendLine(TimelineSvg(d.Timeline));
        sb.AppendLine("<table><tr><th>time (UTC)</th><th>source</th><th>entry</th></tr>");
        foreach (var e in d.Timeline)
        {
            sb.AppendLine($"<tr><td>{H(IncidentMarkdown.Time(e.At))}</td><td>{H(e.Source)}</td><td>{H(e.Text)}</td></tr>");
        }

        sb.AppendLine("</table>");
        foreach (var m in d.Metrics.Where(m => m.Points.Count > 1))
        {
            sb.AppendLine($"<h2>{H(m.Label)}</h2>");
            sb.AppendLine(MetricSvg(m));
            sb.AppendLine($"<p><code>{H(m.Query)}</code></p>");
        }

        if (d.Hypotheses.Count > 0)
        {
            sb.AppendLine("<h2>Hypotheses tested</h2><ul>");
            foreach (var h in d.Hypotheses)
            {
                sb.AppendLine($"<li><b>{H(IncidentMarkdown.VerdictText(h.Verdict))}</b>: {H(h.Statement)}<ul>{string.Concat(h.Data.Select(x => $"<li><code>{H(x)}</code></li>"))}</ul></li>");
            }

            sb.AppendLine("</ul>");
        }

        sb.AppendLine("<h2>Action items</h2><table><tr><th></th><th>type</th><th>action item</th><th>owner</th><th>from</th></tr>");
        foreach (var a in d.ActionItems)
        {
            sb.AppendLine($"<tr><td class=\"{(a.Done ? "done" : "open")}\">{(a.Done ? "done" : "open")}</td><td>{H(a.Type)}</td><td>{H(a.Text)}</td><td>{H(a.Owner)}</td><td>{H(a.Basis)}</td></tr>");
        }

        sb.AppendLine("</table>");
        sb.AppendLine("<h2>Lessons learned</h2>");
        foreach (var (title, items) in new[] { ("What went well", d.WentWell), ("What went wrong", d.WentWrong), ("Where we got lucky", d.GotLucky) })
        {
            sb.AppendLine($"<h3>{title}</h3><ul>{(items.Count == 0 ? "<li>Nothing recorded.</li>" : string.Concat(items.Select(i => $"<li>{H(i)}</li>")))}</ul>");
        }

        sb.AppendLine("<h2>Full text</h2><details><summary>markdown</summary><pre>" + H(md) + "</pre></details>");
        sb.AppendLine("</body></html>");
        return sb.ToString();
    }

    /// <summary>The timeline as an SVG chart: one lane per source, a dot per entry at its time, labels beside the dots.</summary>
    public static string TimelineSvg(IReadOnlyList<TimelineEntry> timeline)
    {
        if (timeline.Count == 0)
        {
            return "<p>No timeline entries.</p>";
        }

        var colours = new Dictionary<string, string>
        {
            [TimelineSource.Cluster] = "#cf222e",
            [TimelineSource.Alert] = "#bc4c00",
            [TimelineSource.KubeMedic] = "#0969da",
            [TimelineSource.Action] = "#1a7f37",
            [TimelineSource.Status] = "#8250df",
            [TimelineSource.Note] = "#57606a",
        };
        const int width = 960, left = 90, right = 20, rowHeight = 18, axisHeight = 30;
        var start = timeline.Min(e => e.At);
        var end = timeline.Max(e => e.At);
        var span = Math.Max((end - start).TotalSeconds, 1);
        var height = axisHeight + timeline.Count * rowHeight + 10;
        double X(DateTimeOffset t) => left + (width - left - right - 260) * ((t - start).TotalSeconds / span);

        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"incident timeline\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"20\" x2=\"{width - right - 260}\" y2=\"20\" stroke=\"#57606a\"/>");
        for (var i = 0; i <= 4; i++)
        {
            var t = start.AddSeconds(span * i / 4);
            var x = X(t);
            sb.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{x:0.#}\" y1=\"16\" x2=\"{x:0.#}\" y2=\"{height - 5}\" stroke=\"#d0d7de\" stroke-dasharray=\"2,3\"/><text x=\"{x:0.#}\" y=\"12\" font-size=\"10\" text-anchor=\"middle\">{t.UtcDateTime:HH:mm:ss}</text>");
        }

        var row = 0;
        foreach (var e in timeline)
        {
            var y = axisHeight + row * rowHeight + 6;
            var x = X(e.At);
            var colour = colours.GetValueOrDefault(e.Source, "#57606a");
            var label = e.Text.Length > 70 ? e.Text[..67] + "..." : e.Text;
            sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{y + 4}\" font-size=\"10\" fill=\"{colour}\">{H(e.Source)}</text>");
            sb.AppendLine(CultureInfo.InvariantCulture, $"<circle cx=\"{x:0.#}\" cy=\"{y}\" r=\"4\" fill=\"{colour}\"><title>{H(IncidentMarkdown.Time(e.At) + " " + e.Text)}</title></circle>");
            sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x + 8:0.#}\" y=\"{y + 4}\" font-size=\"11\">{H(e.At.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + " " + label)}</text>");
            row++;
        }

        sb.AppendLine("</svg>");
        return sb.ToString();
    }

    /// <summary>A line chart of one metric series, with its threshold (e.g. the memory limit) as a dashed line.</summary>
    public static string MetricSvg(MetricEvidence m)
    {
        const int width = 960, height = 260, left = 70, right = 20, top = 20, bottom = 30;
        var start = m.Points.Min(p => p.At);
        var end = m.Points.Max(p => p.At);
        var span = Math.Max((end - start).TotalSeconds, 1);
        var max = Math.Max(m.Points.Max(p => p.Value), m.Threshold ?? 0) * 1.1;
        if (max <= 0)
        {
            max = 1;
        }

        double X(DateTimeOffset t) => left + (width - left - right) * ((t - start).TotalSeconds / span);
        double Y(double v) => top + (height - top - bottom) * (1 - v / max);
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{H(m.Label)}\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{height - bottom}\" x2=\"{width - right}\" y2=\"{height - bottom}\" stroke=\"#57606a\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{height - bottom}\" stroke=\"#57606a\"/>");
        for (var i = 0; i <= 4; i++)
        {
            var v = max * i / 4;
            sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{left - 4}\" y=\"{Y(v) + 4:0.#}\" font-size=\"10\" text-anchor=\"end\">{H(FormatValue(v, m.Unit))}</text>");
            var t = start.AddSeconds(span * i / 4);
            sb.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{X(t):0.#}\" y=\"{height - 12}\" font-size=\"10\" text-anchor=\"middle\">{t.UtcDateTime:HH:mm:ss}</text>");
        }

        var points = string.Join(" ", m.Points.OrderBy(p => p.At).Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.At):0.#},{Y(p.Value):0.#}")));
        sb.AppendLine(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"#0969da\" stroke-width=\"2\" points=\"{points}\"/>");
        if (m.Threshold is { } th)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{Y(th):0.#}\" x2=\"{width - right}\" y2=\"{Y(th):0.#}\" stroke=\"#cf222e\" stroke-dasharray=\"6,4\"/><text x=\"{width - right - 4}\" y=\"{Y(th) - 4:0.#}\" font-size=\"11\" text-anchor=\"end\" fill=\"#cf222e\">{H((m.ThresholdLabel ?? "threshold") + " " + FormatValue(th, m.Unit))}</text>");
        }

        sb.AppendLine("</svg>");
        return sb.ToString();
    }

    public static string FormatValue(double v, string unit) => unit switch
    {
        "bytes" when v >= 1024 * 1024 * 1024 => (v / (1024 * 1024 * 1024)).ToString("0.##", CultureInfo.InvariantCulture) + " GiB",
        "bytes" => (v / (1024 * 1024)).ToString("0", CultureInfo.InvariantCulture) + " MiB",
        "ratio" => (v * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%",
        _ => v.ToString("0.###", CultureInfo.InvariantCulture) + (unit.Length > 0 ? " " + unit : ""),
    };

    private static void AppendDurations(StringBuilder sb, IncidentDurations d)
    {
        if (d.TimeToDetect is { } ttd)
        {
            sb.AppendLine($"| Time to detect (first symptom → incident) | {StatusUpdate.FormatDuration(ttd)} |");
        }

        if (d.TimeToIdentify is { } tti)
        {
            sb.AppendLine($"| Time to identify | {StatusUpdate.FormatDuration(tti)} |");
        }

        if (d.TimeToMitigate is { } ttm)
        {
            sb.AppendLine($"| Time to mitigate | {StatusUpdate.FormatDuration(ttm)} |");
        }

        if (d.TimeToResolve is { } ttr)
        {
            sb.AppendLine($"| Time to resolve | {StatusUpdate.FormatDuration(ttr)} |");
        }
    }

    private static void Section(StringBuilder sb, string title, string text)
    {
        sb.AppendLine($"## {title}");
        sb.AppendLine();
        sb.AppendLine(text);
        sb.AppendLine();
    }

    private static void Bullets(StringBuilder sb, string title, IReadOnlyList<string> items)
    {
        sb.AppendLine($"### {title}");
        sb.AppendLine();
        if (items.Count == 0)
        {
            sb.AppendLine("- Nothing recorded.");
        }

        foreach (var i in items)
        {
            sb.AppendLine($"- {IncidentMarkdown.Md(i)}");
        }

        sb.AppendLine();
    }

    private static void Row(StringBuilder sb, string key, string valueHtml) => sb.AppendLine($"<tr><th>{H(key)}</th><td>{valueHtml}</td></tr>");

    private static string D(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string H(string s) => WebUtility.HtmlEncode(s);
}
