using KubeMedic.Core.Findings;
using KubeMedic.Core.Policy;
using KubeMedic.Core.Remedies;

namespace KubeMedic.Core.Tests.Policy;

public sealed class PolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KubeMedic.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("KubeMedic.slnx not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Example_policy_parses_and_matches_the_defaults()
    {
        var policy = PolicyLoader.LoadFile(Path.Combine(RepoRoot(), "docs", "autopilot-policy.example.yaml"));
        policy.DryRun.ShouldBeTrue();
        policy.ExcludeNames.ShouldBe(["*heartbeat*", "*exporter*"]);
        policy.PerWorkload.ShouldBe(new RateLimit(1, TimeSpan.FromMinutes(30)));
        policy.Circuit.ShouldBe(new CircuitBreaker(3, TimeSpan.FromHours(1), TimeSpan.FromMinutes(30)));
        policy.Storm.ShouldBe(new StormGuard(10, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15)));
        policy.Remedies.MemoryCapBytes.ShouldBe(8L * 1024 * 1024 * 1024);
        policy.AutomaticRemedies.ShouldBe(AutopilotPolicy.Default.AutomaticRemedies);
    }

    [Fact]
    public void Deploy_configmap_policy_parses()
    {
        var yaml = File.ReadAllText(Path.Combine(RepoRoot(), "deploy", "policy-configmap.yaml"));
        var start = yaml.IndexOf("policy.yaml: |", StringComparison.Ordinal);
        start.ShouldBeGreaterThan(0);
        var body = string.Join('\n', yaml[(start + "policy.yaml: |".Length)..].Split('\n').Select(l => l.Length >= 4 ? l[4..] : l.TrimStart()));
        var policy = PolicyLoader.Parse(body, "deploy/policy-configmap.yaml");
        policy.DenyNamespaces.ShouldContain("kube-system");
        policy.DenyNamespaces.ShouldContain("kubemedic");
    }

    [Theory]
    [InlineData("dryRun: maybe", "dryRun must be true or false")]
    [InlineData("rateLimits: { perWorkload: { max: 1, window: soon } }", "rateLimits.perWorkload.window must be a duration")]
    [InlineData("remedies: { automatic: [reboot-node] }", "unknown remedy 'reboot-node'")]
    [InlineData("stormy: true", "unknown key 'stormy'")]
    [InlineData("kind: Policy", "kind must be AutopilotPolicy")]
    [InlineData("dryRun: [", "invalid YAML")]
    public void Bad_policy_is_a_one_line_user_error(string yaml, string message)
    {
        var ex = Should.Throw<UserInputException>(() => PolicyLoader.Parse(yaml, "p.yaml"));
        ex.Message.ShouldStartWith("p.yaml: ");
        ex.Message.ShouldContain(message);
        ex.Message.ShouldNotContain("\n");
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("5m", 300)]
    [InlineData("1h30m", 5400)]
    public void Durations(string text, int seconds) => PolicyLoader.ParseDuration(text).ShouldBe(TimeSpan.FromSeconds(seconds));

    private static PlannedAction Oom(string ns = "production", string name = "order-service", int current = 3, int affected = 1) => new()
    {
        Remedy = RemedyIds.RaiseMemoryLimit,
        Action = RemedyAction.Patch,
        Target = new ObjectRef("Deployment", ns, name),
        Workload = new ObjectRef("Deployment", ns, name),
        CurrentReplicas = current,
        ReplicasAffected = affected,
        ResultingReplicas = current,
    };

    [Theory]
    [InlineData("kube-system", "order-service", PolicyRules.Namespace)]
    [InlineData("monitoring", "node-exporter", PolicyRules.ExcludedName)]
    [InlineData("production", "heartbeat", PolicyRules.ExcludedName)]
    public void Seed_exclusions_and_system_namespaces_are_denied(string ns, string name, string rule)
    {
        var d = new PolicyEvaluator(AutopilotPolicy.Default).Evaluate(Oom(ns, name), new ClusterFacts { ReadyReplicas = 0 }, ActionHistory.Empty, Now);
        d.Allowed.ShouldBeFalse();
        d.Rule.ShouldBe(rule);
    }

    [Fact]
    public void Rate_limit_survives_as_history_and_expires()
    {
        var e = new PolicyEvaluator(AutopilotPolicy.Default);
        var facts = new ClusterFacts { ReadyReplicas = 0 };
        e.Evaluate(Oom(), facts, ActionHistory.Empty, Now).Allowed.ShouldBeTrue();
        var history = new ActionHistory { Actions = [new ActionRecord(Now.AddMinutes(-10), "Deployment/production/order-service", RemedyIds.RaiseMemoryLimit, ActionOutcome.Succeeded)] };
        e.Evaluate(Oom(), facts, history, Now).Rule.ShouldBe(PolicyRules.WorkloadRate);
        e.Evaluate(Oom(), facts, history, Now.AddMinutes(25)).Allowed.ShouldBeTrue();
    }

    [Fact]
    public void Interrupted_repair_blocks_a_second_action()
    {
        var history = new ActionHistory { Actions = [new ActionRecord(Now.AddHours(-5), "Deployment/production/order-service", RemedyIds.RaiseMemoryLimit, ActionOutcome.InProgress)] };
        new PolicyEvaluator(AutopilotPolicy.Default).Evaluate(Oom(), new ClusterFacts(), history, Now).Rule.ShouldBe(PolicyRules.InProgress);
    }

    [Fact]
    public void Circuit_opens_after_failed_verifications_and_closes_later()
    {
        var e = new PolicyEvaluator(AutopilotPolicy.Default);
        var fails = Enumerable.Range(1, 3).Select(i => new ActionRecord(Now.AddMinutes(-20 - i), $"Deployment/p/w{i}", RemedyIds.Rollback, ActionOutcome.VerificationFailed, Now.AddMinutes(-10 - i))).ToList();
        var history = new ActionHistory { Actions = fails };
        e.Circuit(history, Now).ShouldBe(CircuitState.Open);
        e.Evaluate(Oom(), new ClusterFacts(), history, Now).Rule.ShouldBe(PolicyRules.Circuit);
        e.Circuit(history, Now.AddMinutes(25)).ShouldBe(CircuitState.Closed);
    }

    [Fact]
    public void Blast_radius_and_pdb()
    {
        var e = new PolicyEvaluator(AutopilotPolicy.Default);
        e.Evaluate(Oom(current: 4, affected: 3), new ClusterFacts { ReadyReplicas = 4 }, ActionHistory.Empty, Now).Rule.ShouldBe(PolicyRules.BlastRadius);
        e.Evaluate(Oom(current: 4, affected: 4), new ClusterFacts { ReadyReplicas = 0 }, ActionHistory.Empty, Now).Allowed.ShouldBeTrue(); // all broken already (Recreate rollback)
        e.Evaluate(Oom(current: 1, affected: 1), new ClusterFacts { ReadyReplicas = 0, PdbFloor = 1 }, ActionHistory.Empty, Now).Allowed.ShouldBeTrue(); // the only pod is already down
        e.Evaluate(Oom(current: 2, affected: 1), new ClusterFacts { ReadyReplicas = 2, PdbFloor = 2 }, ActionHistory.Empty, Now).Rule.ShouldBe(PolicyRules.Pdb);
    }

    [Fact]
    public void Storm_blocks_then_cools_down()
    {
        var e = new PolicyEvaluator(AutopilotPolicy.Default);
        var history = new ActionHistory { Detections = Enumerable.Range(0, 10).Select(i => Now.AddMinutes(-10).AddSeconds(i)).ToList() };
        e.Evaluate(Oom(), new ClusterFacts(), history, Now).Rule.ShouldBe(PolicyRules.Storm);
        e.Evaluate(Oom(), new ClusterFacts(), history, Now.AddMinutes(-4)).Rule.ShouldBe(PolicyRules.Storm);
        e.Evaluate(Oom(), new ClusterFacts(), history, Now.AddMinutes(10)).Allowed.ShouldBeTrue();
    }
}
