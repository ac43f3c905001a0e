using System.CommandLine;
using KubeMedic.Core;
using KubeMedic.Core.Analysis;
using KubeMedic.Core.Model;
using KubeMedic.Observability.Evidence;
using KubeMedic.Observability.Prometheus;

namespace KubeMedic.Cli.Commands;

/// <summary>
/// <c>--prometheus URL</c> (and <c>--metrics-lookback</c>) for diagnose/triage: enriches each finding with Prometheus evidence
/// (memory leak vs limit too low vs spike, restart rate, CPU, deploy correlation). When Prometheus is unreachable or a query fails,
/// the diagnosis is kept; the finding gets a "not checked: …" evidence note and one line goes to stderr.
/// </summary>
internal sealed class PrometheusEvidenceOption
{
    private readonly Option<string?> url = new("--prometheus") { Description = "Prometheus base URL (http://host:9090): attach metric evidence (memory trend, restarts, CPU, deploy correlation) to each finding." };
    private readonly Option<string?> lookback = new("--metrics-lookback") { Description = "How far back metric evidence looks (e.g. 30m, 1h; default 1h)." };

    /// <summary>The reports of the last <see cref="EnrichAsync"/> (empty without --prometheus).</summary>
    public IReadOnlyList<FindingMetricEvidence> Reports { get; private set; } = [];

    /// <summary>Triage hypothesis checks settled by the memory trend: leak vs limit too low (one pair per OOM-killed workload).</summary>
    public IReadOnlyList<KubeMedic.Core.Triage.HypothesisCheck> MemoryChecks() =>
        Reports.Where(r => r.Report.Memory is { Pattern: not MemoryPattern.Inconclusive })
            .GroupBy(r => r.Finding.Object.ToString(), StringComparer.Ordinal)
            .SelectMany(g =>
            {
                var r = g.First();
                var m = r.Report.Memory!;
                var what = $"{r.Finding.Object.Kind}/{r.Finding.Object.Name}";
                string V(bool yes) => yes ? KubeMedic.Core.Triage.HypothesisCheck.Confirmed : KubeMedic.Core.Triage.HypothesisCheck.RuledOut;
                return new[]
                {
                    new KubeMedic.Core.Triage.HypothesisCheck($"memory leak in {what} (Prometheus)", V(m.Pattern == MemoryPattern.Leak), m.Summary),
                    new KubeMedic.Core.Triage.HypothesisCheck($"memory limit too low for {what} (Prometheus)", V(m.Pattern == MemoryPattern.LimitTooLow), m.Summary),
                };
            })
            .ToList();

    public void AddTo(Command command)
    {
        command.Options.Add(url);
        command.Options.Add(lookback);
    }

    public async Task<DiagnosisResult> EnrichAsync(ParseResult parse, DiagnosisResult result, ClusterModel model, CancellationToken ct)
    {
        if (parse.GetValue(url) is not { } value)
        {
            return result;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new UserInputException($"--prometheus: '{value}' is not an http(s) URL");
        }

        var options = new MetricEvidenceOptions();
        if (parse.GetValue(lookback) is { } lb)
        {
            var span = ParseDuration(lb);
            options = options with { Lookback = span, Step = span < TimeSpan.FromMinutes(60) ? TimeSpan.FromSeconds(Math.Max(1, Math.Round(span.TotalSeconds / 240))) : null };
        }

        using var client = new PrometheusClient(uri, timeout: TimeSpan.FromSeconds(10));
        var (enriched, reports) = await DiagnosisEnricher.EnrichAsync(result, model, new MetricEvidenceCollector(client, TimeProvider.System, options), ct);
        Reports = reports;
        var missing = reports.SelectMany(r => r.Report.Missing).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            await Console.Error.WriteLineAsync($"warning: Prometheus evidence missing ({missing.Count}): {missing[0]}{(missing.Count > 1 ? " …" : "")}");
        }

        return enriched;
    }

    private static TimeSpan ParseDuration(string text)
    {
        var t = text.Trim();
        if (t.Length >= 2 && double.TryParse(t[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            switch (t[^1])
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
            }
        }

        throw new UserInputException($"--metrics-lookback: '{text}' is not a duration like 30s, 30m or 1h");
    }
}
