using System.CommandLine;
using KubeMedic.Cli.Common;
using KubeMedic.Core;
using KubeMedic.Core.Incidents;
using KubeMedic.Observability.Evidence;
using KubeMedic.Observability.Prometheus;
using KubeMedic.Observability.Receiver;
using KubeMedic.Kubernetes.Sources;

namespace KubeMedic.Cli.Commands;

/// <summary><c>kubemedic serve</c>: the Alertmanager webhook receiver (incidents, notifications, escalation).</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen") { Description = "HOST:PORT to listen on (loopback by default).", DefaultValueFactory = _ => "127.0.0.1:9095" };
        var tokenFile = new Option<string?>("--token-file") { Description = "File holding the bearer token Alertmanager sends (http_config.authorization). Required off loopback." };
        var incidents = new Option<string>("--incidents-dir") { Description = "The incident store (default: .kubemedic/incidents, or $KUBEMEDIC_INCIDENTS), shared with 'kubemedic incident'.", DefaultValueFactory = _ => IncidentStore.DefaultRoot() };
        var slack = new Option<string[]>("--slack-webhook") { Description = "Slack-compatible incoming-webhook URL (repeatable).", AllowMultipleArgumentsPerToken = false };
        var webhook = new Option<string[]>("--webhook") { Description = "Generic JSON webhook URL (repeatable)." };
        var escalateAfter = new Option<int>("--escalate-after") { Description = "Escalate SEV1/SEV2 incidents still open after N minutes (0 disables).", DefaultValueFactory = _ => 15 };
        var prometheus = new Option<string?>("--prometheus") { Description = "Prometheus base URL: attach metric evidence (memory trend, restarts, CPU, deploys) to incidents." };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Largest webhook body accepted.", DefaultValueFactory = _ => 1024 * 1024 };

        var cluster = new ClusterOptions();
        var command = new Command("serve", "Receive Alertmanager webhooks: diagnose the alerted objects, open/update/resolve incidents, notify, escalate. Also /healthz and /metrics.");
        command.Options.Add(cluster.Kubeconfig);
        command.Options.Add(cluster.Context);
        command.Options.Add(cluster.Snapshot);
        foreach (var o in new Option[] { listen, tokenFile, incidents, slack, webhook, escalateAfter, prometheus, maxBody })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            string? token = null;
            if (parse.GetValue(tokenFile) is { } tf)
            {
                try
                {
                    token = (await File.ReadAllTextAsync(tf, ct)).Trim();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new UserInputException($"--token-file: cannot read '{tf}': {ex.Message}", ex);
                }

                if (token.Length < 16)
                {
                    throw new UserInputException($"--token-file: the token in '{tf}' is shorter than 16 characters");
                }
            }

            if (parse.GetValue(maxBody) is < 1024 or > 64L * 1024 * 1024)
            {
                throw new UserInputException("--max-body-bytes: must be between 1024 and 67108864");
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var notifiers = new List<INotifier>();
            notifiers.AddRange((parse.GetValue(slack) ?? []).Select(u => (INotifier)new SlackNotifier(HttpUrl(u, "--slack-webhook"), http)));
            notifiers.AddRange((parse.GetValue(webhook) ?? []).Select(u => (INotifier)new JsonWebhookNotifier(HttpUrl(u, "--webhook"), http)));

            PrometheusClient? prom = parse.GetValue(prometheus) is { } p ? new PrometheusClient(HttpUrl(p, "--prometheus")) : null;
            var metrics = prom is null ? null : new MetricEvidenceCollector(prom, TimeProvider.System);
            var selection = cluster.Read(parse);
            var haveCluster = selection.SnapshotPath is not null || selection.Kubeconfig is not null || selection.Context is not null
                || KubeconfigLoader.IsAvailable(null) || ClusterSourceFactory.DefaultSource is not null;
            // one cluster source for the server's lifetime (the embedded simulator must not start once per alert)
            var source = haveCluster ? ClusterSourceFactory.Create(new ClusterSourceRequest(selection.SnapshotPath, selection.Kubeconfig, selection.Context)) : null;
            IAlertDiagnoser diagnoser = source is not null
                ? new ClusterAlertDiagnoser((scope, token) => source.LoadAsync(scope, token), metrics, TimeProvider.System)
                : metrics is not null ? new MetricAlertDiagnoser(metrics) : new NoAlertDiagnoser();
            var minutes = parse.GetValue(escalateAfter);
            if (minutes < 0)
            {
                throw new UserInputException("--escalate-after: must be 0 (off) or a number of minutes");
            }

            IncidentStoreSink sink;
            try
            {
                var root = Directory.CreateDirectory(parse.GetValue(incidents)!).FullName;
                sink = new IncidentStoreSink(new IncidentStore(root, TimeProvider.System));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new UserInputException($"--incidents-dir: {ex.Message}", ex);
            }

            await using var server = await AlertReceiverServer.StartAsync(new ReceiverOptions
            {
                Listen = parse.GetValue(listen)!,
                Token = token,
                MaxBodyBytes = parse.GetValue(maxBody),
                EscalateAfter = minutes == 0 ? null : TimeSpan.FromMinutes(minutes),
            }, sink, diagnoser, notifiers, TimeProvider.System, ct);
            var diagnosisText = haveCluster ? "diagnosis on" : "no cluster: diagnosis off";
            await Console.Error.WriteLineAsync($"kubemedic serve: listening on {server.Address} (POST /alertmanager, GET /healthz, GET /metrics); incidents in {parse.GetValue(incidents)}; {diagnosisText}; metric evidence {(prom is null ? "off" : "on")}; {notifiers.Count} notifier(s); Ctrl-C to stop");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }

            prom?.Dispose();
            if (source is IAsyncDisposable asyncSource)
            {
                await asyncSource.DisposeAsync();
            }
            else
            {
                (source as IDisposable)?.Dispose();
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Uri HttpUrl(string value, string flag) =>
        Uri.TryCreate(value, UriKind.Absolute, out var u) && (u.Scheme == "http" || u.Scheme == "https")
            ? u
            : throw new UserInputException($"{flag}: '{value}' is not an http(s) URL");
}
