namespace KubeMedic.Simulator.Tests;

public sealed class WorkloadFixture : SimFixture
{
    public static readonly string File = Path.Combine(Path.GetTempPath(), "km-workloads-" + Guid.NewGuid().ToString("N")[..8] + ".yaml");

    protected override string? Scenario
    {
        get
        {
            System.IO.File.WriteAllText(File, """
                name: workloads
                nodes:
                  - name: node
                    count: 2
                images: ["batch:1", "db:1", "web:1", "web:2", "busy:1"]
                apps:
                  - image: busy:1
                    cpu: 400m
                  - image: batch:1
                    exit: {after: 5s, code: 1}
                    logs:
                      startup: ["processing batch"]
                      exit: ["ERROR cannot reach queue"]
                  - image: db:1
                    ports: [5432]
                  - image: web:1
                    ports: [8080]
                    paths: [/healthz]
                  - image: web:2
                    ports: [8080]
                    paths: [/health]
                manifests: |
                  apiVersion: storage.k8s.io/v1
                  kind: StorageClass
                  metadata:
                    name: standard
                    annotations: {storageclass.kubernetes.io/is-default-class: "true"}
                  provisioner: rancher.io/local-path
                  volumeBindingMode: WaitForFirstConsumer
                  ---
                  apiVersion: batch/v1
                  kind: Job
                  metadata: {name: nightly, namespace: default}
                  spec:
                    backoffLimit: 2
                    template:
                      spec:
                        restartPolicy: Never
                        containers:
                          - name: batch
                            image: batch:1
                  ---
                  apiVersion: apps/v1
                  kind: StatefulSet
                  metadata: {name: db, namespace: default}
                  spec:
                    serviceName: db
                    replicas: 2
                    selector: {matchLabels: {app: db}}
                    template:
                      metadata: {labels: {app: db}}
                      spec:
                        containers:
                          - name: db
                            image: db:1
                            readinessProbe: {tcpSocket: {port: 5432}}
                    volumeClaimTemplates:
                      - metadata: {name: data}
                        spec:
                          accessModes: [ReadWriteOnce]
                          resources: {requests: {storage: 1Gi}}
                  ---
                  apiVersion: apps/v1
                  kind: Deployment
                  metadata: {name: busy, namespace: default}
                  spec:
                    replicas: 1
                    selector: {matchLabels: {app: busy}}
                    template:
                      metadata: {labels: {app: busy}}
                      spec:
                        containers:
                          - name: busy
                            image: busy:1
                            resources: {requests: {cpu: 100m}}
                  ---
                  apiVersion: autoscaling/v2
                  kind: HorizontalPodAutoscaler
                  metadata: {name: busy, namespace: default}
                  spec:
                    scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: busy}
                    minReplicas: 1
                    maxReplicas: 3
                    metrics:
                      - type: Resource
                        resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
                  ---
                  apiVersion: apps/v1
                  kind: Deployment
                  metadata: {name: live, namespace: default}
                  spec:
                    replicas: 1
                    selector: {matchLabels: {app: live}}
                    template:
                      metadata: {labels: {app: live}}
                      spec:
                        containers:
                          - name: web
                            image: web:2
                            livenessProbe:
                              httpGet: {path: /healthz, port: 8080}
                              periodSeconds: 5
                              failureThreshold: 3
                """);
            return File;
        }
    }
}

/// <summary>Jobs, StatefulSets with PVCs, liveness restarts and ProgressDeadlineExceeded, through kubectl.</summary>
public sealed class WorkloadTests(WorkloadFixture sim) : IClassFixture<WorkloadFixture>
{
    private Kubectl K => sim.Kubectl;

    [Fact]
    public async Task Job_fails_after_its_backoff_limit()
    {
        for (var i = 0; i < 30; i++) await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(20));
        var jobs = (await K.RunAsync("get", "jobs")).ShouldSucceed();
        jobs.Out.ShouldMatch(@"nightly\s+Failed\s+0/1");
        var describe = (await K.RunAsync("describe", "job", "nightly")).ShouldSucceed();
        describe.Out.ShouldContain("BackoffLimitExceeded");
        var pods = (await K.RunAsync("get", "pods", "-l", "job-name=nightly")).ShouldSucceed();
        pods.Out.ShouldMatch(@"nightly-\S+\s+0/1\s+Error\s+0");
        var pod = sim.Cluster.List("pods", "default", "job-name=nightly")[0]["metadata"]!["name"]!.GetValue<string>();
        (await K.RunAsync("logs", pod)).ShouldSucceed().Out.ShouldContain("ERROR cannot reach queue");
    }

    [Fact]
    public async Task StatefulSet_creates_ordered_pods_with_bound_claims()
    {
        for (var i = 0; i < 6; i++) await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(5));
        var pods = (await K.RunAsync("get", "pods", "-l", "app=db")).ShouldSucceed();
        pods.Out.ShouldMatch(@"db-0\s+1/1\s+Running");
        pods.Out.ShouldMatch(@"db-1\s+1/1\s+Running");
        var pvc = (await K.RunAsync("get", "pvc")).ShouldSucceed();
        pvc.Out.ShouldMatch(@"data-db-0\s+Bound\s+pvc-\S+\s+1Gi\s+RWO\s+standard");
        (await K.RunAsync("get", "sts", "db")).ShouldSucceed().Out.ShouldMatch(@"db\s+2/2");
        (await K.RunAsync("get", "pv")).ShouldSucceed().Out.ShouldContain("default/data-db-0");
    }

    [Fact]
    public async Task Liveness_probe_failures_restart_the_container()
    {
        for (var i = 0; i < 12; i++) await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(10));
        var pod = sim.Cluster.List("pods", "default", "app=live")[0];
        pod["status"]!["containerStatuses"]![0]!["restartCount"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(2);
        var describe = (await K.RunAsync("describe", "pod", pod["metadata"]!["name"]!.GetValue<string>())).ShouldSucceed();
        describe.Out.ShouldContain("Liveness probe failed: HTTP probe failed with statuscode: 404");
        describe.Out.ShouldContain("failed liveness probe, will be restarted");
    }

    [Fact]
    public async Task Hpa_scales_a_busy_deployment_to_its_maximum()
    {
        for (var i = 0; i < 8; i++) await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(15));
        var hpa = (await K.RunAsync("get", "hpa", "busy")).ShouldSucceed();
        hpa.Out.ShouldMatch(@"busy\s+Deployment/busy\s+cpu: \d+%/50%\s+1\s+3\s+3");
        var describe = (await K.RunAsync("describe", "hpa", "busy")).ShouldSucceed();
        describe.Out.ShouldContain("TooManyReplicas");
        describe.Out.ShouldContain("SuccessfulRescale");
        sim.Cluster.Get("deployments", "default", "busy")!["spec"]!["replicas"]!.GetValue<long>().ShouldBe(3);
    }

    [Fact]
    public async Task Logs_follow_streams_new_lines()
    {
        var pod = sim.Cluster.List("pods", "default", "app=db")[0]["metadata"]!["name"]!.GetValue<string>();
        await sim.Cluster.InjectAsync(new SimFault("apply")
        {
            Manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: chatty\n  namespace: default\nspec:\n  containers:\n  - name: c\n    image: batch:1\n",
        });
        for (var i = 0; i < 20 && sim.Cluster.Get("pods", "default", "chatty")?["status"]?["containerStatuses"]?[0]?["state"]?["running"] is null; i++)
        {
            await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(1));
        }

        var r = await K.RunForAsync(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), async () => await sim.Cluster.AdvanceAsync(TimeSpan.FromSeconds(10)), "logs", "-f", "chatty");
        r.Out.ShouldContain("processing batch", customMessage: r.Err);
        r.Out.ShouldContain("ERROR cannot reach queue");
        _ = pod;
    }
}
