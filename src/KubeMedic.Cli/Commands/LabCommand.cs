using System.CommandLine;
using System.Globalization;
using k8s;
using KubeMedic.Cli.Lab;
using KubeMedic.Core;
using Spectre.Console;

namespace KubeMedic.Cli.Commands;

/// <summary><c>kubemedic lab list|start|status|hint|verify|reset|stop</c>: broken scenarios to practise on, on the simulated cluster.</summary>
internal static class LabCommand
{
    private static Option<string?> HomeOption() => new("--home") { Description = "Lab folder for pid, log, kubeconfig and state (default ~/.kubemedic/lab, or $KUBEMEDIC_LAB_HOME)." };

    public static Command Create()
    {
        var command = new Command("lab", "Practice lab: start a broken scenario on the simulated cluster, fix it with kubectl, verify.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Start());
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Hint());
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Reset());
        command.Subcommands.Add(Stop());
        command.Subcommands.Add(PrometheusCmd());
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List the scenarios.");
        command.SetAction((_, _) =>
        {
            var rows = LabScenarios.All();
            var table = new Table().AddColumns("SCENARIO", "PROBLEMS", "DESCRIPTION");
            foreach (var s in rows) table.AddRow(Markup.Escape(s.Name), s.Problems.Count.ToString(CultureInfo.InvariantCulture), Markup.Escape(s.Description));
            Render(table, rows.Select(s => $"{s.Name,-28} {s.Problems.Count,3}  {s.Description}"), "SCENARIO                     PROBLEMS  DESCRIPTION");
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command Start()
    {
        var scenario = new Argument<string>("scenario") { Description = "Scenario name (see `kubemedic lab list`)." };
        var speed = new Option<double>("--speed") { Description = "Simulated seconds per real second.", DefaultValueFactory = _ => 1 };
        var home = HomeOption();
        var command = new Command("start", "Start SCENARIO on a background simulated cluster and print the KUBECONFIG to use.");
        command.Arguments.Add(scenario);
        command.Options.Add(speed);
        command.Options.Add(home);
        command.SetAction(async (parse, ct) =>
        {
            var session = new LabSession(parse.GetValue(home));
            if (session.Running() is { } running)
            {
                Console.Out.WriteLine($"lab already running: scenario {running.Scenario} (pid {running.Pid}), started {running.StartedAt:HH:mm:ss} UTC. Nothing started; use `kubemedic lab stop` or `lab reset` first.");
                Console.Out.WriteLine($"export KUBECONFIG={running.Kubeconfig}");
                return 0;
            }

            var s = parse.GetValue(speed);
            if (s <= 0 || double.IsNaN(s)) throw new UserInputException("--speed must be a positive number");
            var lab = LabScenarios.Load(parse.GetValue(scenario)!);
            var state = await session.StartAsync(lab.Name, s, TimeSpan.FromSeconds(120), TimeProvider.System, ct);
            Console.Out.WriteLine($"lab started: {lab.Title} (scenario {lab.Name}, pid {state.Pid}, log {state.Log})");
            Console.Out.WriteLine($"goal: {lab.Goal}");
            if (lab.Problems.Count > 0) Console.Out.WriteLine($"{lab.Problems.Count} problem(s) to find. Stuck? `kubemedic lab hint`. Done? `kubemedic lab verify`.");
            Console.Out.WriteLine($"export KUBECONFIG={state.Kubeconfig}");
            return 0;
        });
        return command;
    }

    private static Command Status()
    {
        var home = HomeOption();
        var command = new Command("status", "Show the running scenario, the elapsed time and the goal.");
        command.Options.Add(home);
        command.SetAction((parse, _) =>
        {
            var session = new LabSession(parse.GetValue(home));
            var state = session.Read();
            if (state is null)
            {
                Console.Out.WriteLine("no lab running (start one with `kubemedic lab start SCENARIO`)");
                return Task.FromResult(ExitCodes.Findings);
            }

            var alive = LabSession.IsAlive(state.Pid);
            var lab = LabScenarios.Load(state.Scenario);
            var elapsed = TimeProvider.System.GetUtcNow() - state.StartedAt;
            Console.Out.WriteLine($"scenario: {lab.Name} - {lab.Title}");
            Console.Out.WriteLine($"state:    {(alive ? "running" : "STOPPED (the simulator exited; see " + state.Log + ")")} (pid {state.Pid}{(state.Url is null ? "" : ", " + state.Url)})");
            Console.Out.WriteLine($"elapsed:  {(int)elapsed.TotalHours:00}:{elapsed.Minutes:00}:{elapsed.Seconds:00}");
            Console.Out.WriteLine($"goal:     {lab.Goal}");
            Console.Out.WriteLine($"hints:    level {state.HintLevel} of {LabScenario.HintLevels.Length} shown");
            Console.Out.WriteLine($"export KUBECONFIG={state.Kubeconfig}");
            return Task.FromResult(alive ? 0 : ExitCodes.Findings);
        });
        return command;
    }

    private static Command Hint()
    {
        var level = new Argument<int?>("level") { Description = "1: where to look, 2: what is wrong, 3: the fix. Default: the next level.", Arity = ArgumentArity.ZeroOrOne };
        var problem = new Option<string?>("--problem", "-p") { Description = "Only this problem." };
        var scenario = new Option<string?>("--scenario") { Description = "Hints of this scenario (default: the running one)." };
        var home = HomeOption();
        var command = new Command("hint", "Progressive hints per problem: where to look, then what is wrong, then the fix.");
        command.Arguments.Add(level);
        command.Options.Add(problem);
        command.Options.Add(scenario);
        command.Options.Add(home);
        command.SetAction((parse, _) =>
        {
            var session = new LabSession(parse.GetValue(home));
            var state = session.Read();
            var name = parse.GetValue(scenario) ?? state?.Scenario ?? throw new UserInputException("no lab running; give --scenario NAME");
            var lab = LabScenarios.Load(name);
            var n = parse.GetValue(level) ?? Math.Min((state?.HintLevel ?? 0) + 1, LabScenario.HintLevels.Length);
            if (n < 1 || n > LabScenario.HintLevels.Length) throw new UserInputException($"hint level {n}: want 1..{LabScenario.HintLevels.Length}");
            var only = parse.GetValue(problem);
            var problems = lab.Problems.Where(p => only is null || p.Name == only).ToList();
            if (problems.Count == 0) throw new UserInputException(only is null ? $"scenario {lab.Name} has no hints" : $"no problem \"{only}\" in {lab.Name} (problems: {string.Join(", ", lab.Problems.Select(p => p.Name))})");
            Console.Out.WriteLine($"hints for {lab.Name}, level {n}: {LabScenario.HintLevels[n - 1]}");
            foreach (var p in problems)
            {
                Console.Out.WriteLine();
                Console.Out.WriteLine($"[{p.Name}] {p.Title}");
                for (var i = 0; i < n && i < p.Hints.Count; i++) Console.Out.WriteLine($"  {i + 1}. {LabScenario.HintLevels[i]}: {p.Hints[i]}");
            }

            if (state is not null && state.Scenario == lab.Name && n > state.HintLevel) session.Write(state with { HintLevel = n });
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command Verify()
    {
        var home = HomeOption();
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Verify this cluster instead of the running lab." };
        var context = new Option<string?>("--context") { Description = "The kubeconfig context to use." };
        var logMinutes = new Option<int>("--log-minutes") { Description = "How far back to look for ERROR lines.", DefaultValueFactory = _ => 5 };
        var noRollout = new Option<bool>("--no-rollout-test") { Description = "Skip the rolling-update-and-rollback check (it restarts one Deployment)." };
        var timeout = new Option<int>("--rollout-timeout") { Description = "Seconds allowed for the test rollout and for the rollback.", DefaultValueFactory = _ => 90 };
        var json = new Option<bool>("--json") { Description = "Print the checklist as JSON." };
        var command = new Command("verify", "Seed 002's verify-success: a checklist and a score; exits non-zero until everything passes.");
        foreach (var o in new Option[] { home, kubeconfig, context, logMinutes, noRollout, timeout, json }) command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(kubeconfig);
            if (path is null)
            {
                var state = new LabSession(parse.GetValue(home)).Running() ?? throw new UserInputException("no lab running; start one with `kubemedic lab start SCENARIO` or pass --kubeconfig");
                path = state.Kubeconfig;
            }

            var config = KubeMedic.Kubernetes.Sources.KubeconfigLoader.Load(path, parse.GetValue(context));
            using var client = KubeMedic.Kubernetes.Sources.KubeClients.Create(config);
            var verifier = new LabVerifier(client, new LabVerifyOptions
            {
                LogWindow = TimeSpan.FromMinutes(Math.Max(1, parse.GetValue(logMinutes))),
                RolloutTest = !parse.GetValue(noRollout),
                RolloutTimeout = TimeSpan.FromSeconds(Math.Max(5, parse.GetValue(timeout))),
            });
            var checks = await verifier.RunAsync(ct);
            var passed = checks.Count(c => c.Passed);
            var score = checks.Count == 0 ? 0 : (int)Math.Round(100.0 * passed / checks.Count);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { passed, total = checks.Count, score, checks }, LabSession.Json));
            }
            else
            {
                foreach (var c in checks)
                {
                    Console.Out.WriteLine($"{(c.Passed ? "[PASS]" : "[FAIL]")} {c.Name}");
                    foreach (var d in c.Details.Take(c.Passed ? 1 : 6)) Console.Out.WriteLine($"         {d}");
                    if (!c.Passed && c.Details.Count > 6) Console.Out.WriteLine($"         ... and {c.Details.Count - 6} more");
                }

                Console.Out.WriteLine();
                Console.Out.WriteLine($"score: {passed}/{checks.Count} checks passed ({score}%)" + (passed == checks.Count ? " - all systems healthy" : ""));
            }

            return passed == checks.Count ? 0 : ExitCodes.Findings;
        });
        return command;
    }

    private static Command Reset()
    {
        var home = HomeOption();
        var command = new Command("reset", "Restore the running scenario to its broken start (restart the simulator).");
        command.Options.Add(home);
        command.SetAction(async (parse, ct) =>
        {
            var session = new LabSession(parse.GetValue(home));
            var state = session.Read() ?? throw new UserInputException("no lab to reset; start one with `kubemedic lab start SCENARIO`");
            await session.StopAsync(TimeSpan.FromSeconds(10));
            var fresh = await session.StartAsync(state.Scenario, state.Speed, TimeSpan.FromSeconds(120), TimeProvider.System, ct);
            Console.Out.WriteLine($"lab reset: scenario {fresh.Scenario} restarted (pid {fresh.Pid}); timer restarted");
            Console.Out.WriteLine($"export KUBECONFIG={fresh.Kubeconfig}");
            return 0;
        });
        return command;
    }

    private static Command Stop()
    {
        var home = HomeOption();
        var command = new Command("stop", "Stop the lab's simulator cleanly.");
        command.Options.Add(home);
        command.SetAction(async (parse, _) =>
        {
            var session = new LabSession(parse.GetValue(home));
            var state = session.Read();
            var stopped = await session.StopAsync(TimeSpan.FromSeconds(10));
            Console.Out.WriteLine(state is null ? "no lab running" : stopped ? $"lab stopped: scenario {state.Scenario} (pid {state.Pid}); log kept at {state.Log}" : $"lab state cleared (the simulator had already exited; log at {state.Log})");
            return 0;
        });
        return command;
    }

    private static Command PrometheusCmd()
    {
        var home = HomeOption();
        var rules = new Option<string[]>("--rules") { Description = "Rule files to load (PrometheusRule manifests or rule files); durations are divided by the lab's speed.", AllowMultipleArgumentsPerToken = true };
        var command = new Command("prometheus", "Run a real Prometheus (Debian's prometheus) on loopback scraping the running lab, until Ctrl+C.");
        command.Options.Add(home);
        command.Options.Add(rules);
        command.SetAction(async (parse, ct) =>
        {
            var state = new LabSession(parse.GetValue(home)).Running() ?? throw new UserInputException("no lab running; start one with `kubemedic lab start SCENARIO`");
            if (state.Url is null) throw new UserInputException("the running lab did not record its API URL; run `kubemedic lab reset`");
            var files = parse.GetValue(rules) ?? [];
            foreach (var f in files.Where(f => !File.Exists(f))) throw new UserInputException($"{f}: rule file not found");
            var config = KubeMedic.Kubernetes.Sources.KubeconfigLoader.FromFile(state.Kubeconfig, context: null);
            using var client = KubeMedic.Kubernetes.Sources.KubeClients.Create(config);
            var nodes = (await client.CoreV1.ListNodeAsync(cancellationToken: ct)).Items.Select(n => n.Metadata.Name).ToList();
            string binary;
            try
            {
                binary = KubeMedic.Simulator.Metrics.PrometheusHarness.FindBinary();
            }
            catch (FileNotFoundException ex)
            {
                throw new UserInputException(ex.Message);
            }

            await using var prom = await KubeMedic.Simulator.Metrics.PrometheusHarness.StartAsync(new KubeMedic.Simulator.Metrics.PrometheusHarnessOptions
            {
                Clusters = [new KubeMedic.Simulator.Metrics.ScrapeCluster(new Uri(state.Url), nodes, state.Scenario)],
                RuleFiles = files,
                TimeCompression = state.Speed,
                Binary = binary,
            }, ct);
            Console.Out.WriteLine($"prometheus {binary} serving on {prom.Url.ToString().TrimEnd('/')} (config in {prom.Directory}); Ctrl+C to stop");
            Console.Out.WriteLine($"export PROMETHEUS_URL={prom.Url.ToString().TrimEnd('/')}");
            await Console.Out.FlushAsync(ct);
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: stop Prometheus cleanly
            }

            return 0;
        });
        return command;
    }

    private static void Render(Table table, IEnumerable<string> plain, string header)
    {
        if (Console.IsOutputRedirected)
        {
            Console.Out.WriteLine(header);
            foreach (var l in plain) Console.Out.WriteLine(l);
        }
        else
        {
            AnsiConsole.Write(table);
        }
    }
}
