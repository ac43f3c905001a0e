using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace KubeMedic.Observability.Prometheus;

/// <summary>One sample: time and value.</summary>
public readonly record struct Sample(DateTimeOffset Time, double Value);

/// <summary>A series of an instant (one sample) or range (many samples) query result.</summary>
public sealed record Series(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<Sample> Samples)
{
    public string Label(string name) => Labels.TryGetValue(name, out var v) ? v : "";

    public double? Last => Samples.Count > 0 ? Samples[^1].Value : null;
}

/// <summary>A failed query: Prometheus unreachable, an HTTP error, or an error envelope (bad PromQL, timeout).</summary>
public sealed class PrometheusQueryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What the evidence layer needs from Prometheus; <see cref="PrometheusClient"/> is the HTTP implementation.</summary>
public interface IPrometheusQuery
{
    Task<IReadOnlyList<Series>> QueryAsync(string promql, DateTimeOffset? time = null, CancellationToken ct = default);

    Task<IReadOnlyList<Series>> QueryRangeAsync(string promql, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken ct = default);
}

/// <summary>
/// Client for the Prometheus HTTP API (<c>/api/v1/query</c>, <c>/api/v1/query_range</c>; 2.42 envelope
/// <c>{status, data{resultType, result}, errorType, error, warnings}</c>). Queries are POSTed as forms so long PromQL fits.
/// </summary>
public sealed class PrometheusClient : IPrometheusQuery, IDisposable
{
    private readonly HttpClient http;
    private readonly bool ownsHttp;

    public Uri BaseUrl { get; }

    public PrometheusClient(Uri baseUrl, HttpClient? http = null, TimeSpan? timeout = null)
    {
        BaseUrl = new Uri(baseUrl.ToString().TrimEnd('/') + "/");
        ownsHttp = http is null;
        this.http = http ?? new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(15) };
    }

    public Task<IReadOnlyList<Series>> QueryAsync(string promql, DateTimeOffset? time = null, CancellationToken ct = default)
    {
        var form = new List<KeyValuePair<string, string>> { new("query", promql) };
        if (time is { } t)
        {
            form.Add(new("time", Unix(t)));
        }

        return PostAsync("api/v1/query", form, promql, ct);
    }

    public Task<IReadOnlyList<Series>> QueryRangeAsync(string promql, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken ct = default) =>
        PostAsync("api/v1/query_range",
        [
            new("query", promql), new("start", Unix(start)), new("end", Unix(end)),
            new("step", step.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)),
        ], promql, ct);

    private async Task<IReadOnlyList<Series>> PostAsync(string path, List<KeyValuePair<string, string>> form, string promql, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            using var content = new FormUrlEncodedContent(form);
            response = await http.PostAsync(new Uri(BaseUrl, path), content, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new PrometheusQueryException($"Prometheus at {BaseUrl} is unreachable: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new PrometheusQueryException($"Prometheus at {BaseUrl} did not answer in time", ex);
        }

        using (response)
        {
            JsonDocument doc;
            try
            {
                doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
            }
            catch (JsonException ex)
            {
                throw new PrometheusQueryException($"Prometheus at {BaseUrl} answered HTTP {(int)response.StatusCode} without a JSON body", ex);
            }

            using (doc)
            {
                var root = doc.RootElement;
                if (root.TryGetProperty("status", out var status) && status.GetString() == "success" && root.TryGetProperty("data", out var data))
                {
                    return ParseData(data);
                }

                var error = root.TryGetProperty("error", out var e) ? e.GetString() : $"HTTP {(int)response.StatusCode}";
                var type = root.TryGetProperty("errorType", out var et) ? et.GetString() : "error";
                throw new PrometheusQueryException($"query failed ({type}): {error} [query: {promql}]");
            }
        }
    }

    internal static IReadOnlyList<Series> ParseData(JsonElement data)
    {
        var type = data.GetProperty("resultType").GetString();
        var result = data.GetProperty("result");
        switch (type)
        {
            case "vector":
                return result.EnumerateArray().Select(r => new Series(Labels(r), [ParseSample(r.GetProperty("value"))])).ToList();
            case "matrix":
                return result.EnumerateArray().Select(r => new Series(Labels(r), r.GetProperty("values").EnumerateArray().Select(ParseSample).ToList())).ToList();
            case "scalar":
                return [new Series(new Dictionary<string, string>(), [ParseSample(result)])];
            default:
                return [];
        }
    }

    private static Dictionary<string, string> Labels(JsonElement r) =>
        r.TryGetProperty("metric", out var m) ? m.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "") : [];

    private static Sample ParseSample(JsonElement pair)
    {
        var t = pair[0].GetDouble();
        var raw = pair[1].GetString() ?? "NaN";
        var v = raw switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(raw, CultureInfo.InvariantCulture),
        };
        return new Sample(DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(t * 1000)), v);
    }

    private static string Unix(DateTimeOffset t) => (t.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        if (ownsHttp)
        {
            http.Dispose();
        }
    }
}
