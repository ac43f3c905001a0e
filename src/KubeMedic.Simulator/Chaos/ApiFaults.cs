using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KubeMedic.Simulator.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace KubeMedic.Simulator.Chaos;

/// <summary>
/// One API fault: which requests it hits (verbs such as get, list, watch, create, update, patch, delete; optionally one
/// resource), what it does, and how often.
/// </summary>
/// <param name="Kind"><c>error</c> (HTTP <paramref name="Status"/>, default 500), <c>throttle</c> (429 with Retry-After),
/// <c>latency</c> (delay, then serve), <c>drop-watch</c> (watches are cut after <paramref name="Delay"/>),
/// <c>gone</c> (410 Expired: as a watch ERROR event on watches, as HTTP 410 otherwise).</param>
public sealed record ApiFault(string Kind, IReadOnlyList<string> Verbs, string? Resource = null, int Status = 0, TimeSpan Delay = default, double Probability = 1, int? Count = null)
{
    public static readonly IReadOnlyList<string> Kinds = ["error", "throttle", "latency", "drop-watch", "gone"];
    public static readonly IReadOnlyList<string> AllVerbs = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];

    public string Id { get; init; } = Guid.NewGuid().ToString("N")[..8];

    /// <summary>Validates and normalizes (one-line message on error).</summary>
    public ApiFault Validate()
    {
        if (!Kinds.Contains(Kind)) throw new ArgumentException($"unknown API fault \"{Kind}\" (want one of {string.Join(", ", Kinds)})");
        var verbs = Verbs.Count == 0 ? (Kind is "drop-watch" or "gone" ? ["watch"] : AllVerbs) : Verbs;
        foreach (var v in verbs)
        {
            if (!AllVerbs.Contains(v)) throw new ArgumentException($"unknown verb \"{v}\" (want {string.Join(", ", AllVerbs)})");
        }

        if (Probability is <= 0 or > 1) throw new ArgumentException("probability must be in (0, 1]");
        var status = Kind switch
        {
            "error" => Status == 0 ? 500 : Status,
            "throttle" => 429,
            "gone" => 410,
            _ => Status,
        };
        if (Kind == "error" && status is < 500 or > 599) throw new ArgumentException($"error status must be 5xx, got {status}");
        return this with { Verbs = verbs, Status = status };
    }
}

/// <summary>The active API faults of one simulated cluster, applied by a middleware in front of the API handler.</summary>
public sealed class ApiFaults
{
    private static readonly ConditionalWeakTable<object, ApiFaults> PerCluster = new();
    private readonly ConcurrentDictionary<string, ApiFault> _faults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _remaining = new(StringComparer.Ordinal);
    private readonly Random _random = new(42);

    internal static ApiFaults For(SimContext ctx) => PerCluster.GetValue(ctx, _ => new ApiFaults());

    public IReadOnlyList<ApiFault> Active => _faults.Values.OrderBy(f => f.Id, StringComparer.Ordinal).ToList();

    public ApiFault Add(ApiFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        var f = fault.Validate();
        _faults[f.Id] = f;
        if (f.Count is { } n) _remaining[f.Id] = n;
        return f;
    }

    public bool Remove(string id)
    {
        _remaining.TryRemove(id, out _);
        return _faults.TryRemove(id, out _);
    }

    public void Clear()
    {
        _faults.Clear();
        _remaining.Clear();
    }

    /// <summary>The fault that hits this request, if any (consumes one of its count).</summary>
    public ApiFault? Match(string verb, string resource)
    {
        foreach (var f in Active)
        {
            if (!f.Verbs.Contains(verb) || (f.Resource is not null && f.Resource != resource)) continue;
            lock (_random)
            {
                if (f.Probability < 1 && _random.NextDouble() >= f.Probability) continue;
            }

            if (f.Count is not null)
            {
                var left = _remaining.AddOrUpdate(f.Id, 0, (_, n) => n - 1);
                if (left < 0) continue;
                if (left == 0) Remove(f.Id);
            }

            return f;
        }

        return null;
    }

    /// <summary>
    /// The request attributes an authorizer sees (kube-apiserver's RequestInfo): verb, API group and version, resource and
    /// subresource, namespace and name; null for non-resource paths.
    /// </summary>
    public static ApiRequestInfo? Describe(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var seg = (request.Path.Value ?? "").Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group, version;
        int i;
        if (seg.Length >= 3 && seg[0] == "api")
        {
            (group, version, i) = ("", seg[1], 2);
        }
        else if (seg.Length >= 4 && seg[0] == "apis")
        {
            (group, version, i) = (seg[1], seg[2], 3);
        }
        else
        {
            return null;
        }

        string? ns = null;
        if (seg.Length > i + 1 && seg[i] == "namespaces" && seg.Length > i + 2)
        {
            ns = seg[i + 1];
            i += 2;
        }

        var resource = seg[i];
        var name = seg.Length > i + 1 ? seg[i + 1] : null;
        var sub = seg.Length > i + 2 ? seg[i + 2] : null;
        if (sub == "proxy") return null;
        var watch = request.Query["watch"] is var w && (w == "true" || w == "1");
        var verb = request.Method switch
        {
            "GET" when watch => "watch",
            "GET" => name is null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => name is null ? "deletecollection" : "delete",
            _ => request.Method.ToLowerInvariant(),
        };
        return new ApiRequestInfo(verb, group, version, resource, sub, ns, name);
    }

    internal static string StatusJson(int code, string reason, string message) => new JsonObject
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    }.ToJsonString();
}

public static class ApiFaultMiddleware
{
    /// <summary>Applies <paramref name="faults"/> to resource requests and counts every request in <paramref name="counter"/>.</summary>
    public static IApplicationBuilder UseApiFaults(this IApplicationBuilder app, ApiFaults faults, ApiRequestCounter? counter = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(faults);
        return app.Use(async (http, next) =>
        {
            if (ApiFaults.Describe(http.Request) is not { } request)
            {
                await next(http);
                return;
            }

            var fault = faults.Match(request.Verb, request.Resource);
            try
            {
                await Apply(http, next, request.Verb, fault);
            }
            finally
            {
                counter?.Record(request, http.Response.StatusCode);
            }
        });
    }

    private static async Task Apply(HttpContext http, RequestDelegate next, string verb, ApiFault? fault)
    {
        switch (fault?.Kind)
        {
            case null:
                await next(http);
                return;
            case "latency":
                await Task.Delay(fault.Delay, http.RequestAborted);
                await next(http);
                return;
            case "error":
                await Write(http, fault.Status, fault.Status == 503 ? "ServiceUnavailable" : "InternalError",
                    fault.Status == 503 ? "the server is currently unable to handle the request" : "an error on the server (\"injected by kubemedic chaos\") has prevented the request from succeeding");
                return;
            case "throttle":
                http.Response.Headers.RetryAfter = Math.Max(1, (int)fault.Delay.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Write(http, 429, "TooManyRequests", "Too many requests, please try again later.");
                return;
            case "gone" when verb == "watch":
                http.Response.StatusCode = 200;
                http.Response.ContentType = "application/json";
                var rv = http.Request.Query["resourceVersion"].ToString();
                var ev = new JsonObject
                {
                    ["type"] = "ERROR",
                    ["object"] = JsonNode.Parse(ApiFaults.StatusJson(410, "Expired", $"too old resource version: {(rv.Length > 0 ? rv : "0")} ({(rv.Length > 0 ? rv : "0")}1)")),
                };
                await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(ev.ToJsonString() + "\n"), http.RequestAborted);
                return;
            case "gone":
                await Write(http, 410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
                return;
            case "drop-watch" when verb == "watch":
                var delay = fault.Delay > TimeSpan.Zero ? fault.Delay : TimeSpan.FromMilliseconds(200);
                _ = Task.Delay(delay).ContinueWith(_ => http.Abort(), TaskScheduler.Default);
                try
                {
                    await next(http);
                }
                catch (OperationCanceledException)
                {
                    // the connection was cut on purpose
                }

                return;
            default:
                await next(http);
                return;
        }
    }

    private static async Task Write(HttpContext http, int code, string reason, string message)
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(ApiFaults.StatusJson(code, reason, message), http.RequestAborted);
    }
}

/// <summary>What an authorizer decides on: the attributes of one API request (kube-apiserver's RequestInfo).</summary>
public sealed record ApiRequestInfo(string Verb, string Group, string Version, string Resource, string? Subresource, string? Namespace, string? Name);
