using System.Diagnostics;
using KubeMedic.Core.Incidents;
using KubeMedic.Observability.Receiver;

namespace KubeMedic.Observability.Tests;

/// <summary>
/// A real Alertmanager 0.25 (amtool check-config valid, group_wait 1s) sends to the in-process receiver with a bearer token;
/// alerts are injected with <c>amtool alert add</c>. Asserts the incident record and the notifications, then the resolve.
/// </summary>
public sealed class AlertmanagerIntegrationTests : IAsyncLifetime
{
    private const string Token = "am-bearer-token-0123456789abcdef";
    private readonly TempDir dir = new();
    private readonly CaptureServer notifications = new();
    private readonly HttpClient notifyHttp = new();
    private AlertReceiverServer server = null!;
    private IncidentStore store = null!;
    private Process? alertmanager;
    private string amUrl = "";

    public async Task InitializeAsync()
    {
        store = new IncidentStore(dir.File("incidents"));
        server = await AlertReceiverServer.StartAsync(new ReceiverOptions { Listen = "127.0.0.1:0", Token = Token, ConfigureLogging = _ => { } },
            new IncidentStoreSink(store), new NoAlertDiagnoser(), [new SlackNotifier(new Uri(notifications.Url, "slack"), notifyHttp), new JsonWebhookNotifier(new Uri(notifications.Url, "hook"), notifyHttp)],
            TimeProvider.System);
        File.WriteAllText(dir.File("token"), Token);
        File.WriteAllText(dir.File("wrong-token"), "not-the-token-0123456789");
        File.WriteAllText(dir.File("am.yml"), $"""
            route:
              receiver: kubemedic
              group_by: [alertname, namespace]
              group_wait: 1s
              group_interval: 2s
              repeat_interval: 1h
            receivers:
            - name: kubemedic
              webhook_configs:
              - url: {new Uri(server.Address, "alertmanager")}
                send_resolved: true
                http_config:
                  authorization:
                    type: Bearer
                    credentials_file: {dir.File("token")}
              - url: {new Uri(server.Address, "alertmanager")}
                send_resolved: false
                http_config:
                  authorization:
                    type: Bearer
                    credentials_file: {dir.File("wrong-token")}
            """);
        var check = Tools.Run(Tools.Amtool, dir.Path, "check-config", "am.yml");
        check.Code.ShouldBe(0, check.Output);
        check.Output.ShouldContain("SUCCESS");

        var port = Tools.FreePort();
        amUrl = $"http://127.0.0.1:{port}";
        var psi = new ProcessStartInfo(Tools.Alertmanager) { WorkingDirectory = dir.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--config.file=am.yml", $"--storage.path={dir.File("data")}", $"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=warn" })
        {
            psi.ArgumentList.Add(a);
        }

        alertmanager = Process.Start(psi)!;
        alertmanager.BeginErrorReadLine();
        alertmanager.BeginOutputReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            alertmanager.HasExited.ShouldBeFalse("alertmanager exited at start");
            try
            {
                if ((await http.GetAsync($"{amUrl}/-/ready")).IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("alertmanager did not become ready in 30 s");
            }

            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync()
    {
        if (alertmanager is { HasExited: false })
        {
            alertmanager.Kill(entireProcessTree: true);
            alertmanager.WaitForExit(10_000);
        }

        alertmanager?.Dispose();
        await server.DisposeAsync();
        notifyHttp.Dispose();
        notifications.Dispose();
        dir.Dispose();
    }

    private (int Code, string Output) AmtoolAdd(params string[] extra) =>
        Tools.Run(Tools.Amtool, dir.Path, ["alert", "add", "alertname=KubeMedicPodOOMKilled", "namespace=shop", "pod=order-service-7d9f-x1",
            "deployment=order-service", "container=app", "severity=critical", "kubemedic_code=oom-killed",
            "--annotation=summary=Container app of shop/order-service-7d9f-x1 was OOMKilled", $"--alertmanager.url={amUrl}", .. extra]);

    [Fact]
    public async Task Alertmanager_webhook_opens_an_incident_notifies_and_resolves_it()
    {
        var add = AmtoolAdd();
        add.Code.ShouldBe(0, add.Output);

        var opened = await notifications.WaitForAsync(n => n["event"]?.GetValue<string>() == "opened");
        opened.Single()["alert"]!["name"]!.GetValue<string>().ShouldBe("KubeMedicPodOOMKilled");
        await notifications.WaitForAsync(n => n["text"]?.GetValue<string>().Contains("SEV2", StringComparison.Ordinal) == true);
        var record = store.List().ShouldHaveSingleItem();
        record.Status.ShouldBe(IncidentStatus.Investigating);
        record.Triage!.Severity.ShouldBe("SEV2");
        record.OpenedBy.ShouldBe("alert:KubeMedicPodOOMKilled");
        record.Labels["pod"].ShouldBe("order-service-7d9f-x1");
        record.DedupKey!.ShouldContain("alertname=\"KubeMedicPodOOMKilled\"");
        record.Timeline.ShouldContain(t => t.Source == TimelineSource.Alert && t.Text.Contains("started firing", StringComparison.Ordinal));
        File.ReadAllText(Path.Combine(store.FolderOf(record.Id), IncidentStoreSink.AlertsFile)).ShouldContain("\"firing\": true");

        // resolve: the same alert with an end time in the past
        var resolve = AmtoolAdd($"--end={DateTimeOffset.UtcNow.AddSeconds(-1):yyyy-MM-ddTHH:mm:ssZ}");
        resolve.Code.ShouldBe(0, resolve.Output);
        await notifications.WaitForAsync(n => n["event"]?.GetValue<string>() == "resolved");
        var resolved = store.List().ShouldHaveSingleItem();
        resolved.Status.ShouldBe(IncidentStatus.Resolved);
        resolved.ResolvedAt.ShouldNotBeNull();
        using var client = new HttpClient();
        var metrics = await client.GetStringAsync(new Uri(server.Address, "metrics"));
        metrics.ShouldContain("kubemedic_receiver_requests_total{code=\"200\"}");

        // the second webhook config sends a wrong token: 401, counted, and the incident is still the single one
        metrics.ShouldContain("kubemedic_receiver_requests_total{code=\"401\"}");
        metrics.ShouldContain("kubemedic_receiver_rejected_total{reason=\"unauthorized\"}");
        store.List().Count.ShouldBe(1);
    }
}
