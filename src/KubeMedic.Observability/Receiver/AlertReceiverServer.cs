using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KubeMedic.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KubeMedic.Observability.Receiver;

public sealed record ReceiverOptions
{
    /// <summary>host:port to listen on; loopback by default. Port 0 picks a free port.</summary>
    public string Listen { get; init; } = "127.0.0.1:9095";

    /// <summary>The bearer token Alertmanager must send (<c>http_config.authorization.credentials</c>). Required off loopback.</summary>
    public string? Token { get; init; }

    public long MaxBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Escalate SEV1/SEV2 incidents still open after this long; null disables escalation.</summary>
    public TimeSpan? EscalateAfter { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan EscalationCheckInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Logging setup (tests capture logs here); default: console, warnings from ASP.NET Core.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    public static IPEndPoint ParseListen(string listen)
    {
        var text = listen.StartsWith(':') ? "127.0.0.1" + listen : listen;
        if (!IPEndPoint.TryParse(text, out var ep) || ep.Port is < 0 or > 65535 || !text.Contains(':', StringComparison.Ordinal))
        {
            if (text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) && int.TryParse(text[10..], out var port))
            {
                return new IPEndPoint(IPAddress.Loopback, port);
            }

            throw new UserInputException($"--listen: '{listen}' is not HOST:PORT with an IP address (e.g. 127.0.0.1:9095)");
        }

        return ep;
    }
}

/// <summary>
/// <c>kubemedic serve</c>: Kestrel with <c>POST /alertmanager</c> (Alertmanager v4 webhook, bearer token, body size limit),
/// <c>GET /healthz</c> and <c>GET /metrics</c>. Each alert is normalised, deduplicated by fingerprint, diagnosed once, recorded in
/// the incident sink, and notified; resolved alerts close their incident; SEV1/2 incidents left open are escalated.
/// Bad bodies and wrong tokens get a 4xx and a log line; nothing a sender does can crash the server.
/// </summary>
public sealed class AlertReceiverServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly CancellationTokenSource stop = new();
    private Task? escalationLoop;

    public Uri Address { get; private set; } = null!;
    public ReceiverMetrics Metrics { get; }
    public EscalationMonitor? Escalation { get; }

    private AlertReceiverServer(WebApplication app, ReceiverMetrics metrics, EscalationMonitor? escalation)
    {
        this.app = app;
        Metrics = metrics;
        Escalation = escalation;
    }

    public static async Task<AlertReceiverServer> StartAsync(ReceiverOptions options, IIncidentSink sink, IAlertDiagnoser diagnoser,
        IReadOnlyList<INotifier> notifiers, TimeProvider time, CancellationToken ct = default)
    {
        var endpoint = ReceiverOptions.ParseListen(options.Listen);
        if (options.Token is null && !IPAddress.IsLoopback(endpoint.Address))
        {
            throw new UserInputException($"--listen {options.Listen}: listening beyond loopback needs --token-file (bearer token auth)");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (options.ConfigureLogging is { } configure)
        {
            configure(builder.Logging);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(endpoint);
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("kubemedic.serve");
        var metrics = new ReceiverMetrics();
        var dispatcher = new NotificationDispatcher(notifiers, metrics, logger);
        var escalation = options.EscalateAfter is { } after ? new EscalationMonitor(sink, dispatcher, metrics, time, after, logger) : null;
        var handler = new WebhookHandler(options, sink, diagnoser, dispatcher, metrics, logger);

        app.MapPost("/alertmanager", (Func<HttpContext, Task<IResult>>)handler.HandleAsync);
        app.MapGet("/healthz", () => Results.Json(new { status = "ok" }));
        app.MapGet("/metrics", async (HttpContext ctx) =>
        {
            var open = (await sink.OpenIncidentsAsync(ctx.RequestAborted)).Count;
            return Results.Text(metrics.Render(open), "text/plain; version=0.0.4; charset=utf-8");
        });

        var server = new AlertReceiverServer(app, metrics, escalation);
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync();
            throw new UserInputException($"--listen {options.Listen}: cannot listen ({ex.Message})", ex);
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Address = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        if (escalation is not null)
        {
            server.escalationLoop = escalation.RunAsync(options.EscalationCheckInterval, server.stop.Token);
        }

        logger.LogInformation("listening on {Address} (POST /alertmanager, GET /healthz, GET /metrics); auth {Auth}", server.Address, options.Token is null ? "disabled (loopback only)" : "bearer token");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (escalationLoop is not null)
        {
            await escalationLoop;
        }

        await app.StopAsync();
        await app.DisposeAsync();
        stop.Dispose();
    }

    private sealed class WebhookHandler(ReceiverOptions options, IIncidentSink sink, IAlertDiagnoser diagnoser, NotificationDispatcher dispatcher, ReceiverMetrics metrics, ILogger logger)
    {
        private readonly SemaphoreSlim serial = new(1, 1);
        private readonly ConcurrentDictionary<string, DateTimeOffset> diagnosed = new();
        private readonly byte[]? token = options.Token is null ? null : Encoding.UTF8.GetBytes(options.Token);

        public async Task<IResult> HandleAsync(HttpContext ctx)
        {
            var remote = ctx.Connection.RemoteIpAddress?.ToString() ?? "?";
            try
            {
                if (token is not null && !Authorized(ctx.Request.Headers.Authorization.ToString()))
                {
                    return Reject(ctx, 401, "unauthorized", "missing or wrong bearer token", remote);
                }

                var contentType = ctx.Request.ContentType ?? "";
                if (!contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
                {
                    return Reject(ctx, 415, "content_type", $"content type '{contentType}' is not application/json", remote);
                }

                if (ctx.Request.ContentLength > options.MaxBodyBytes)
                {
                    return Reject(ctx, 413, "too_large", $"body of {ctx.Request.ContentLength} bytes exceeds the {options.MaxBodyBytes}-byte limit", remote);
                }

                byte[] body;
                try
                {
                    body = await ReadBodyAsync(ctx.Request.Body, options.MaxBodyBytes, ctx.RequestAborted);
                }
                catch (BadHttpRequestException ex) when (ex.StatusCode == 413)
                {
                    return Reject(ctx, 413, "too_large", $"body exceeds the {options.MaxBodyBytes}-byte limit", remote);
                }
                catch (InvalidDataException)
                {
                    return Reject(ctx, 413, "too_large", $"body exceeds the {options.MaxBodyBytes}-byte limit", remote);
                }

                (AlertmanagerPayload Payload, IReadOnlyList<AlertSignal> Alerts) parsed;
                try
                {
                    parsed = AlertmanagerWebhook.Parse(body);
                }
                catch (WebhookRejected ex)
                {
                    return Reject(ctx, 400, "bad_body", ex.Message, remote);
                }

                var changes = new List<object>();
                await serial.WaitAsync(ctx.RequestAborted);
                try
                {
                    foreach (var alert in parsed.Alerts)
                    {
                        metrics.Alert(alert.Firing);
                        var change = alert.Firing ? await FiringAsync(alert, ctx.RequestAborted) : await ResolvedAsync(alert, ctx.RequestAborted);
                        if (change is not null)
                        {
                            metrics.Incident(change.Kind);
                            changes.Add(new { fingerprint = alert.Fingerprint, alert = alert.AlertName, incident = change.Incident.Id, change = change.Kind.ToString().ToLowerInvariant() });
                        }
                    }
                }
                finally
                {
                    serial.Release();
                }

                logger.LogInformation("webhook from {Remote} ({Receiver}, {Status}): {Count} alert(s)", remote, parsed.Payload.Receiver, parsed.Payload.Status, parsed.Alerts.Count);
                metrics.Request(200);
                return Results.Json(new { received = parsed.Alerts.Count, changes });
            }
            catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
            {
                metrics.Request(499);
                return Results.StatusCode(499);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException)
            {
                logger.LogError("webhook from {Remote} failed: {Error}", remote, ex.Message);
                metrics.Request(500);
                return Results.Json(new { error = "internal error recording the alert" }, statusCode: 500);
            }
        }

        private async Task<IncidentChange?> FiringAsync(AlertSignal alert, CancellationToken ct)
        {
            AlertDiagnosis? diagnosis = null;
            if (!diagnosed.TryGetValue(alert.Fingerprint, out var seen) || seen != alert.StartsAt)
            {
                try
                {
                    diagnosis = await diagnoser.DiagnoseAsync(alert, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning("diagnosis of {Alert} failed: {Error}", alert.AlertName, ex.Message);
                    diagnosis = new AlertDiagnosis("diagnosis failed", [], [$"diagnosis: {ex.Message}"]);
                }

                diagnosed[alert.Fingerprint] = alert.StartsAt;
            }

            var change = await sink.OpenOrUpdateAsync(alert, diagnosis, ct);
            if (change.Kind is IncidentChangeKind.Opened or IncidentChangeKind.Updated)
            {
                await dispatcher.SendAsync(new IncidentNotification(change.Kind == IncidentChangeKind.Opened ? "opened" : "updated", change.Incident, alert, diagnosis), ct);
            }

            return change;
        }

        private async Task<IncidentChange?> ResolvedAsync(AlertSignal alert, CancellationToken ct)
        {
            diagnosed.TryRemove(alert.Fingerprint, out _);
            var change = await sink.ResolveAsync(alert, ct);
            if (change?.Kind == IncidentChangeKind.Resolved)
            {
                await dispatcher.SendAsync(new IncidentNotification("resolved", change.Incident, alert, null), ct);
            }

            return change;
        }

        private bool Authorized(string header)
        {
            const string prefix = "Bearer ";
            if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            var given = Encoding.UTF8.GetBytes(header[prefix.Length..].Trim());
            return CryptographicOperations.FixedTimeEquals(given, token);
        }

        private IResult Reject(HttpContext ctx, int code, string reason, string message, string remote)
        {
            metrics.Request(code);
            metrics.Rejected(reason);
            logger.LogWarning("rejected webhook from {Remote}: HTTP {Code} {Message}", remote, code, message);
            if (code == 401)
            {
                ctx.Response.Headers.WWWAuthenticate = "Bearer";
            }

            return Results.Json(new { error = message }, statusCode: code);
        }

        private static async Task<byte[]> ReadBodyAsync(Stream body, long max, CancellationToken ct)
        {
            using var ms = new MemoryStream();
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                if (ms.Length + read > max)
                {
                    throw new InvalidDataException("too large");
                }

                ms.Write(buffer, 0, read);
            }

            return ms.ToArray();
        }
    }
}
