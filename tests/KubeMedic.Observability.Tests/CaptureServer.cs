using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace KubeMedic.Observability.Tests;

/// <summary>A test HTTP listener on 127.0.0.1 that records every POSTed JSON body (stands in for Slack / a webhook).</summary>
internal sealed class CaptureServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Task loop;

    public ConcurrentQueue<(string Path, JsonNode Body)> Received { get; } = new();

    /// <summary>Every request's path, JSON or not.</summary>
    public ConcurrentQueue<string> Paths { get; } = new();
    public Uri Url { get; }
    public int FailNext { get; set; }

    public CaptureServer()
    {
        var port = Tools.FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/");
        listener.Prefixes.Add(Url.ToString());
        listener.Start();
        loop = Task.Run(LoopAsync);
    }

    private async Task LoopAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
            var text = await reader.ReadToEndAsync();
            Paths.Enqueue(ctx.Request.Url!.AbsolutePath);
            if (!(ctx.Request.ContentType ?? "").StartsWith("application/json", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 404;
                ctx.Response.Close();
                continue;
            }

            if (FailNext > 0)
            {
                FailNext--;
                ctx.Response.StatusCode = 503;
            }
            else
            {
                Received.Enqueue((ctx.Request.Url!.AbsolutePath, JsonNode.Parse(text)!));
                ctx.Response.StatusCode = 200;
            }

            ctx.Response.Close();
        }
    }

    public async Task<List<JsonNode>> WaitForAsync(Func<JsonNode, bool> match, int count = 1, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var hits = Received.Select(r => r.Body).Where(match).ToList();
            if (hits.Count >= count)
            {
                return hits;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"expected {count} matching notification(s) within {timeoutSeconds} s; got: {string.Join("\n", Received.Select(r => r.Body.ToJsonString()))}");
            }

            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        loop.Wait(TimeSpan.FromSeconds(5));
    }
}

/// <summary>Captures log lines (for asserting that rejections are logged).</summary>
internal sealed class ListLoggerProvider : Microsoft.Extensions.Logging.ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(ListLoggerProvider owner) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Information;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}
