namespace KubeMedic.Simulator.Tests;

/// <summary>Seed 000: order-service 2.3.1 leaks memory against its 512Mi limit and is OOMKilled over and over.</summary>
public sealed class OrderServiceOomTests(OomFixture sim) : IClassFixture<OomFixture>
{
    private Kubectl K => sim.Kubectl;

    [Fact]
    public async Task Pods_are_oomkilled_and_restarting_with_evidence_in_describe_logs_top_and_history()
    {
        var pods = (await K.RunAsync("get", "pods", "-n", "production", "-l", "app=order-service")).ShouldSucceed();
        pods.Out.ShouldMatch(@"order-service-\S+\s+\d/1\s+(Running|OOMKilled|CrashLoopBackOff)\s+[2-9] \(\S+ ago\)");

        var pod = sim.Cluster.List("pods", "production", "app=order-service")[0]["metadata"]!["name"]!.GetValue<string>();
        var describe = (await K.RunAsync("describe", "pod", pod, "-n", "production")).ShouldSucceed();
        describe.Out.ShouldContain("Last State:     Terminated");
        describe.Out.ShouldContain("Reason:       OOMKilled");
        describe.Out.ShouldContain("Exit Code:    137");
        describe.Out.ShouldContain("memory:  512Mi");
        describe.Out.ShouldContain("order-service:2.3.1");

        var previous = (await K.RunAsync("logs", pod, "-n", "production", "--previous")).ShouldSucceed();
        previous.Out.ShouldContain("fatal error: runtime: out of memory");
        previous.Out.ShouldContain("heap_inuse_mib");

        var history = (await K.RunAsync("rollout", "history", "deployment/order-service", "-n", "production")).ShouldSucceed();
        history.Out.ShouldMatch(@"(?m)^1\s+deploy order-service:2.3.0");
        history.Out.ShouldMatch(@"(?m)^2\s+deploy order-service:2.3.1");

        // metrics exist only for running containers (kubectl top fails with "Metrics not available" while every replica backs off)
        for (var i = 0; i < 60 && !sim.Cluster.List("pods", "production", "app=order-service")
                 .Any(p => p["status"]?["containerStatuses"]?[0]?["state"]?["running"] is not null); i++)
        {
            await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(10));
        }

        var top = (await K.RunAsync("top", "pods", "-n", "production", "-l", "app=order-service")).ShouldSucceed();
        top.Out.ShouldMatch(@"order-service-\S+\s+\d+m\s+[3-5]\d\dMi");

        var oomEvents = (await K.RunAsync("get", "events", "-A", "--field-selector", "reason=OOMKilling")).ShouldSucceed();
        oomEvents.Out.ShouldContain("Memory cgroup out of memory");
    }

    [Fact]
    public async Task Crash_loop_back_off_shows_between_restarts()
    {
        // Step until some container is waiting in CrashLoopBackOff (each OOM within 10 minutes of the last one backs off).
        var seen = false;
        for (var i = 0; i < 200 && !seen; i++)
        {
            await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(10));
            seen = sim.Cluster.List("pods", "production", "app=order-service")
                .Any(p => p["status"]?["containerStatuses"]?[0]?["state"]?["waiting"]?["reason"]?.GetValue<string>() == "CrashLoopBackOff");
        }

        seen.ShouldBeTrue();
        var pods = (await K.RunAsync("get", "pods", "-n", "production", "-l", "app=order-service")).ShouldSucceed();
        pods.Out.ShouldContain("CrashLoopBackOff");
        var pod = sim.Cluster.List("pods", "production", "app=order-service")
            .First(p => p["status"]?["containerStatuses"]?[0]?["state"]?["waiting"]?["reason"]?.GetValue<string>() == "CrashLoopBackOff");
        pod["status"]!["containerStatuses"]![0]!["state"]!["waiting"]!["message"]!.GetValue<string>().ShouldMatch(@"^back-off (10s|20s|40s|1m20s|2m40s|5m0s) restarting failed container=order-service pod=order-service-");

        // The fix: roll back to 2.3.0; the restarts stop.
        (await K.RunAsync("rollout", "undo", "deployment/order-service", "-n", "production")).ShouldSucceed();
        for (var i = 0; i < 12; i++) await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(10));
        (await K.RunAsync("rollout", "status", "deployment/order-service", "-n", "production", "--timeout=10s")).ShouldSucceed();
        var restarts = Restarts();
        await sim.Cluster.AdvanceAsync(TimeSpan.FromMinutes(20));
        Restarts().ShouldBe(restarts);

        long Restarts() => sim.Cluster.List("pods", "production", "app=order-service")
            .Sum(p => p["status"]?["containerStatuses"]?[0]?["restartCount"]?.GetValue<long>() ?? 0);
    }
}
