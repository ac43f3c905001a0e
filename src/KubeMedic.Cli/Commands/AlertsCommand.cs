using System.CommandLine;
using KubeMedic.Cli.Common;
using KubeMedic.Core;
using KubeMedic.Core.Model;
using KubeMedic.Kubernetes.Sources;
using KubeMedic.Observability;
using KubeMedic.Observability.Capacity;
using KubeMedic.Observability.Rules;

namespace KubeMedic.Cli.Commands;

/// <summary><c>kubemedic alerts generate</c>: alert rules tuned to the cluster's node capacity.</summary>
internal static class AlertsCommand
{
    public static Command Create()
    {
        var command = new Command("alerts", "Generate Prometheus alert rules tuned to the cluster.");
        command.Subcommands.Add(Generate());
        return command;
    }

    private static Command Generate()
    {
        var plain = new Option<bool>("--plain") { Description = "Write a plain promtool rule file (groups:) instead of a PrometheusRule." };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of stdout (atomic)." };
        var tests = new Option<string?>("--tests") { Description = "Also write a 'promtool test rules' suite (firing and quiet case per alert) to this file." };
        var nodesFile = new Option<string?>("--nodes-file") { Description = "Node capacities from 'kubectl get nodes -o json' output; thresholds are tuned to the smallest node." };
        var nodeCpu = new Option<string?>("--node-cpu") { Description = "Tune for a node with this many vCPUs (e.g. 2 or 1500m); overrides --nodes-file." };
        var nodeMemory = new Option<string?>("--node-memory") { Description = "Tune for a node with this much memory (e.g. 4Gi); overrides --nodes-file." };
        var cpuWarn = new Option<double?>("--cpu-warning") { Description = "Node CPU warning threshold in percent (overrides the tuned value)." };
        var cpuCrit = new Option<double?>("--cpu-critical") { Description = "Node CPU critical threshold in percent." };
        var memWarn = new Option<double?>("--memory-warning") { Description = "Node memory warning threshold in percent." };
        var memCrit = new Option<double?>("--memory-critical") { Description = "Node memory critical threshold in percent." };
        var errorRate = new Option<double?>("--error-rate") { Description = "Service 5xx rate threshold in percent (default 1)." };
        var latency = new Option<double?>("--latency-p99") { Description = "Service p99 latency threshold in seconds (default 0.5)." };
        var runbookBase = new Option<string>("--runbook-base") { Description = "Base URL of the runbooks; rules link <base>/<code>.md.", DefaultValueFactory = _ => RunbookCodes.DefaultBase };
        var serviceLabel = new Option<string>("--service-label") { Description = "Label naming the service on http_server_requests_seconds_*.", DefaultValueFactory = _ => "service" };
        var name = new Option<string>("--name") { Description = "PrometheusRule name.", DefaultValueFactory = _ => "kubemedic-alerts" };
        var ns = new Option<string>("--namespace", "-n") { Description = "PrometheusRule namespace.", DefaultValueFactory = _ => "monitoring" };

        var cluster = new ClusterOptions();
        var command = new Command("generate", "Write alert rules: node CPU/memory, pod failures, rollouts, node health, RED, CPU throttling. Thresholds are tuned to the smallest node of the cluster (--kubeconfig/--context/--snapshot, or --nodes-file, or --node-cpu/--node-memory).");
        command.Options.Add(cluster.Kubeconfig);
        command.Options.Add(cluster.Context);
        command.Options.Add(cluster.Snapshot);
        foreach (var option in new Option[] { plain, output, tests, nodesFile, nodeCpu, nodeMemory, cpuWarn, cpuCrit, memWarn, memCrit, errorRate, latency, runbookBase, serviceLabel, name, ns })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, ct) =>
        {
            // cheap checks first, before any cluster is contacted
            var baseUrl = parse.GetValue(runbookBase)!;
            if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out _))
            {
                throw new UserInputException($"--runbook-base: '{baseUrl}' is not an absolute URL");
            }

            var cpuText = parse.GetValue(nodeCpu);
            var memoryText = parse.GetValue(nodeMemory);
            if (cpuText is not null)
            {
                Quantities.ParseCpu(cpuText, "--node-cpu");
            }

            if (memoryText is not null)
            {
                Quantities.ParseBytes(memoryText, "--node-memory");
            }

            // both sizes given: nothing to learn from the cluster
            var nodes = parse.GetValue(nodesFile) is { } nf ? NodesFile.Read(nf)
                : cpuText is not null && memoryText is not null ? []
                : await ClusterNodesAsync(cluster.Read(parse), ct);
            var thresholds = TuneThresholds(nodes, cpuText, memoryText);
            thresholds = thresholds with
            {
                NodeCpuWarningPercent = parse.GetValue(cpuWarn) ?? thresholds.NodeCpuWarningPercent,
                NodeCpuCriticalPercent = parse.GetValue(cpuCrit) ?? thresholds.NodeCpuCriticalPercent,
                NodeMemoryWarningPercent = parse.GetValue(memWarn) ?? thresholds.NodeMemoryWarningPercent,
                NodeMemoryCriticalPercent = parse.GetValue(memCrit) ?? thresholds.NodeMemoryCriticalPercent,
                ErrorRatePercent = parse.GetValue(errorRate) ?? thresholds.ErrorRatePercent,
                LatencyP99Seconds = parse.GetValue(latency) ?? thresholds.LatencyP99Seconds,
            };
            var rules = AlertRuleGenerator.Generate(new AlertRuleOptions { Thresholds = thresholds, RunbookBase = baseUrl, ServiceLabel = parse.GetValue(serviceLabel)! });
            var isPlain = parse.GetValue(plain);
            var outPath = parse.GetValue(output);
            var text = isPlain ? RuleFileWriter.ToPlain(rules) : RuleFileWriter.ToPrometheusRule(rules, new PrometheusRuleMetadata(parse.GetValue(name)!, parse.GetValue(ns)!));
            OutputFile.Write(outPath, text, Console.Out);

            if (parse.GetValue(tests) is { } testsPath)
            {
                var testsDir = Path.GetDirectoryName(Path.GetFullPath(testsPath))!;
                string ruleFile;
                if (isPlain && !string.IsNullOrEmpty(outPath) && outPath != "-")
                {
                    ruleFile = Path.GetRelativePath(testsDir, Path.GetFullPath(outPath));
                }
                else
                {
                    ruleFile = Path.GetFileNameWithoutExtension(testsPath) + ".rules.yaml";
                    OutputFile.Write(Path.Combine(testsDir, ruleFile), RuleFileWriter.ToPlain(rules), Console.Out);
                }

                OutputFile.Write(testsPath, RuleTestWriter.Write(rules, ruleFile), Console.Out);
            }

            if (thresholds.TunedFor is { } node)
            {
                Console.Error.WriteLine($"alerts: thresholds tuned for {node}: CPU {thresholds.NodeCpuWarningPercent}/{thresholds.NodeCpuCriticalPercent} %, memory {thresholds.NodeMemoryWarningPercent}/{thresholds.NodeMemoryCriticalPercent} %");
            }
            else
            {
                Console.Error.WriteLine("alerts: no node capacity known (no cluster, --nodes-file or --node-cpu/--node-memory): default thresholds, which match a 2 vCPU / 4 GiB node");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Nodes of the cluster the kubectl-style flags point at; none when there is no cluster to ask.</summary>
    private static async Task<IReadOnlyList<NodeCapacity>> ClusterNodesAsync(ClusterSelection selection, CancellationToken ct)
    {
        var explicitCluster = selection.SnapshotPath is not null || selection.Kubeconfig is not null || selection.Context is not null;
        if (!explicitCluster && !KubeconfigLoader.IsAvailable(null) && ClusterSourceFactory.DefaultSource is null)
        {
            return [];
        }

        var source = ClusterSourceFactory.Create(new ClusterSourceRequest(selection.SnapshotPath, selection.Kubeconfig, selection.Context, selection.SnapshotPath == "-" ? Console.OpenStandardInput() : null));
        try
        {
            var model = await source.LoadAsync(new ClusterScope(), ct);
            var nodes = ClusterCapacity.FromModel(model);
            if (nodes.Count == 0 && explicitCluster)
            {
                throw new UserInputException($"{source.Description}: no nodes with cpu and memory capacity found");
            }

            return nodes;
        }
        finally
        {
            if (source is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync();
            }
            else
            {
                (source as IDisposable)?.Dispose();
            }
        }
    }

    internal static AlertThresholds TuneThresholds(IReadOnlyList<NodeCapacity> nodes, string? cpu, string? memory)
    {
        if (cpu is null && memory is null)
        {
            return nodes.Count > 0 ? AlertThresholds.ForNodes(nodes) : new AlertThresholds();
        }

        var smallest = nodes.Count > 0 ? nodes.OrderBy(n => n.MemoryBytes).First() : new NodeCapacity("node", 2, 4L * 1024 * 1024 * 1024);
        var node = new NodeCapacity(
            nodes.Count > 0 ? smallest.Name : "--node-cpu/--node-memory",
            cpu is null ? (nodes.Count > 0 ? nodes.Min(n => n.CpuCores) : 2) : Quantities.ParseCpu(cpu, "--node-cpu"),
            memory is null ? smallest.MemoryBytes : Quantities.ParseBytes(memory, "--node-memory"));
        return AlertThresholds.ForNode(node);
    }
}
