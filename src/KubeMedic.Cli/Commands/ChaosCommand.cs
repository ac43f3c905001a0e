using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using KubeMedic.Cli.Lab;
using KubeMedic.Core;
using KubeMedic.Kubernetes.Sources;
using KubeMedic.Simulator.Chaos;

namespace KubeMedic.Cli.Commands;

/// <summary>
/// <c>kubemedic chaos</c>: fault injection into a running simulated cluster (the lab's, or any <c>kubemedic sim</c> given by
/// --kubeconfig): kill a pod, OOM a container, break an image, stop a node's heartbeat, fill a node's memory, API faults.
/// </summary>
internal static class ChaosCommand
{
    public static Command Create()
    {
        var command = new Command("chaos", "Inject faults into a simulated cluster (kubemedic sim / lab).");
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "kubeconfig of the simulator (default: the running lab, then $KUBECONFIG)." , Recursive = true };
        command.Options.Add(kubeconfig);

        var ns = new Option<string>("--namespace", "-n") { Description = "Namespace.", DefaultValueFactory = _ => "default" };
        var container = new Option<string?>("--container", "-c") { Description = "Container (default: the first)." };

        var pod = new Argument<string>("pod");
        command.Subcommands.Add(Action("kill-pod", "Kill a pod (deleted at once, its controller replaces it).", kubeconfig, [pod], [ns], p => new ChaosRequest { Action = "kill-pod", Namespace = p.GetValue(ns), Name = p.GetValue(pod) }));

        var oomPod = new Argument<string>("pod");
        command.Subcommands.Add(Action("oom", "OOM-kill a running container (exit 137; the kubelet restarts it with back-off).", kubeconfig, [oomPod], [ns, container], p => new ChaosRequest { Action = "oom", Namespace = p.GetValue(ns), Name = p.GetValue(oomPod), Container = p.GetValue(container) }));

        var deployment = new Argument<string>("deployment");
        var image = new Option<string?>("--image") { Description = "The bad image (default: the current tag + \"-broken\", which no registry has)." };
        var biContainer = new Option<string?>("--container", "-c") { Description = "Container (default: the first)." };
        command.Subcommands.Add(Action("break-image", "Roll a Deployment out to an image that cannot be pulled.", kubeconfig, [deployment], [ns, biContainer, image], p => new ChaosRequest { Action = "break-image", Namespace = p.GetValue(ns), Name = p.GetValue(deployment), Container = p.GetValue(biContainer), Image = p.GetValue(image) }));

        var node = new Argument<string>("node");
        command.Subcommands.Add(Action("stop-heartbeat", "Stop a node's kubelet heartbeat (NotReady, then Unknown, taints, evictions).", kubeconfig, [node], [], p => new ChaosRequest { Action = "stop-heartbeat", Node = p.GetValue(node) }));
        var node2 = new Argument<string>("node");
        command.Subcommands.Add(Action("resume-heartbeat", "Resume a node's heartbeat.", kubeconfig, [node2], [], p => new ChaosRequest { Action = "resume-heartbeat", Node = p.GetValue(node2) }));
        var node3 = new Argument<string>("node");
        var percent = new Option<int>("--percent") { Description = "Share of the node's memory to fill.", DefaultValueFactory = _ => 95 };
        command.Subcommands.Add(Action("fill-memory", "Fill a node's memory: memory-pressure taint and kubelet evictions.", kubeconfig, [node3], [percent], p => new ChaosRequest { Action = "fill-memory", Node = p.GetValue(node3), Percent = p.GetValue(percent) }));

        var kind = new Argument<string>("kind") { Description = "error | throttle | latency | drop-watch | gone" };
        var verbs = new Option<string?>("--verbs") { Description = "Comma-separated verbs: get,list,watch,create,update,patch,delete (default: all; watch for drop-watch and gone)." };
        var resource = new Option<string?>("--resource") { Description = "Only this resource (plural, e.g. pods)." };
        var status = new Option<int?>("--status") { Description = "HTTP status for error (500-599, default 500)." };
        var delay = new Option<int?>("--delay-ms") { Description = "Latency to add; for drop-watch, how long a watch lives; for throttle, Retry-After." };
        var probability = new Option<double?>("--probability") { Description = "Share of matching requests hit (0-1, default 1)." };
        var count = new Option<int?>("--count") { Description = "Stop after this many hits." };
        command.Subcommands.Add(Action("api", "Inject API faults on chosen verbs: 5xx, 429, latency, dropped watches, 410 Gone.", kubeconfig, [kind], [verbs, resource, status, delay, probability, count], p => new ChaosRequest
        {
            Action = "api-fault",
            Kind = p.GetValue(kind),
            Verbs = p.GetValue(verbs)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
            Resource = p.GetValue(resource),
            Status = p.GetValue(status),
            DelayMs = p.GetValue(delay),
            Probability = p.GetValue(probability),
            Count = p.GetValue(count),
        }));
        command.Subcommands.Add(Action("clear", "Remove all API faults.", kubeconfig, [], [], _ => new ChaosRequest { Action = "clear-api-faults" }));
        return command;
    }

    private static Command Action(string name, string description, Option<string?> kubeconfig, Argument[] args, Option[] options, Func<ParseResult, ChaosRequest> build)
    {
        var c = new Command(name, description);
        foreach (var a in args) c.Arguments.Add(a);
        foreach (var o in options) c.Options.Add(o);
        c.SetAction(async (parse, ct) =>
        {
            var server = ServerOf(parse.GetValue(kubeconfig));
            using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
            HttpResponseMessage resp;
            try
            {
                resp = await http.PostAsJsonAsync(ChaosControlPath, build(parse), new JsonSerializerOptions(JsonSerializerDefaults.Web), ct);
            }
            catch (HttpRequestException ex)
            {
                throw new UserInputException($"cannot reach the simulator at {server}: {ex.Message}");
            }

            var body = await resp.Content.ReadAsStringAsync(ct);
            JsonNode? json = null;
            try
            {
                json = JsonNode.Parse(body);
            }
            catch (JsonException)
            {
                // not JSON: not a kubemedic simulator
            }

            if (resp.StatusCode == System.Net.HttpStatusCode.NotFound && json?["error"] is null)
            {
                throw new UserInputException($"{server} has no chaos endpoint: chaos works against `kubemedic sim` / `kubemedic lab` only");
            }

            if (!resp.IsSuccessStatusCode) throw new UserInputException($"chaos {name}: {json?["error"]?.GetValue<string>() ?? body}");
            Console.Out.WriteLine(json?["result"]?.GetValue<string>() ?? body);
            return 0;
        });
        return c;
    }

    internal const string ChaosControlPath = "/kubemedic/v1/chaos";

    /// <summary>The API server URL from --kubeconfig, the running lab, or $KUBECONFIG / ~/.kube/config (kubectl's rules, see <see cref="KubeconfigLoader"/>).</summary>
    private static Uri ServerOf(string? kubeconfig)
    {
        kubeconfig ??= new LabSession().Running()?.Kubeconfig;
        if (!KubeconfigLoader.IsAvailable(kubeconfig))
        {
            throw new UserInputException("no simulator: start `kubemedic lab start SCENARIO` or pass --kubeconfig");
        }

        var config = KubeconfigLoader.Load(kubeconfig, context: null);
        return new Uri(config.Host.TrimEnd('/') + "/");
    }
}
