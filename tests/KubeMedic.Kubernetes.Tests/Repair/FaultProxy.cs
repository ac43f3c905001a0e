using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace KubeMedic.Kubernetes.Tests.Repair;

/// <summary>
/// A fault-injecting HTTP proxy between the client and the API server (the simulator's own fault injection is issue 6):
/// answers chosen requests with 5xx / 429 / 410 Status errors, and cuts watch streams after a while. Not product code.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly CancellationTokenSource _cts = new();
    private readonly ConcurrentQueue<(Func<string, string, bool> Match, int Status)> _faults = new();
    private readonly string _target;
    private long _injected;
    private long _seq;

    /// <summary>Requests being forwarded now, with their stage (for a failing test's message).</summary>
    public ConcurrentDictionary<long, string> InFlight { get; } = new();

    /// <summary>What happened to each request (for a failing test's message).</summary>
    public ConcurrentQueue<string> History { get; } = new();

    public FaultProxy(string target)
    {
        _target = target.TrimEnd('/');
        Url = $"http://127.0.0.1:{FakeApiServer.FreePort()}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public string Url { get; }

    public long Injected => Interlocked.Read(ref _injected);

    /// <summary>Cut every watch stream after this long (a dropped connection mid-watch). Null: never.</summary>
    public TimeSpan? DropWatchesAfter { get; set; }

    /// <summary>The next <paramref name="count"/> requests matching (method, path+query) get <paramref name="status"/>.</summary>
    public void Fail(int status, int count, Func<string, string, bool>? match = null)
    {
        for (var i = 0; i < count; i++)
        {
            _faults.Enqueue((match ?? ((_, _) => true), status));
        }
    }

    private bool TakeFault(string method, string path, out int status)
    {
        status = 0;
        var n = _faults.Count;
        for (var i = 0; i < n && _faults.TryDequeue(out var f); i++)
        {
            if (status == 0 && f.Match(method, path))
            {
                status = f.Status;
                continue;
            }

            _faults.Enqueue(f);
        }

        return status != 0;
    }

    private async Task LoopAsync()
    {
        while (!_cts.IsCancellationRequested)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch
            {
                return;
            }

            _ = Task.Run(() => ForwardAsync(ctx));
        }
    }

    private async Task ForwardAsync(HttpListenerContext ctx)
    {
        var req = ctx.Request;
        var res = ctx.Response;
        var path = req.Url!.PathAndQuery;
        var id = Interlocked.Increment(ref _seq);
        var started = DateTime.UtcNow;
        var remote = req.RemoteEndPoint?.Port;
        long bytes = 0;
        void Stage(string stage) => InFlight[id] = $"#{id} :{remote} {req.HttpMethod} {path} [{stage} at +{(DateTime.UtcNow - started).TotalMilliseconds:0}ms, {bytes} bytes, started {started:HH:mm:ss.fff}]";
        Stage("received");
        try
        {
            if (TakeFault(req.HttpMethod, path, out var status))
            {
                Interlocked.Increment(ref _injected);
                var reason = status switch { 429 => "TooManyRequests", 410 => "Expired", 503 => "ServiceUnavailable", _ => "InternalError" };
                var body = Encoding.UTF8.GetBytes($"{{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"injected {status}\",\"reason\":\"{reason}\",\"code\":{status}}}");
                res.StatusCode = status;
                res.ContentType = "application/json";
                if (status == 429)
                {
                    res.AddHeader("Retry-After", "0");
                }

                await res.OutputStream.WriteAsync(body);
                return;
            }

            using var forward = new HttpRequestMessage(new HttpMethod(req.HttpMethod), _target + path);
            if (req.HasEntityBody)
            {
                var ms = new MemoryStream();
                await req.InputStream.CopyToAsync(ms);
                forward.Content = new ByteArrayContent(ms.ToArray());
                if (req.ContentType is { } ct)
                {
                    forward.Content.Headers.TryAddWithoutValidation("Content-Type", ct);
                }
            }

            foreach (var h in new[] { "Authorization", "Accept", "User-Agent" })
            {
                if (req.Headers[h] is { } v)
                {
                    forward.Headers.TryAddWithoutValidation(h, v);
                }
            }

            var isWatch = path.Contains("watch=true", StringComparison.Ordinal);
            using var cut = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token);
            if (isWatch && DropWatchesAfter is { } after)
            {
                cut.CancelAfter(after);
            }

            Stage("sending upstream");
            using var response = await _http.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, _cts.Token);
            Stage("upstream headers " + (int)response.StatusCode);
            res.StatusCode = (int)response.StatusCode;
            if (response.Content.Headers.ContentType is { } type)
            {
                res.ContentType = type.ToString();
            }

            if (!isWatch && response.Content.Headers.ContentLength is { } length)
            {
                res.ContentLength64 = length;
            }
            else
            {
                res.SendChunked = true;
            }
            await using var body2 = await response.Content.ReadAsStreamAsync(_cts.Token);
            var buffer = new byte[16 * 1024];
            int read;
            try
            {
                while ((read = await body2.ReadAsync(buffer, cut.Token)) > 0)
                {
                    Stage("writing");
                    await res.OutputStream.WriteAsync(buffer.AsMemory(0, read), cut.Token);
                    await res.OutputStream.FlushAsync(cut.Token);
                    bytes += read;
                    Stage("reading");
                }
                Stage("upstream ended");
            }
            catch (OperationCanceledException) when (!_cts.IsCancellationRequested)
            {
                Interlocked.Increment(ref _injected);
                Stage("dropped");
                res.Abort(); // the dropped watch
                return;
            }
        }
        catch (Exception)
        {
            // client or upstream went away
        }
        finally
        {
            Stage("closing");
            try
            {
                res.Close();
            }
            catch
            {
            }

            if (InFlight.TryRemove(id, out var last))
            {
                History.Enqueue(last);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        _listener.Close();
        _http.Dispose();
        _cts.Dispose();
    }
}
