using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using KubeMedic.Cli.Common;
using KubeMedic.Core;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Remedies;
using KubeMedic.Kubernetes.Repair;

namespace KubeMedic.Cli.Commands;

/// <summary>
/// <c>kubemedic fix [FINDING-ID | --code CODE --object KIND/NS/NAME] [--dry-run | --apply] [--yes]</c>: plan the remedy for one finding,
/// show the coloured diff and the kubectl equivalent (dry run, the default), or apply it, verify the rollout and undo on failure.
/// Every run is appended to the audit log.
/// </summary>
internal static class FixCommand
{
    /// <summary>Finds the full finding (evidence, owner) for a code and object by re-diagnosing; null when diagnosis is not wired or does not report it.</summary>
    internal static Func<IKubernetes, string, ObjectRef, CancellationToken, Task<Finding?>>? Lookup { get; set; } =
        async (client, code, obj, ct) => LiveDiagnosis.Find(await LiveDiagnosis.DiagnoseAsync(client, TimeProvider.System, ct), code, obj);

    public static Command Create()
    {
        var findingId = new Argument<string?>("FINDING-ID") { Description = "A finding id as diagnose prints it: CODE:KIND/NAMESPACE/NAME.", Arity = ArgumentArity.ZeroOrOne };
        var code = new Option<string?>("--code") { Description = "Finding code (e.g. oom-killed), with --object." };
        var obj = new Option<string?>("--object") { Description = "The object: KIND/NAMESPACE/NAME (a Pod or its workload)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only show the diff and the kubectl command (the default)." };
        var apply = new Option<bool>("--apply") { Description = "Apply the patch, verify the rollout, undo it if verification fails." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation before applying." };
        var image = new Option<string?>("--image") { Description = "image-pull: set this image instead of rolling back." };
        var auditOptions = new AuditOptions();
        var window = new Option<string>("--verify-window") { Description = "How long to wait for the repair to prove healthy.", DefaultValueFactory = _ => "2m" };
        var stable = new Option<string>("--verify-stable") { Description = "How long the repaired workload must stay healthy.", DefaultValueFactory = _ => "10s" };
        var cluster = new ClusterOptions();
        var output = new OutputOptions();
        var command = new Command("fix", "Plan, dry-run or apply the remedy for a finding: diff, kubectl equivalent, verify, undo, audit.");
        command.Arguments.Add(findingId);
        foreach (var o in new Option[] { code, obj, dryRun, apply, yes, image, window, stable })
        {
            command.Options.Add(o);
        }

        auditOptions.AddTo(command);
        cluster.AddTo(command);
        output.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var (findingCode, target) = ReadTarget(parse.GetValue(findingId), parse.GetValue(code), parse.GetValue(obj));
            if (parse.GetValue(apply) && parse.GetValue(dryRun))
            {
                throw new UserInputException("--apply and --dry-run cannot be combined");
            }

            var auditSelection = auditOptions.Read(parse);
            var format = output.Read(parse);
            var verify = new VerifyOptions
            {
                Window = Duration(parse.GetValue(window)!, "--verify-window"),
                StableFor = Duration(parse.GetValue(stable)!, "--verify-stable"),
            };
            using var client = KubeClient.Create(cluster.Read(parse));
            var api = new KubeObjectApi(client);
            var time = TimeProvider.System;
            var finding = (Lookup is null ? null : await Lookup(client, findingCode, target, ct)) ?? new Finding
            {
                Code = findingCode,
                Severity = Severity.High,
                Object = target,
                Summary = $"{findingCode} on {target}",
                Cause = "given on the command line",
            };
            if (Lookup is not null)
            {
                verify = verify with { FindingStillPresent = async c => await Lookup(client, findingCode, target, c) is not null };
            }

            var resolved = await new RemedyContextBuilder(api).BuildAsync(finding, RemedyOptions.Default, time.GetUtcNow(), parse.GetValue(image), ct);
            var plans = RemedyEngine.Plan(finding, resolved.Context);
            var audit = await auditSelection.OpenAsync(client, time, Console.Error, ct);
            var executor = new RepairExecutor(api, audit, time);
            var color = !Console.IsOutputRedirected && format == OutputFormat.Table && Environment.GetEnvironmentVariable("NO_COLOR") is null;
            var actor = AuditLog.CurrentActor("fix");
            var results = new List<RepairOutcome>();
            var exit = ExitCodes.Ok;
            foreach (var plan in plans)
            {
                var request = new RepairRequest
                {
                    Finding = finding,
                    Plan = plan,
                    Workload = plan.Action == RemedyAction.DeletePod ? resolved.Workload : plan.Target,
                    Actor = actor,
                    Mode = "fix",
                    Color = color,
                };
                if (plan.IsEscalation)
                {
                    await audit.AppendAsync(new AuditEntry
                    {
                        ActionId = RepairExecutor.NewActionId(time), At = time.GetUtcNow(), Phase = AuditPhase.Escalated, Actor = actor, Mode = "fix",
                        FindingId = finding.Id, FindingCode = finding.Code, Target = plan.Target, Why = plan.Why,
                    }, ct);
                    if (format == OutputFormat.Table)
                    {
                        Console.Out.WriteLine($"No safe automatic fix for {finding.Id}: {plan.Why}");
                    }

                    results.Add(new RepairOutcome("", RepairResult.DryRun, plan, "", null, plan.Why));
                    exit = ExitCodes.Findings;
                    continue;
                }

                var preview = parse.GetValue(apply)
                    ? new RepairOutcome("", RepairResult.DryRun, plan, RepairExecutor.Preview(plan, await api.GetAsync(plan.Target, ct), color).Diff, null, null)
                    : await executor.DryRunAsync(request, ct);
                if (format == OutputFormat.Table)
                {
                    PrintPlan(plan, preview.Diff, color);
                }

                if (!parse.GetValue(apply))
                {
                    results.Add(preview);
                    continue;
                }

                if (!parse.GetValue(yes))
                {
                    if (Console.IsInputRedirected)
                    {
                        throw new UserInputException("--apply needs --yes when stdin is not a terminal");
                    }

                    Console.Out.Write($"Apply {plan.Remedy} to {plan.Target}? [y/N] ");
                    if (Console.ReadLine()?.Trim().ToLowerInvariant() is not ("y" or "yes"))
                    {
                        Console.Out.WriteLine("not applied");
                        continue;
                    }
                }

                var outcome = await executor.ApplyAsync(request, verify, ct);
                results.Add(outcome);
                if (format == OutputFormat.Table)
                {
                    Console.Out.WriteLine(outcome.Result switch
                    {
                        RepairResult.Succeeded => $"applied and verified: {outcome.Verification?.Summary}",
                        RepairResult.RolledBack => $"verification FAILED ({outcome.Verification?.Summary}); the change was undone",
                        RepairResult.VerificationFailed => $"verification FAILED ({outcome.Verification?.Summary}); {outcome.Error}",
                        _ => $"apply FAILED: {outcome.Error}",
                    });
                    foreach (var check in outcome.Verification?.Checks ?? [])
                    {
                        Console.Out.WriteLine($"  - {check}");
                    }

                    Console.Out.WriteLine($"audit: {audit.Location} (action {outcome.ActionId})");
                }

                if (outcome.Result != RepairResult.Succeeded)
                {
                    exit = ExitCodes.Findings;
                }
            }

            if (format is OutputFormat.Json or OutputFormat.Yaml)
            {
                var json = new JsonArray(results.Select(r => (JsonNode)new JsonObject
                {
                    ["actionId"] = r.ActionId,
                    ["result"] = r.Result.ToString().ToLowerInvariant(),
                    ["plan"] = JsonSerializer.SerializeToNode(r.Plan, AuditLog.Json),
                    ["verification"] = r.Verification is null ? null : JsonSerializer.SerializeToNode(r.Verification, AuditLog.Json),
                    ["error"] = r.Error,
                }).ToArray());
                Console.Out.WriteLine(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }

            return exit;
        });
        return command;
    }

    internal static (string Code, ObjectRef Target) ReadTarget(string? id, string? code, string? obj)
    {
        if (id is not null && (code is not null || obj is not null))
        {
            throw new UserInputException("give either FINDING-ID or --code with --object, not both");
        }

        if (id is not null)
        {
            var colon = id.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new UserInputException($"FINDING-ID '{id}' is not CODE:KIND/NAMESPACE/NAME");
            }

            (code, obj) = (id[..colon], id[(colon + 1)..]);
        }

        if (code is null || obj is null)
        {
            throw new UserInputException("give a FINDING-ID, or --code CODE with --object KIND/NAMESPACE/NAME");
        }

        try
        {
            return (code, ObjectRef.Parse(obj));
        }
        catch (FormatException ex)
        {
            throw new UserInputException($"--object: {ex.Message}", ex);
        }
    }

    internal static TimeSpan Duration(string text, string flag) =>
        KubeMedic.Core.Policy.PolicyLoader.ParseDuration(text) is { } d && d > TimeSpan.Zero ? d : throw new UserInputException($"{flag}: '{text}' is not a duration like 30s or 2m");

    private static void PrintPlan(RemedyPlan plan, string diff, bool color)
    {
        string B(string s) => color ? $"\u001b[1m{s}\u001b[0m" : s;
        Console.Out.WriteLine($"{B("remedy:")}  {plan.Remedy} on {plan.Target} (risk {plan.Risk.ToString().ToLowerInvariant()})");
        Console.Out.WriteLine($"{B("why:")}     {plan.Why}");
        Console.Out.WriteLine($"{B("undo:")}    {plan.Undo}");
        Console.Out.WriteLine($"{B("kubectl:")} {plan.Kubectl.ReplaceLineEndings("\n         ")}");
        Console.Out.WriteLine();
        Console.Out.Write(diff);
        Console.Out.WriteLine();
    }
}

/// <summary>Builds a KubernetesClient from --kubeconfig/--context, $KUBECONFIG, ~/.kube/config, or the in-cluster service account (see <see cref="KubeMedic.Kubernetes.Sources.KubeconfigLoader"/>).</summary>
internal static class KubeClient
{
    public static k8s.Kubernetes Create(ClusterSelection selection)
    {
        if (selection.SnapshotPath is not null)
        {
            throw new UserInputException("--snapshot: this command changes a live cluster; give --kubeconfig instead");
        }

        return KubeMedic.Kubernetes.Sources.KubeClients.Create(KubeMedic.Kubernetes.Sources.KubeconfigLoader.Load(selection.Kubeconfig, selection.Context));
    }
}
