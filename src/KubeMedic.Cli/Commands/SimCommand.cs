using System.CommandLine;
using System.Globalization;
using KubeMedic.Core;
using KubeMedic.Simulator;

namespace KubeMedic.Cli.Commands;

/// <summary><c>kubemedic sim</c>: serve a simulated cluster in the foreground until SIGINT/SIGTERM.</summary>
internal static class SimCommand
{
    public static Command Create()
    {
        var scenario = new Option<string?>("--scenario") { Description = "Bundled scenario (healthy, order-service-oom, deploy-disaster) or a scenario YAML file. Default: an empty one-node cluster." };
        var listen = new Option<string>("--listen") { Description = "Loopback address to serve on, HOST:PORT (port 0 picks a free one).", DefaultValueFactory = _ => "127.0.0.1:0" };
        var kubeconfigOut = new Option<string?>("--kubeconfig-out") { Description = "Where to write the kubeconfig (default: a temp file)." };
        var speed = new Option<double>("--speed") { Description = "Simulated seconds per real second (60: a minute per second).", DefaultValueFactory = _ => 1 };
        var command = new Command("sim", "Run a simulated Kubernetes cluster that kubectl and the C# client can use.");
        command.Options.Add(scenario);
        command.Options.Add(listen);
        command.Options.Add(kubeconfigOut);
        command.Options.Add(speed);
        command.SetAction(async (parse, ct) =>
        {
            var s = parse.GetValue(speed);
            if (s <= 0 || double.IsNaN(s) || double.IsInfinity(s)) throw new UserInputException($"--speed {s.ToString(CultureInfo.InvariantCulture)}: must be a positive number");
            SimulatedCluster cluster;
            try
            {
                cluster = await SimulatedCluster.StartAsync(new SimulatorOptions
                {
                    Scenario = parse.GetValue(scenario),
                    Listen = parse.GetValue(listen) ?? "127.0.0.1:0",
                    KubeconfigOut = parse.GetValue(kubeconfigOut),
                    Speed = s,
                }, ct);
            }
            catch (ScenarioException ex)
            {
                throw new UserInputException(ex.Message, ex);
            }

            await using (cluster)
            {
                var output = Console.Out;
                await output.WriteLineAsync($"kubemedic sim: scenario {cluster.ScenarioName} serving on {cluster.Url.ToString().TrimEnd('/')} (speed {s.ToString(CultureInfo.InvariantCulture)}x)");
                if (cluster.ScenarioDescription.Length > 0) await output.WriteLineAsync($"  {cluster.ScenarioDescription}");
                await output.WriteLineAsync($"export KUBECONFIG={cluster.KubeconfigPath}");
                await output.WriteLineAsync("Press Ctrl+C to stop.");
                await output.FlushAsync(ct);
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException)
                {
                    // SIGINT/SIGTERM: stop cleanly
                }

                await cluster.StopAsync(CancellationToken.None);
                await output.WriteLineAsync("kubemedic sim: stopped");
            }

            return 0;
        });
        return command;
    }
}
