using System.CommandLine;
using KubeMedic.Core;
using KubeMedic.Observability;
using KubeMedic.Observability.Dashboards;
using KubeMedic.Observability.Slo;

namespace KubeMedic.Cli.Commands;

/// <summary><c>kubemedic dashboard generate</c>: the Grafana dashboard of seed 001 (8+ panels, namespace/workload drill-down).</summary>
internal static class DashboardCommand
{
    public static Command Create()
    {
        var command = new Command("dashboard", "Generate Grafana dashboards.");
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of stdout (atomic)." };
        var title = new Option<string>("--title") { Description = "Dashboard title.", DefaultValueFactory = _ => new DashboardOptions().Title };
        var uid = new Option<string>("--uid") { Description = "Dashboard uid (8-40 characters).", DefaultValueFactory = _ => new DashboardOptions().Uid };
        var refresh = new Option<string>("--refresh") { Description = "Auto-refresh interval.", DefaultValueFactory = _ => "30s" };
        var serviceLabel = new Option<string>("--service-label") { Description = "Label naming the service on http_server_requests_seconds_*.", DefaultValueFactory = _ => "service" };
        var generate = new Command("generate", "Write the cluster dashboard JSON: node CPU/memory gauges, pods, restarts, OOM kills, 5xx rate, p99, pods by phase, and more.");
        foreach (var o in new Option[] { output, title, uid, refresh, serviceLabel })
        {
            generate.Options.Add(o);
        }

        generate.SetAction((parse, ct) =>
        {
            var u = parse.GetValue(uid)!;
            if (u.Length is < 8 or > 40)
            {
                throw new UserInputException($"--uid: '{u}' must be 8 to 40 characters");
            }

            var r = parse.GetValue(refresh)!;
            if (SloSpecReader.ParseDuration(r) is not { } d || d <= TimeSpan.Zero)
            {
                throw new UserInputException($"--refresh: '{r}' is not an interval like 30s or 1m");
            }

            var dashboard = DashboardGenerator.Generate(new DashboardOptions { Title = parse.GetValue(title)!, Uid = u, Refresh = r, ServiceLabel = parse.GetValue(serviceLabel)! });
            OutputFile.Write(parse.GetValue(output), DashboardGenerator.ToJson(dashboard), Console.Out);
            return Task.FromResult(ExitCodes.Ok);
        });
        command.Subcommands.Add(generate);
        return command;
    }
}
