using System.Text.Json.Nodes;

namespace KubeMedic.Simulator.Tests;

/// <summary>Real kubectl reading the healthy scenario: get (all output formats), describe, logs, top, watch.</summary>
public sealed class KubectlReadTests(HealthyFixture sim) : IClassFixture<HealthyFixture>
{
    private Kubectl K => sim.Kubectl;

    [Fact]
    public async Task Get_pods_prints_server_side_columns_and_wide_columns()
    {
        var r = (await K.RunAsync("get", "pods", "-n", "shop")).ShouldSucceed();
        r.Out.ShouldStartWith("NAME");
        r.Out.ShouldContain("READY   STATUS    RESTARTS   AGE");
        r.Out.ShouldContain("1/1     Running   0");
        r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(8);

        var wide = (await K.RunAsync("get", "pods", "-n", "shop", "-o", "wide")).ShouldSucceed();
        wide.Out.ShouldContain("IP");
        wide.Out.ShouldContain("NOMINATED NODE");
        wide.Out.ShouldContain("10.244.");
        wide.Out.ShouldContain("node-");
    }

    [Fact]
    public async Task Get_all_kinds_with_tables()
    {
        var deploy = (await K.RunAsync("get", "deploy", "-n", "shop", "-o", "wide")).ShouldSucceed();
        deploy.Out.ShouldContain("UP-TO-DATE");
        deploy.Out.ShouldContain("web     3/3     3            3");
        deploy.Out.ShouldContain("nginx:1.27");
        deploy.Out.ShouldContain("app=web");

        var rs = (await K.RunAsync("get", "rs", "-n", "shop")).ShouldSucceed();
        rs.Out.ShouldContain("DESIRED   CURRENT   READY");

        var nodes = (await K.RunAsync("get", "nodes", "-o", "wide")).ShouldSucceed();
        nodes.Out.ShouldContain("node-1   Ready");
        nodes.Out.ShouldContain("INTERNAL-IP");
        nodes.Out.ShouldContain("containerd://");

        var svc = (await K.RunAsync("get", "svc", "-n", "shop")).ShouldSucceed();
        svc.Out.ShouldContain("ClusterIP");
        svc.Out.ShouldContain("8080/TCP");

        var ep = (await K.RunAsync("get", "endpoints", "-n", "shop")).ShouldSucceed();
        ep.Out.ShouldMatch(@"web\s+10\.244\.\d+\.\d+:80,");

        var all = (await K.RunAsync("get", "all", "-n", "shop")).ShouldSucceed();
        all.Out.ShouldContain("pod/web-");
        all.Out.ShouldContain("service/web");
        all.Out.ShouldContain("deployment.apps/web");
        all.Out.ShouldContain("replicaset.apps/web-");

        var events = (await K.RunAsync("get", "events", "-n", "shop", "--sort-by=.lastTimestamp")).ShouldSucceed();
        events.Out.ShouldContain("LAST SEEN   TYPE");
        events.Out.ShouldContain("Scheduled");
        events.Out.ShouldContain("Started container");
    }

    [Fact]
    public async Task Get_json_yaml_jsonpath_and_sort_by()
    {
        var json = (await K.RunAsync("get", "pods", "-n", "shop", "-l", "app=web", "-o", "json")).ShouldSucceed();
        var list = JsonNode.Parse(json.Out)!;
        list["items"]!.AsArray().Count.ShouldBe(3);
        list["items"]![0]!["status"]!["phase"]!.GetValue<string>().ShouldBe("Running");

        var yaml = (await K.RunAsync("get", "deploy", "web", "-n", "shop", "-o", "yaml")).ShouldSucceed();
        yaml.Out.ShouldContain("kind: Deployment");
        yaml.Out.ShouldContain("deployment.kubernetes.io/revision: \"1\"");
        yaml.Out.ShouldContain("observedGeneration: 1");

        var jp = (await K.RunAsync("get", "pods", "-n", "shop", "-l", "app in (web,api)", "-o", "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}")).ShouldSucceed();
        jp.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(5);

        var sorted = (await K.RunAsync("get", "pods", "-n", "shop", "--sort-by=.metadata.name", "-o", "name")).ShouldSucceed();
        var names = sorted.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        names.ShouldBe(names.Order(StringComparer.Ordinal).ToArray());

        var field = (await K.RunAsync("get", "pods", "-A", "--field-selector=status.phase!=Running")).ShouldSucceed();
        field.All.ShouldContain("No resources found");
    }

    [Fact]
    public async Task Describe_pod_deploy_node()
    {
        var pod = sim.Cluster.List("pods", "shop", "app=api")[0]["metadata"]!["name"]!.GetValue<string>();
        var dp = (await K.RunAsync("describe", "pod", pod, "-n", "shop")).ShouldSucceed();
        dp.Out.ShouldContain("Status:           Running");
        dp.Out.ShouldContain("Readiness:");
        dp.Out.ShouldContain("Events:");
        dp.Out.ShouldContain("Successfully assigned shop/" + pod);

        var dd = (await K.RunAsync("describe", "deploy", "web", "-n", "shop")).ShouldSucceed();
        dd.Out.ShouldContain("RollingUpdateStrategy:  25% max unavailable, 25% max surge");
        dd.Out.ShouldContain("NewReplicaSet:");
        dd.Out.ShouldContain("ScalingReplicaSet");

        var dn = (await K.RunAsync("describe", "node", "node-1")).ShouldSucceed();
        dn.Out.ShouldContain("Allocated resources:");
        dn.Out.ShouldContain("Non-terminated Pods:");
        dn.Out.ShouldContain("KubeletReady");
    }

    [Fact]
    public async Task Logs_of_pod_and_deployment()
    {
        var pod = sim.Cluster.List("pods", "shop", "app=api")[0]["metadata"]!["name"]!.GetValue<string>();
        var logs = (await K.RunAsync("logs", pod, "-n", "shop")).ShouldSucceed();
        logs.Out.ShouldContain("listening on :8080");
        var tail = (await K.RunAsync("logs", pod, "-n", "shop", "--tail=1", "--timestamps")).ShouldSucceed();
        tail.Out.Trim().Split('\n').Length.ShouldBe(1);
        tail.Out.ShouldMatch(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z ");
        var deploy = (await K.RunAsync("logs", "deploy/web", "-n", "shop")).ShouldSucceed();
        deploy.Out.ShouldContain("Configuration complete");
        var previous = await K.RunAsync("logs", pod, "-n", "shop", "--previous");
        previous.Code.ShouldNotBe(0);
        previous.Err.ShouldContain("previous terminated container \"api\"");
    }

    [Fact]
    public async Task Top_pod_and_node()
    {
        var pods = (await K.RunAsync("top", "pod", "-n", "shop")).ShouldSucceed();
        pods.Out.ShouldContain("CPU(cores)");
        pods.Out.ShouldMatch(@"api-\S+\s+\d+m\s+\d+Mi");
        var nodes = (await K.RunAsync("top", "node")).ShouldSucceed();
        nodes.Out.ShouldContain("CPU(%)");
        nodes.Out.ShouldContain("node-1");
    }

    [Fact]
    public async Task Get_watch_streams_table_rows()
    {
        var r = await K.RunForAsync(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(2), async () =>
        {
            await sim.Cluster.InjectAsync(new SimFault("apply")
            {
                Manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n  namespace: shop\ndata:\n  a: b\n",
            });
        }, "get", "configmaps", "-n", "shop", "-w");
        r.Out.ShouldContain("NAME");
        r.Out.ShouldContain("shop-config");
        r.Out.ShouldContain("watched");
        r.Out.Split('\n').Count(l => l.StartsWith("NAME", StringComparison.Ordinal)).ShouldBe(1);
    }

    [Fact]
    public async Task Unknown_resource_and_missing_object_errors()
    {
        var missing = await K.RunAsync("get", "pod", "nope", "-n", "shop");
        missing.Code.ShouldNotBe(0);
        missing.Err.ShouldContain("pods \"nope\" not found");
        var version = (await K.RunAsync("version", "-o", "json")).ShouldSucceed();
        version.Out.ShouldContain("\"minor\": \"32\"");
    }
}
