using System.Text.Json.Nodes;

namespace KubeMedic.Simulator.Tests;

/// <summary>Real kubectl changing the cluster: apply, scale, set image, rollout, edit, delete, cordon, drain.</summary>
public sealed class KubectlWriteTests(HealthyFixture sim) : IClassFixture<HealthyFixture>
{
    private Kubectl K => sim.Kubectl;

    private static string Deployment(string ns, string name, string image, int replicas, string cpu = "50m") => $"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {ns}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          replicas: {replicas}
          selector:
            matchLabels: {"{"}app: {name}{"}"}
          template:
            metadata:
              labels: {"{"}app: {name}{"}"}
            spec:
              containers:
                - name: web
                  image: {image}
                  ports:
                    - containerPort: 80
                  env:
                    - name: MODE
                      value: one
                  resources:
                    requests: {"{"}cpu: {cpu}, memory: 32Mi{"}"}
        """;

    private static string WriteTemp(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), "km-sim-" + Guid.NewGuid().ToString("N")[..8] + ".yaml");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Apply_create_then_update_with_strict_validation()
    {
        var file = WriteTemp(Deployment("apply-ns", "app", "nginx:1.27", 2));
        var created = (await K.RunAsync("apply", "-f", file)).ShouldSucceed();
        created.Out.ShouldContain("deployment.apps/app created");
        await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(10));
        sim.Cluster.List("pods", "apply-ns").Count.ShouldBe(2);

        File.WriteAllText(file, Deployment("apply-ns", "app", "nginx:1.27", 3).Replace("value: one", "value: two", StringComparison.Ordinal));
        var updated = (await K.RunAsync("apply", "-f", file)).ShouldSucceed();
        updated.Out.ShouldContain("deployment.apps/app configured");
        var d = sim.Cluster.Get("deployments", "apply-ns", "app")!;
        d["spec"]!["replicas"]!.GetValue<long>().ShouldBe(3);
        d["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]![0]!["value"]!.GetValue<string>().ShouldBe("two");
        d["spec"]!["template"]!["spec"]!["containers"]![0]!["ports"]!.AsArray().Count.ShouldBe(1);

        File.WriteAllText(file, Deployment("apply-ns", "app", "nginx:1.27", 3).Replace("replicas: 3", "replicas: 3\n  replicaz: 4", StringComparison.Ordinal));
        var strict = await K.RunAsync("apply", "-f", file);
        strict.Code.ShouldNotBe(0);
        strict.Err.ShouldContain("unknown field \"spec.replicaz\"");

        File.WriteAllText(file, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: broken\n  namespace: apply-ns\nspec:\n  template:\n    spec:\n      containers:\n      - name: x\n");
        var invalid = await K.RunAsync("apply", "-f", file);
        invalid.Code.ShouldNotBe(0);
        invalid.Err.ShouldContain("The Deployment \"broken\" is invalid");
        invalid.Err.ShouldContain("spec.selector: Required value");
    }

    [Fact]
    public async Task Scale_set_image_rollout_status_history_undo_restart()
    {
        (await K.RunAsync("apply", "-f", WriteTemp(Deployment("roll", "web", "nginx:1.27", 2)))).ShouldSucceed();
        await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(10));
        (await K.RunAsync("scale", "deploy/web", "-n", "roll", "--replicas=4")).ShouldSucceed().Out.ShouldContain("scaled");
        (await K.RunAsync("scale", "deploy/web", "-n", "roll", "--replicas=3", "--current-replicas=4")).ShouldSucceed();
        await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(10));
        (await K.RunAsync("rollout", "status", "deploy/web", "-n", "roll", "--timeout=20s")).ShouldSucceed().Out.ShouldContain("successfully rolled out");

        (await K.RunAsync("set", "image", "deploy/web", "web=nginx:1.25", "-n", "roll")).ShouldSucceed().Out.ShouldContain("image updated");
        var status = K.RunAsync("rollout", "status", "deploy/web", "-n", "roll", "--timeout=30s");
        for (var i = 0; i < 10; i++) await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(5));
        (await status).ShouldSucceed().Out.ShouldContain("\"web\" successfully rolled out");
        sim.Cluster.List("pods", "roll").Count(p => p["metadata"]!["deletionTimestamp"] is null).ShouldBe(3);

        var history = (await K.RunAsync("rollout", "history", "deploy/web", "-n", "roll")).ShouldSucceed();
        history.Out.ShouldMatch(@"REVISION\s+CHANGE-CAUSE");
        history.Out.ShouldMatch(@"(?m)^1\s");
        history.Out.ShouldMatch(@"(?m)^2\s");

        (await K.RunAsync("rollout", "undo", "deploy/web", "-n", "roll")).ShouldSucceed().Out.ShouldContain("rolled back");
        for (var i = 0; i < 10; i++) await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(5));
        var d = sim.Cluster.Get("deployments", "roll", "web")!;
        d["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>().ShouldBe("nginx:1.27");
        d["metadata"]!["annotations"]!["deployment.kubernetes.io/revision"]!.GetValue<string>().ShouldBe("3");
        sim.Cluster.List("replicasets", "roll").Count.ShouldBe(2, "undo re-uses the revision-1 ReplicaSet");
        var after = (await K.RunAsync("rollout", "history", "deploy/web", "-n", "roll")).ShouldSucceed();
        after.Out.ShouldMatch(@"(?m)^2\s");
        after.Out.ShouldMatch(@"(?m)^3\s");

        (await K.RunAsync("rollout", "restart", "deploy/web", "-n", "roll")).ShouldSucceed().Out.ShouldContain("restarted");
        for (var i = 0; i < 10; i++) await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(5));
        sim.Cluster.List("replicasets", "roll").Count.ShouldBe(3);
        (await K.RunAsync("rollout", "status", "deploy/web", "-n", "roll", "--timeout=20s")).ShouldSucceed();
    }

    [Fact]
    public async Task Edit_with_a_scripted_editor()
    {
        (await K.RunAsync("apply", "-f", WriteTemp(Deployment("edit", "web", "nginx:1.27", 1)))).ShouldSucceed();
        var script = Path.Combine(Path.GetTempPath(), "km-editor-" + Guid.NewGuid().ToString("N")[..8] + ".sh");
        File.WriteAllText(script, "#!/bin/sh\nsed -i 's/replicas: 1/replicas: 2/' \"$1\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var r = (await K.RunAsync(new Dictionary<string, string> { ["KUBE_EDITOR"] = script }, TimeSpan.FromSeconds(60), "edit", "deploy/web", "-n", "edit")).ShouldSucceed();
        r.Out.ShouldContain("deployment.apps/web edited");
        sim.Cluster.Get("deployments", "edit", "web")!["spec"]!["replicas"]!.GetValue<long>().ShouldBe(2);
    }

    [Fact]
    public async Task Delete_pod_waits_for_the_kubelet_and_the_replicaset_replaces_it()
    {
        (await K.RunAsync("apply", "-f", WriteTemp(Deployment("del", "web", "nginx:1.27", 2)))).ShouldSucceed();
        await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(10));
        var pod = sim.Cluster.List("pods", "del")[0]["metadata"]!["name"]!.GetValue<string>();
        var r = (await K.RunAsync("delete", "pod", pod, "-n", "del")).ShouldSucceed();
        r.Out.ShouldContain($"pod \"{pod}\" deleted");
        sim.Cluster.Get("pods", "del", pod).ShouldBeNull();
        await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(5));
        sim.Cluster.List("pods", "del").Count.ShouldBe(2);
    }

    [Fact]
    public async Task Cordon_uncordon_and_drain()
    {
        (await K.RunAsync("cordon", "node-3")).ShouldSucceed().Out.ShouldContain("cordoned");
        (await K.RunAsync("get", "node", "node-3")).ShouldSucceed().Out.ShouldContain("Ready,SchedulingDisabled");
        (await K.RunAsync("uncordon", "node-3")).ShouldSucceed().Out.ShouldContain("uncordoned");

        var drain = (await K.RunAsync(null, TimeSpan.FromSeconds(90), "drain", "node-3", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=60s")).ShouldSucceed();
        drain.All.ShouldContain("drained");
        await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(10));
        sim.Cluster.List("pods").Where(p => p["spec"]!["nodeName"]?.GetValue<string>() == "node-3" && p["metadata"]!["namespace"]!.GetValue<string>() == "shop").ShouldBeEmpty();
        (await K.RunAsync("uncordon", "node-3")).ShouldSucceed();
    }

    [Fact]
    public async Task Namespaced_create_in_missing_namespace_is_404()
    {
        var file = WriteTemp("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: does-not-exist\n");
        var r = await K.RunAsync("create", "-f", file);
        r.Code.ShouldNotBe(0);
        r.Err.ShouldContain("namespaces \"does-not-exist\" not found");
        _ = JsonNode.Parse("{}");
    }
}
