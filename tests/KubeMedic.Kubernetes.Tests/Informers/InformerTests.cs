using k8s.Autorest;
using k8s.Models;
using KubeMedic.Kubernetes.Informers;
using Microsoft.Extensions.Time.Testing;

namespace KubeMedic.Kubernetes.Tests.Informers;

public sealed class InformerTests
{
    /// <summary>
    /// A watch whose connection died without the server closing it (no headers, no bytes, no end) would hang the informer forever:
    /// after the idle limit it is abandoned and resumed from the last resourceVersion, without a relist.
    /// </summary>
    [Fact]
    public async Task A_silent_watch_is_abandoned_after_the_idle_limit_and_resumed()
    {
        var time = new FakeTimeProvider();
        var watches = new List<(string? Rv, TaskCompletionSource Started)> { (null, new()), (null, new()) };
        var calls = 0;
        var informer = new Informer<V1Pod, V1PodList>("Pod", "v1", async (watch, rv, cont, ct) =>
        {
            if (!watch)
            {
                return new HttpOperationResponse<V1PodList>
                {
                    Body = new V1PodList { Items = [new V1Pod { Metadata = new V1ObjectMeta { Name = "a", NamespaceProperty = "ns", ResourceVersion = "7" } }], Metadata = new V1ListMeta { ResourceVersion = "7" } },
                };
            }

            var n = Interlocked.Increment(ref calls) - 1;
            if (n < watches.Count)
            {
                watches[n] = (rv, watches[n].Started);
                watches[n].Started.TrySetResult();
            }

            await Task.Delay(Timeout.Infinite, ct); // the dead connection: nothing ever arrives
            throw new InvalidOperationException("unreachable");
        }, events: null, time) { WatchIdleTimeout = TimeSpan.FromSeconds(60) };

        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await watches[0].Started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        time.Advance(TimeSpan.FromSeconds(59));
        informer.Stats.Stalls.ShouldBe(0);

        time.Advance(TimeSpan.FromSeconds(2));
        await watches[1].Started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        informer.Stats.Stalls.ShouldBe(1);
        informer.Stats.Lists.ShouldBe(1);
        informer.Stats.Errors.ShouldBe(0);
        watches[1].Rv.ShouldBe("7");
        informer.Count.ShouldBe(1);

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
