namespace KubeMedic.Simulator.Tests;

/// <summary>Seed 002 on deploy-disaster: kubectl shows the four problems the way a real cluster would.</summary>
public sealed class DeployDisasterProblemTests(DisasterFixture sim) : IClassFixture<DisasterFixture>
{
    private Kubectl K => sim.Kubectl;

    [Fact]
    public async Task Frontend_has_a_typod_image_tag()
    {
        var pods = (await K.RunAsync("get", "pods", "-l", "app=frontend")).ShouldSucceed();
        pods.Out.ShouldMatch("(ImagePullBackOff|ErrImagePull)");
        (await K.RunAsync("get", "deploy", "frontend")).ShouldSucceed().Out.ShouldMatch(@"frontend\s+0/3\s+3\s+0");
        var name = sim.Cluster.List("pods", "default", "app=frontend").First(p => p["metadata"]!["deletionTimestamp"] is null)["metadata"]!["name"]!.GetValue<string>();
        var describe = (await K.RunAsync("describe", "pod", name)).ShouldSucceed();
        describe.Out.ShouldContain("Failed to pull image \"nginx:1.25.l\"");
        describe.Out.ShouldContain("docker.io/library/nginx:1.25.l: not found");
        describe.Out.ShouldContain("Back-off pulling image");
    }

    [Fact]
    public async Task Analytics_requests_more_than_any_node()
    {
        var pods = (await K.RunAsync("get", "pods", "-l", "app=analytics")).ShouldSucceed();
        pods.Out.ShouldMatch(@"analytics-\S+\s+0/1\s+Pending\s+0");
        var events = (await K.RunAsync("get", "events", "--field-selector", "reason=FailedScheduling")).ShouldSucceed();
        events.Out.ShouldContain("0/3 nodes are available:");
        events.Out.ShouldContain("2 Insufficient cpu, 2 Insufficient memory");
        events.Out.ShouldContain("preemption: 0/3 nodes are available:");
    }

    [Fact]
    public async Task Api_server_rollout_is_stuck_on_a_probe_the_new_version_does_not_answer()
    {
        (await K.RunAsync("get", "deploy", "api-server")).ShouldSucceed().Out.ShouldMatch(@"api-server\s+0/5\s+5\s+0");
        var status = await K.RunAsync("rollout", "status", "deploy/api-server", "--timeout=2s");
        status.Code.ShouldNotBe(0);
        status.Out.ShouldContain("Waiting for deployment \"api-server\" rollout to finish");
        var name = sim.Cluster.List("pods", "default", "app=api-server").First(p => p["metadata"]!["deletionTimestamp"] is null && p["spec"]!["nodeName"]?.GetValue<string>() != "node-1")["metadata"]!["name"]!.GetValue<string>();
        var describe = (await K.RunAsync("describe", "pod", name)).ShouldSucceed();
        describe.Out.ShouldContain("Readiness probe failed: Get \"http://");
        describe.Out.ShouldContain(":8080/healthz\": dial tcp");
        var logs = (await K.RunAsync("logs", name)).ShouldSucceed();
        logs.Out.ShouldContain("listen port moved from 8080 to 9090");
        var history = (await K.RunAsync("rollout", "history", "deploy/api-server")).ShouldSucceed();
        history.Out.ShouldContain("api-server 2.0");
        var deploy = (await K.RunAsync("describe", "deploy", "api-server")).ShouldSucceed();
        deploy.Out.ShouldContain("100% max unavailable");
    }

    [Fact]
    public async Task Database_is_pinned_to_a_lost_node()
    {
        (await K.RunAsync("get", "nodes")).ShouldSucceed().Out.ShouldMatch(@"node-1\s+NotReady");
        var pods = (await K.RunAsync("get", "pods", "-l", "app=database", "-o", "wide")).ShouldSucceed();
        pods.Out.ShouldMatch(@"database-\S+\s+1/1\s+Unknown\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+node-1");
        pods.Out.ShouldMatch(@"database-\S+\s+0/1\s+Pending");
        var events = (await K.RunAsync("get", "events", "--field-selector", "reason=FailedScheduling", "-o", "wide")).ShouldSucceed();
        events.Out.ShouldContain("1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 node(s) didn't match Pod's node affinity/selector");
        var node = (await K.RunAsync("describe", "node", "node-1")).ShouldSucceed();
        node.Out.ShouldContain("Kubelet stopped posting node status.");
        node.Out.ShouldContain("node.kubernetes.io/unreachable:NoExecute");
    }
}

public sealed class DisasterRecoveryFixture : SimFixture
{
    protected override string? Scenario => "deploy-disaster";
}

/// <summary>Seed 002's fixes, with real kubectl only, make the cluster recover.</summary>
public sealed class DeployDisasterRecoveryTests(DisasterRecoveryFixture sim) : IClassFixture<DisasterRecoveryFixture>
{
    private Kubectl K => sim.Kubectl;

    [Fact]
    public async Task The_seed_fixes_recover_the_cluster()
    {
        // frontend: roll back to the last good revision
        (await K.RunAsync("rollout", "undo", "deploy/frontend")).ShouldSucceed();

        // analytics: lower the requests with apply
        var file = Path.Combine(Path.GetTempPath(), "km-analytics-" + Guid.NewGuid().ToString("N")[..8] + ".yaml");
        await File.WriteAllTextAsync(file, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: analytics
              namespace: default
              labels: {app: analytics}
            spec:
              replicas: 2
              selector:
                matchLabels: {app: analytics}
              template:
                metadata:
                  labels: {app: analytics}
                spec:
                  containers:
                    - name: analytics
                      image: analytics:3.1
                      ports:
                        - containerPort: 8000
                      resources:
                        requests: {cpu: 250m, memory: 512Mi}
                        limits: {cpu: "1", memory: 1Gi}
            """);
        (await K.RunAsync("apply", "-f", file)).ShouldSucceed();

        // api-server: point the readiness probe at what 2.0 answers, and make the strategy safe
        (await K.RunAsync("patch", "deploy", "api-server", "--type=json", "-p",
            """[{"op":"replace","path":"/spec/template/spec/containers/0/readinessProbe/httpGet","value":{"path":"/ready","port":9090}},{"op":"replace","path":"/spec/strategy/rollingUpdate/maxUnavailable","value":"25%"}]""")).ShouldSucceed();

        // database: drop the hostname pin, then force-delete the pod stuck on the lost node
        (await K.RunAsync("patch", "deploy", "database", "--type=merge", "-p", """{"spec":{"template":{"spec":{"nodeSelector":null}}}}""")).ShouldSucceed();
        var stuck = sim.Cluster.List("pods", "default", "app=database").Where(p => p["spec"]!["nodeName"]?.GetValue<string>() == "node-1").Select(p => p["metadata"]!["name"]!.GetValue<string>()).ToList();
        stuck.ShouldNotBeEmpty();
        foreach (var pod in stuck) (await K.RunAsync("delete", "pod", pod, "--grace-period=0", "--force")).ShouldSucceed();

        for (var i = 0; i < 24; i++) await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(10));

        var deploys = (await K.RunAsync("get", "deploy")).ShouldSucceed();
        deploys.Out.ShouldMatch(@"analytics\s+2/2\s+2\s+2");
        deploys.Out.ShouldMatch(@"api-server\s+5/5\s+5\s+5");
        deploys.Out.ShouldMatch(@"database\s+1/1\s+1\s+1");
        deploys.Out.ShouldMatch(@"frontend\s+3/3\s+3\s+3");
        foreach (var d in new[] { "frontend", "analytics", "api-server", "database" })
        {
            (await K.RunAsync("rollout", "status", "deploy/" + d, "--timeout=10s")).ShouldSucceed();
        }

        var db = sim.Cluster.List("pods", "default", "app=database").Single();
        db["spec"]!["nodeName"]!.GetValue<string>().ShouldNotBe("node-1");
        (await K.RunAsync("get", "endpoints", "database")).ShouldSucceed().Out.ShouldMatch(@"database\s+10\.244\.\d+\.\d+:5432");
    }
}
