using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using KubeMedic.Core.Findings;
using KubeMedic.Observability.Receiver;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace KubeMedic.Observability.Tests;

public sealed class ReceiverTests : IAsyncLifetime
{
    private const string Token = "s3cret-token-for-tests-0123456789";
    private readonly TempDir dir = new();
    private readonly CaptureServer slack = new();
    private readonly CaptureServer hook = new();
    private readonly ListLoggerProvider logs = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 23, 14, 30, 0, TimeSpan.Zero));
    private readonly HttpClient http = new();
    private readonly HttpClient notifyHttp = new();
    private AlertReceiverServer server = null!;
    private FileIncidentSink sink = null!;

    public async Task InitializeAsync()
    {
        sink = new FileIncidentSink(dir.File("incidents"), time);
        server = await AlertReceiverServer.StartAsync(
            new ReceiverOptions { Listen = "127.0.0.1:0", Token = Token, MaxBodyBytes = 64 * 1024, EscalateAfter = TimeSpan.FromMinutes(15), EscalationCheckInterval = TimeSpan.FromHours(1), ConfigureLogging = b => b.AddProvider(logs) },
            sink, new NoAlertDiagnoser(), [new SlackNotifier(slack.Url, notifyHttp), new JsonWebhookNotifier(new Uri(hook.Url, "events"), notifyHttp)], time);
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        http.Dispose();
        notifyHttp.Dispose();
        slack.Dispose();
        hook.Dispose();
        dir.Dispose();
    }

    private static string Payload(string status, string alertname = "KubeMedicPodOOMKilled", string fingerprint = "f00d", string severity = "critical", string startsAt = "2026-11-23T14:20:00Z", string groupKey = "{}:{alertname=\"KubeMedicPodOOMKilled\"}") =>
        new JsonObject
        {
            ["version"] = "4", ["groupKey"] = groupKey, ["truncatedAlerts"] = 0, ["status"] = status, ["receiver"] = "kubemedic",
            ["groupLabels"] = new JsonObject { ["alertname"] = alertname }, ["commonLabels"] = new JsonObject(), ["commonAnnotations"] = new JsonObject(),
            ["externalURL"] = "http://am:9093",
            ["alerts"] = new JsonArray(new JsonObject
            {
                ["status"] = status,
                ["labels"] = new JsonObject
                {
                    ["alertname"] = alertname, ["namespace"] = "shop", ["pod"] = "order-service-7d9f-x1", ["deployment"] = "order-service",
                    ["container"] = "app", ["severity"] = severity, ["kubemedic_code"] = "oom-killed",
                },
                ["annotations"] = new JsonObject { ["summary"] = "Container app of shop/order-service-7d9f-x1 was OOMKilled" },
                ["startsAt"] = startsAt, ["endsAt"] = status == "firing" ? "0001-01-01T00:00:00Z" : "2026-11-23T14:40:00Z",
                ["generatorURL"] = "http://prom/graph", ["fingerprint"] = fingerprint,
            }),
        }.ToJsonString();

    private async Task<HttpResponseMessage> Post(string body, string? token = Token, string contentType = "application/json", bool expectContinue = false)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address, "alertmanager")) { Content = new StringContent(body, Encoding.UTF8) };
        // with Expect: 100-continue the server can refuse an oversized body before it is sent (otherwise Kestrel may reset
        // the connection while the client is still writing, and the client never reads the 413)
        req.Headers.ExpectContinue = expectContinue;
        req.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (token is not null)
        {
            req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(req);
    }

    [Fact]
    public async Task Firing_opens_an_incident_repeats_are_deduplicated_and_resolved_closes_it()
    {
        (await Post(Payload("firing"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var record = sink.All().ShouldHaveSingleItem();
        record.Status.ShouldBe("open");
        record.Severity.ShouldBe(SevLevel.Sev2);
        record.Objects.ShouldContain(new ObjectRef("Pod", "shop", "order-service-7d9f-x1"));
        record.Objects.ShouldContain(new ObjectRef("Deployment", "shop", "order-service"));
        await slack.WaitForAsync(n => n["text"]!.GetValue<string>().Contains("opened", StringComparison.Ordinal));

        // Alertmanager repeats the same group: no new incident, no new notification
        time.Advance(TimeSpan.FromMinutes(1));
        var repeat = await Post(Payload("firing"));
        (await repeat.Content.ReadAsStringAsync()).ShouldContain("\"change\":\"unchanged\"");
        sink.All().Count.ShouldBe(1);

        time.Advance(TimeSpan.FromMinutes(2));
        (await Post(Payload("resolved"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var closed = sink.All().ShouldHaveSingleItem();
        closed.Status.ShouldBe("resolved");
        closed.ResolvedAt.ShouldBe(time.GetUtcNow());
        closed.Timeline.Select(t => t.Text).ShouldContain(t => t.Contains("resolved", StringComparison.Ordinal));
        var events = await hook.WaitForAsync(n => true, 2);
        events.Select(e => e!["event"]!.GetValue<string>()).ShouldBe(["opened", "resolved"]);
        events[1]!["incident"]!["status"]!.GetValue<string>().ShouldBe("resolved");
        slack.Received.Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_second_alert_in_the_group_updates_the_open_incident()
    {
        await Post(Payload("firing", fingerprint: "aaa", severity: "warning"));
        await Post(Payload("firing", fingerprint: "bbb", severity: "critical"));
        var record = sink.All().ShouldHaveSingleItem();
        record.Alerts.Count.ShouldBe(2);
        record.Severity.ShouldBe(SevLevel.Sev2);
        await Post(Payload("resolved", fingerprint: "aaa"));
        sink.All().Single().Status.ShouldBe("open");
        await Post(Payload("resolved", fingerprint: "bbb"));
        sink.All().Single().Status.ShouldBe("resolved");
        (await hook.WaitForAsync(n => true, 3)).Select(e => e!["event"]!.GetValue<string>()).ShouldBe(["opened", "updated", "resolved"]);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("wrong-token", HttpStatusCode.Unauthorized)]
    public async Task Wrong_or_missing_token_is_401_and_logged(string? token, HttpStatusCode expected)
    {
        var response = await Post(Payload("firing"), token);
        response.StatusCode.ShouldBe(expected);
        response.Headers.WwwAuthenticate.ToString().ShouldBe("Bearer");
        sink.All().ShouldBeEmpty();
        logs.Lines.ShouldContain(l => l.Contains("HTTP 401", StringComparison.Ordinal));
        logs.Lines.ShouldNotContain(l => l.Contains(Token, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{not json", "not valid Alertmanager JSON")]
    [InlineData("[]", "not valid Alertmanager JSON")]
    [InlineData("{\"version\":\"3\",\"alerts\":[]}", "unsupported webhook version")]
    [InlineData("{\"version\":\"4\"}", "'alerts' is missing")]
    [InlineData("{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{}}]}", "no alertname")]
    [InlineData("{\"version\":\"4\",\"alerts\":[{\"status\":\"weird\",\"labels\":{\"alertname\":\"X\"}}]}", "neither firing nor resolved")]
    [InlineData("{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"X\"},\"startsAt\":\"yesterday\"}]}", "not valid Alertmanager JSON")]
    [InlineData("{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"X\",\"pod\":null}}]}", "label 'pod' is null")]
    public async Task Bad_bodies_are_400_with_a_reason_and_the_server_keeps_working(string body, string reason)
    {
        var response = await Post(body);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain(reason);
        logs.Lines.ShouldContain(l => l.Contains("HTTP 400", StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal));
        (await http.GetAsync(new Uri(server.Address, "healthz"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Post(Payload("firing"))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Oversized_and_non_json_bodies_are_rejected()
    {
        (await Post(new string(' ', 70 * 1024) + Payload("firing"), expectContinue: true)).StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await Post(Payload("firing"), contentType: "text/plain")).StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);

        // chunked body without Content-Length: the limit still applies while reading
        using var req = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address, "alertmanager"))
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(new string(' ', 70 * 1024) + "{}"))),
        };
        req.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        req.Headers.TransferEncodingChunked = true;
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        (await http.SendAsync(req)).StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        sink.All().ShouldBeEmpty();
    }

    [Fact]
    public async Task Metrics_and_health_endpoints()
    {
        await Post(Payload("firing"));
        await Post("{", Token);
        await Post(Payload("firing"), "nope");
        (await http.GetStringAsync(new Uri(server.Address, "healthz"))).ShouldContain("ok");
        var metrics = await http.GetStringAsync(new Uri(server.Address, "metrics"));
        metrics.ShouldContain("kubemedic_receiver_requests_total{code=\"200\"} 1");
        metrics.ShouldContain("kubemedic_receiver_rejected_total{reason=\"bad_body\"} 1");
        metrics.ShouldContain("kubemedic_receiver_rejected_total{reason=\"unauthorized\"} 1");
        metrics.ShouldContain("kubemedic_receiver_open_incidents 1");
        metrics.ShouldContain("# TYPE kubemedic_receiver_alerts_total counter");
    }

    [Fact]
    public async Task Sev2_left_open_is_escalated_once_and_sev3_is_not()
    {
        await Post(Payload("firing", fingerprint: "crit", severity: "critical", groupKey: "g-crit"));
        await Post(Payload("firing", alertname: "KubeMedicPodNotReady", fingerprint: "warn", severity: "warning", groupKey: "g-warn"));
        time.Advance(TimeSpan.FromMinutes(10));
        (await server.Escalation!.CheckAsync(default)).ShouldBe(0);
        time.Advance(TimeSpan.FromMinutes(6));
        (await server.Escalation.CheckAsync(default)).ShouldBe(1);
        (await server.Escalation.CheckAsync(default)).ShouldBe(0);
        var escalated = await slack.WaitForAsync(n => n["text"]!.GetValue<string>().Contains("ESCALATED", StringComparison.Ordinal));
        escalated.Single()["text"]!.GetValue<string>().ShouldContain("[SEV2]");
        sink.All().Single(r => r.GroupKey == "g-crit").Escalated.ShouldBeTrue();
        sink.All().Single(r => r.GroupKey == "g-warn").Escalated.ShouldBeFalse();
        (await http.GetStringAsync(new Uri(server.Address, "metrics"))).ShouldContain("kubemedic_receiver_escalations_total 1");
    }

    [Fact]
    public async Task The_background_loop_escalates_on_the_fake_clock()
    {
        using var dir2 = new TempDir();
        var clock = new FakeTimeProvider(time.GetUtcNow());
        var sink2 = new FileIncidentSink(dir2.File("incidents"), clock);
        var metrics = new ReceiverMetrics();
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var monitor = new EscalationMonitor(sink2, new NotificationDispatcher([new JsonWebhookNotifier(new Uri(hook.Url, "esc"), notifyHttp)], metrics, logger),
            metrics, clock, TimeSpan.FromMinutes(15), logger);
        var labels = new Dictionary<string, string> { ["alertname"] = "KubeMedicDeploymentUnavailable", ["namespace"] = "shop", ["deployment"] = "cart" };
        await sink2.OpenOrUpdateAsync(new AlertSignal("ab12", "g", "KubeMedicDeploymentUnavailable", true, SevLevel.Sev1, labels, new Dictionary<string, string>(),
            clock.GetUtcNow(), null, AlertmanagerWebhook.Objects(labels), "replicas-unavailable", null), null, default);

        using var cts = new CancellationTokenSource();
        var loop = monitor.RunAsync(TimeSpan.FromMinutes(1), cts.Token);
        // advance the fake clock a minute at a time (the loop re-arms its timer after each check) until the escalation arrives
        for (var minute = 0; minute < 200 && !hook.Received.Any(r => r.Body["event"]!.GetValue<string>() == "escalated"); minute++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(25);
            if (minute < 14)
            {
                hook.Received.ShouldNotContain(r => r.Body["event"]!.GetValue<string>() == "escalated", $"escalated after only {minute + 1} min");
            }
        }

        var escalated = await hook.WaitForAsync(n => n["event"]!.GetValue<string>() == "escalated", timeoutSeconds: 10);
        escalated.Single()["incident"]!["severity"]!.GetValue<string>().ShouldBe("SEV1");
        await cts.CancelAsync();
        await loop;
        sink2.All().Single().Escalated.ShouldBeTrue();
    }

    [Fact]
    public async Task A_failing_notifier_is_counted_and_does_not_break_the_webhook()
    {
        slack.FailNext = 5;
        (await Post(Payload("firing"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        sink.All().ShouldHaveSingleItem();
        await hook.WaitForAsync(n => n["event"]!.GetValue<string>() == "opened");
        (await http.GetStringAsync(new Uri(server.Address, "metrics"))).ShouldContain("kubemedic_receiver_notifications_total{notifier=\"slack\",result=\"error\"} 1");
        logs.Lines.ShouldContain(l => l.Contains("via slack failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_fingerprint_with_path_characters_is_replaced_by_a_label_hash()
    {
        (await Post(Payload("firing", fingerprint: "../../../../tmp/evil"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var record = sink.All().ShouldHaveSingleItem();
        record.Alerts.Single().Fingerprint.ShouldMatch("^[0-9a-f]{16}$");
        Directory.GetFiles(dir.File("incidents")).ShouldAllBe(f => Path.GetFileName(f).StartsWith("INC-", StringComparison.Ordinal));
    }

    [Fact]
    public void Labels_map_to_objects_and_severity()
    {
        var labels = new Dictionary<string, string> { ["namespace"] = "shop", ["pod"] = "p", ["deployment"] = "d", ["severity"] = "warning" };
        AlertmanagerWebhook.Objects(labels).ShouldBe([new ObjectRef("Pod", "shop", "p"), new ObjectRef("Deployment", "shop", "d")]);
        AlertmanagerWebhook.Severity(labels).ShouldBe(SevLevel.Sev3);
        AlertmanagerWebhook.Objects(new Dictionary<string, string> { ["node"] = "node-2" }).ShouldBe([new ObjectRef("Node", null, "node-2")]);
        AlertmanagerWebhook.Objects(new Dictionary<string, string> { ["instance"] = "10.0.0.5:9100" }).ShouldBe([new ObjectRef("Node", null, "10.0.0.5")]);
        AlertmanagerWebhook.Severity(new Dictionary<string, string> { ["severity"] = "critical", ["sev"] = "SEV1" }).ShouldBe(SevLevel.Sev1);
        AlertmanagerWebhook.Severity(new Dictionary<string, string>()).ShouldBe(SevLevel.Sev4);
    }

    [Fact]
    public async Task Off_loopback_without_a_token_is_refused()
    {
        var ex = await Should.ThrowAsync<KubeMedic.Core.UserInputException>(() => AlertReceiverServer.StartAsync(
            new ReceiverOptions { Listen = "0.0.0.0:0" }, sink, new NoAlertDiagnoser(), [], time));
        ex.Message.ShouldContain("--token-file");
        Should.Throw<KubeMedic.Core.UserInputException>(() => ReceiverOptions.ParseListen("nonsense")).Message.ShouldContain("HOST:PORT");
    }
}
