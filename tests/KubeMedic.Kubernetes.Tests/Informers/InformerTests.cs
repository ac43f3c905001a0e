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

    /// <summary>Pods are cached trimmed (fields the diagnosis never reads) and compressed; what is read back is the same JSON otherwise.</summary>
    [Fact]
    public async Task Cached_pods_are_trimmed_and_compressed_and_read_back_whole()
    {
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = "web-1", NamespaceProperty = "shop", ResourceVersion = "9", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new V1PodSpec
            {
                NodeName = "node-1",
                DnsPolicy = "ClusterFirst",
                SchedulerName = "default-scheduler",
                Containers = [new V1Container { Name = "web", Image = "web:1", TerminationMessagePath = "/dev/termination-log", Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("64Mi") } } }],
            },
            Status = new V1PodStatus
            {
                Phase = "Running",
                HostIP = "10.0.0.1",
                ContainerStatuses = [new V1ContainerStatus { Name = "web", Image = "web:1", ImageID = "docker.io/library/web@sha256:" + new string('a', 64), ContainerID = "containerd://" + new string('b', 64), Ready = true, RestartCount = 3 }],
                Conditions = [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = new DateTime(2026, 11, 23, 12, 0, 0, DateTimeKind.Utc) }],
            },
        };
        var informer = new Informer<V1Pod, V1PodList>("Pod", "v1", async (watch, rv, cont, ct) =>
        {
            if (watch)
            {
                await Task.Delay(Timeout.Infinite, ct);
            }

            return new HttpOperationResponse<V1PodList> { Body = new V1PodList { Items = [pod], Metadata = new V1ListMeta { ResourceVersion = "9" } } };
        }, events: null, trim: ClusterInformers.TrimPod) { CompressAbove = 100 };

        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.Synced.WaitAsync(TimeSpan.FromSeconds(10));

        var json = System.Text.Encoding.UTF8.GetString(informer.RawItems().Single());
        json.ShouldNotContain("containerd://");
        json.ShouldNotContain("sha256");
        json.ShouldNotContain("default-scheduler");
        json.ShouldNotContain("termination-log");
        json.ShouldNotContain("10.0.0.1");
        var back = informer.Get("shop/web-1")!;
        back["spec"]!["nodeName"]!.GetValue<string>().ShouldBe("node-1");
        back["spec"]!["containers"]![0]!["resources"]!["limits"]!["memory"]!.GetValue<string>().ShouldBe("64Mi");
        back["status"]!["containerStatuses"]![0]!["restartCount"]!.GetValue<int>().ShouldBe(3);
        back["status"]!["conditions"]![0]!["type"]!.GetValue<string>().ShouldBe("Ready");
        back["metadata"]!["labels"]!["app"]!.GetValue<string>().ShouldBe("web");
        informer.StoredBytes.ShouldBeLessThan(json.Length); // kept compressed

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
