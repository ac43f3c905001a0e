using k8s;

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
/// showed 0.5-2 s stalls). This handler reads the body into memory with async I/O first; watch and follow requests are streams and
/// pass through untouched. List responses are paged (limit 500), so a buffered body stays small.
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
                await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
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
