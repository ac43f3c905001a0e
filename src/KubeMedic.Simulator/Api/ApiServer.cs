using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KubeMedic.Simulator.Api;

/// <summary>The HTTP side: Kestrel on loopback, one request handler that routes like the apiserver.</summary>
internal sealed class ApiServer
{
    private readonly SimContext _ctx;
    private readonly Router _router;
    private WebApplication? _app;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ApiServer(SimContext ctx)
    {
        _ctx = ctx;
        _router = new Router(ctx);
    }

    public Uri Url { get; private set; } = new("http://127.0.0.1/");

    public Task Completion => _completion.Task;

    public async Task StartAsync(string listen, CancellationToken ct)
    {
        var (address, port) = ParseListen(listen);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(address, port, o => o.Protocols = HttpProtocols.Http1AndHttp2);
            k.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
            k.AllowSynchronousIO = false;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        Chaos.LabHooks.Install(app, _ctx); // lab (issue 6): API faults, metric targets, chaos control
        app.Run(ctx => _router.HandleAsync(ctx));
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException ex)
        {
            throw new ScenarioException($"cannot listen on {listen}: {ex.Message}");
        }

        var addresses = app.Urls.FirstOrDefault() ?? $"http://{address}:{port}";
        Url = new Uri(addresses.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        _app = app;
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (_app is not null)
        {
            try
            {
                await _app.StopAsync(ct);
                await _app.DisposeAsync();
            }
            finally
            {
                _completion.TrySetResult();
            }
        }
        else
        {
            _completion.TrySetResult();
        }
    }

    private static (IPAddress, int) ParseListen(string listen)
    {
        var text = listen.Trim();
        if (text.StartsWith("http://", StringComparison.Ordinal)) text = text["http://".Length..].TrimEnd('/');
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out var port) || port is < 0 or > 65535)
        {
            throw new ScenarioException($"--listen \"{listen}\": expected HOST:PORT, e.g. 127.0.0.1:6443");
        }

        var host = text[..colon].Trim('[', ']');
        if (host == "localhost") return (IPAddress.Loopback, port);
        if (!IPAddress.TryParse(host, out var ip)) throw new ScenarioException($"--listen \"{listen}\": \"{host}\" is not an IP address");
        return (ip, port);
    }
}

/// <summary>Parsed request path: /api/v1/namespaces/ns/pods/name/log etc.</summary>
internal sealed record ApiPath(ResourceType Type, string? Namespace, string? Name, string? Subresource);

/// <summary>Routes requests: version, discovery, OpenAPI, resources and their subresources.</summary>
internal sealed partial class Router
{
    private readonly SimContext _ctx;
    private readonly ApiHandlers _handlers;

    public Router(SimContext ctx)
    {
        _ctx = ctx;
        _handlers = new ApiHandlers(ctx);
    }

    public async Task HandleAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "/";
        try
        {
            if (path.Length > 1) path = path.TrimEnd('/');
            switch (path)
            {
                case "/version":
                    await WriteJson(http, 200, Discovery.Version());
                    return;
                case "/healthz" or "/livez" or "/readyz":
                    http.Response.ContentType = "text/plain";
                    await http.Response.WriteAsync("ok");
                    return;
                case "/api":
                    await Discovery.WriteApiAsync(http);
                    return;
                case "/apis":
                    await Discovery.WriteApisAsync(http);
                    return;
                case "/openapi/v2":
                    throw new ApiException(404, "NotFound", "the server could not find the requested resource");
                case "/openapi/v3":
                    await WriteJson(http, 200, OpenApi.Index());
                    return;
            }

            if (path.StartsWith("/openapi/v3/", StringComparison.Ordinal))
            {
                await WriteJson(http, 200, OpenApi.Document(path["/openapi/v3/".Length..]));
                return;
            }

            if (path == "/api/v1")
            {
                await WriteJson(http, 200, Discovery.ResourceList("", "v1"));
                return;
            }

            var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (segments.Length == 3 && segments[0] == "apis")
            {
                if (Resources.Served.Any(r => r.Group == segments[1] && r.Version == segments[2]))
                {
                    await WriteJson(http, 200, Discovery.ResourceList(segments[1], segments[2]));
                    return;
                }

                throw new ApiException(404, "NotFound", "the server could not find the requested resource");
            }

            if (segments.Length == 2 && segments[0] == "apis")
            {
                var group = Resources.Groups().FirstOrDefault(g => g.Group == segments[1]);
                if (group.Group is null) throw new ApiException(404, "NotFound", "the server could not find the requested resource");
                await WriteJson(http, 200, Discovery.Group(group.Group, group.Versions));
                return;
            }

            var apiPath = Parse(segments) ?? throw new ApiException(404, "NotFound", "the server could not find the requested resource");
            await _handlers.HandleAsync(http, apiPath);
        }
        catch (ApiException ex)
        {
            if (!http.Response.HasStarted) await WriteJson(http, ex.Code, ex.ToStatus());
        }
        catch (FieldSelectorException ex)
        {
            if (!http.Response.HasStarted) await WriteJson(http, 400, ApiException.BadRequest(ex.Message).ToStatus());
        }
        catch (FormatException ex)
        {
            if (!http.Response.HasStarted) await WriteJson(http, 400, ApiException.BadRequest(ex.Message).ToStatus());
        }
        catch (JsonException ex)
        {
            if (!http.Response.HasStarted) await WriteJson(http, 400, ApiException.BadRequest($"the request body is not valid JSON: {ex.Message}").ToStatus());
        }
        catch (OperationCanceledException)
        {
            // client went away
        }
        catch (Exception ex) when (!http.Response.HasStarted)
        {
            await WriteJson(http, 500, new ApiException(500, "InternalError", $"Internal error occurred: {ex.Message}").ToStatus());
        }
    }

    private static ApiPath? Parse(string[] s)
    {
        string group, version;
        int i;
        if (s.Length >= 3 && s[0] == "api" && s[1] == "v1")
        {
            (group, version, i) = ("", "v1", 2);
        }
        else if (s.Length >= 4 && s[0] == "apis")
        {
            (group, version, i) = (s[1], s[2], 3);
        }
        else
        {
            return null;
        }

        var rest = s[i..];
        string? ns = null;
        if (rest.Length >= 3 && rest[0] == "namespaces" && Resources.Find(group, version, rest[2]) is { Namespaced: true })
        {
            ns = rest[1];
            rest = rest[2..];
        }

        var rt = Resources.Find(group, version, rest[0]);
        if (rt is null) return null;
        if (rest.Length > 3) return null;
        return new ApiPath(rt, ns, rest.Length > 1 ? rest[1] : null, rest.Length > 2 ? rest[2] : null);
    }

    public static async Task WriteJson(HttpContext http, int code, JsonNode body, string contentType = "application/json")
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        http.Response.ContentLength = bytes.Length;
        await http.Response.Body.WriteAsync(bytes);
    }
}
