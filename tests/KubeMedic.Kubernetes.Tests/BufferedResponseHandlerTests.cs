using System.Net;
using KubeMedic.Core.Model.Parsing;
using KubeMedic.Kubernetes.Sources;

namespace KubeMedic.Kubernetes.Tests;

public sealed class BufferedResponseHandlerTests
{
    /// <summary>A body that arrives in two parts, the second only after the test releases it (an API server still sending a list).</summary>
    private sealed class SlowBody(TaskCompletionSource release) : ReadOnlyStream
    {
        private int _part;

        public override bool CanSeek => false;
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public bool SyncReads { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            SyncReads = true;
            return ReadAsync(buffer, offset, count).GetAwaiter().GetResult();
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            switch (_part++)
            {
                case 0:
                    buffer[offset] = (byte)'[';
                    return 1;
                case 1:
                    await release.Task.WaitAsync(cancellationToken);
                    buffer[offset] = (byte)']';
                    return 1;
                default:
                    return 0;
            }
        }
    }

    private sealed class Server(SlowBody body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body), RequestMessage = request });
    }

    [Fact]
    public async Task A_list_is_read_in_full_asynchronously_before_the_caller_gets_it()
    {
        var release = new TaskCompletionSource();
        var body = new SlowBody(release);
        using var client = new HttpClient(new BufferedResponseHandler { InnerHandler = new Server(body) });
        var send = client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://api/api/v1/pods?limit=500"), HttpCompletionOption.ResponseHeadersRead);
        await Task.Delay(100);
        send.IsCompleted.ShouldBeFalse(); // still reading the body, without holding a thread
        release.SetResult();
        using var response = await send.WaitAsync(TimeSpan.FromSeconds(10));
        // KubernetesClient then reads synchronously: from memory
        using var stream = response.Content.ReadAsStream();
        stream.CanSeek.ShouldBeTrue();
        new StreamReader(stream).ReadToEnd().ShouldBe("[]");
        body.SyncReads.ShouldBeFalse();
    }

    [Theory]
    [InlineData("http://api/api/v1/pods?watch=true&resourceVersion=5")]
    [InlineData("http://api/api/v1/namespaces/shop/pods/web-1/log?container=web&follow=true")]
    public async Task Watches_and_followed_logs_stay_streams(string url)
    {
        BufferedResponseHandler.IsStream(new Uri(url)).ShouldBeTrue();
        var body = new SlowBody(new TaskCompletionSource());
        using var client = new HttpClient(new BufferedResponseHandler { InnerHandler = new Server(body) });
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, url), HttpCompletionOption.ResponseHeadersRead).WaitAsync(TimeSpan.FromSeconds(10));
        (await response.Content.ReadAsStreamAsync()).CanSeek.ShouldBeFalse();
    }

    [Theory]
    [InlineData("http://api/api/v1/pods?watch=false")]
    [InlineData("http://api/api/v1/pods?labelSelector=watch%3Dtrue")]
    [InlineData("http://api/apis/apps/v1/namespaces/shop/deployments/web")]
    public void Everything_else_is_buffered(string url) => BufferedResponseHandler.IsStream(new Uri(url)).ShouldBeFalse();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(64 * 1024)]
    [InlineData(200_000)]
    public async Task A_buffered_body_keeps_its_bytes_and_headers(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        var original = new ByteArrayContent(bytes);
        original.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var copy = await PooledBody.ReadAsync(original, CancellationToken.None);
        copy.Headers.ContentType!.MediaType.ShouldBe("application/json");
        using var stream = copy.ReadAsStream();
        stream.Length.ShouldBe(size);
        var back = new MemoryStream();
        var buffer = new byte[7000]; // reads that straddle the 64 KiB chunks
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            back.Write(buffer, 0, read);
        }

        back.ToArray().ShouldBe(bytes);
        stream.Position = size / 2;
        var rest = new MemoryStream();
        await stream.CopyToAsync(rest);
        rest.ToArray().ShouldBe(bytes[(size / 2)..]);
    }
}
