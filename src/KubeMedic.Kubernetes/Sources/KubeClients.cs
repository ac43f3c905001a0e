using System.Buffers;
using k8s;
using KubeMedic.Core.Model.Parsing;

namespace KubeMedic.Kubernetes.Sources;

/// <summary>The one place product code makes its KubernetesClient clients.</summary>
public static class KubeClients
{
    /// <summary>A client whose non-streaming responses are read in full, asynchronously, before KubernetesClient parses them.</summary>
    public static k8s.Kubernetes Create(KubernetesClientConfiguration config) => new(config, new BufferedResponseHandler());
}

/// <summary>
/// KubernetesClient deserializes a response body with a synchronous <c>JsonSerializer.Deserialize(Stream)</c> as soon as the headers
/// have arrived, so a thread-pool thread blocks in <c>Socket.Receive</c> until the API server has sent the whole list. Several lists
/// at once (the autopilot resolves up to eight findings in parallel) starve a small thread pool, and everything else in the process -
/// watch events, timers, the other requests - waits until the pool grows, about a thread per half second (the autopilot benchmark
/// showed 0.5-2 s stalls). This handler reads the body into memory with async I/O first, in pooled 64 KiB chunks (a list page of
/// 500 pods is ~1 MB: one array that size would go to the large object heap each time); watch and follow requests are streams and
/// pass through untouched.
/// </summary>
public sealed class BufferedResponseHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!IsStream(request.RequestUri))
        {
            try
            {
                response.Content = await PooledBody.ReadAsync(response.Content, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }

        return response;
    }

    /// <summary>A watch (<c>watch=true</c>) or a followed log (<c>follow=true</c>): the body is a stream that never ends on its own.</summary>
    public static bool IsStream(Uri? uri) =>
        uri?.Query.TrimStart('?').Split('&').Any(p => p.Equals("watch=true", StringComparison.OrdinalIgnoreCase) || p.Equals("watch=1", StringComparison.Ordinal)
                                                       || p.Equals("follow=true", StringComparison.OrdinalIgnoreCase)) == true;
}

/// <summary>A response body read in full into chunks rented from <see cref="ArrayPool{T}.Shared"/>, returned when it is disposed.</summary>
internal sealed class PooledBody : ReadOnlyStream
{
    private const int ChunkSize = 64 * 1024;
    private readonly List<byte[]> _chunks;
    private long _length;
    private long _position;

    private PooledBody(List<byte[]> chunks, long length)
    {
        _chunks = chunks;
        _length = length;
    }

    /// <summary>Reads <paramref name="content"/> to its end and returns content with the same headers over the pooled copy.</summary>
    public static async Task<HttpContent> ReadAsync(HttpContent content, CancellationToken ct)
    {
        var chunks = new List<byte[]>();
        long length = 0;
        try
        {
            await using (var source = await content.ReadAsStreamAsync(ct).ConfigureAwait(false))
            {
                while (true)
                {
                    var at = (int)(length % ChunkSize);
                    if (at == 0)
                    {
                        chunks.Add(ArrayPool<byte>.Shared.Rent(ChunkSize));
                    }

                    var read = await source.ReadAsync(chunks[^1].AsMemory(at, ChunkSize - at), ct).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    length += read;
                }
            }
        }
        catch
        {
            chunks.ForEach(c => ArrayPool<byte>.Shared.Return(c));
            throw;
        }

        var buffered = new StreamContent(new PooledBody(chunks, length));
        foreach (var header in content.Headers)
        {
            buffered.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        content.Dispose();
        return buffered;
    }

    public override bool CanSeek => true;
    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = Math.Clamp(value, 0, _length);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var total = 0;
        while (buffer.Length > 0 && _position < _length)
        {
            var at = (int)(_position % ChunkSize);
            var n = (int)Math.Min(Math.Min(buffer.Length, ChunkSize - at), _length - _position);
            _chunks[(int)(_position / ChunkSize)].AsSpan(at, n).CopyTo(buffer);
            buffer = buffer[n..];
            _position += n;
            total += n;
        }

        return total;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => _length + offset,
    };

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var chunk in _chunks)
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            _chunks.Clear();
            _length = 0;
        }

        base.Dispose(disposing);
    }
}
