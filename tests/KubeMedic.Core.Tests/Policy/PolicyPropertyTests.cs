using CsCheck;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Policy;
using KubeMedic.Core.Remedies;

namespace KubeMedic.Core.Tests.Policy;

/// <summary>
/// Over 10,000 random cluster states, histories and policies: every action the evaluator allows satisfies every policy rule,
/// each rule restated here independently of the evaluator.
/// </summary>
public sealed class PolicyPropertyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Namespaces = ["production", "staging", "kube-system", "monitoring", "bookinfo"];
    private static readonly string[] Names = ["order-service", "payments", "node-exporter", "heartbeat-cron", "reviews-v2", "web"];

    private static readonly Gen<TimeSpan> Minutes = Gen.Int[1, 120].Select(m => TimeSpan.FromMinutes(m));

    private static readonly Gen<AutopilotPolicy> PolicyGen =
        Gen.Select(
            Gen.Shuffle(Namespaces).Select(Gen.Int[0, 5], (ns, n) => (IReadOnlyList<string>)ns.Take(n).ToList()),
            Gen.Shuffle(Namespaces).Select(Gen.Int[0, 3], (ns, n) => (IReadOnlyList<string>)ns.Take(n).ToList()),
            Gen.Bool,
            Gen.Shuffle(RemedyIds.All.ToArray()).Select(Gen.Int[0, RemedyIds.All.Count], (ids, n) => (IReadOnlyList<string>)ids.Take(n).ToList()),
            Gen.Select(Gen.Int[0, 4], Minutes, (m, w) => new RateLimit(m, w)),
            Gen.Select(Gen.Int[0, 12], Minutes, (m, w) => new RateLimit(m, w)),
            Gen.Select(Gen.Int[1, 4], Minutes, Minutes, (n, w, o) => new CircuitBreaker(n, w, o)),
            Gen.Select(Gen.Int[0, 100], Gen.Select(Gen.Int[1, 8], Minutes, Minutes, (f, w, c) => new StormGuard(f, w, c)), (pct, storm) => (pct, storm)))
        .Select(t => new AutopilotPolicy
        {
            AllowNamespaces = t.Item3 ? ["*"] : t.Item1,
            DenyNamespaces = t.Item2,
            ExcludeNames = ["*heartbeat*", "*exporter*"],
            AutomaticRemedies = t.Item4,
            PerWorkload = t.Item5,
            Global = t.Item6,
            Circuit = t.Item7,
            MaxReplicaPercent = t.Item8.pct,
            Storm = t.Item8.storm,
        });

    private static readonly Gen<ObjectRef> WorkloadGen = Gen.Select(Gen.OneOf(Namespaces), Gen.OneOf(Names), (ns, n) => new ObjectRef("Deployment", ns, n));

    private static readonly Gen<ActionRecord> RecordGen = Gen.Select(Gen.Int[0, 240], WorkloadGen, Gen.Enum<ActionOutcome>(), Gen.Int[0, 10],
        (ago, w, outcome, took) => new ActionRecord(Now.AddMinutes(-ago), PolicyEvaluator.Key(w), RemedyIds.Rollback, outcome, Now.AddMinutes(-ago + took)));

    private static readonly Gen<ActionHistory> HistoryGen = Gen.Select(RecordGen.List[0, 12], Gen.Int[0, 60].List[0, 15],
        (actions, detections) => new ActionHistory { Actions = actions, Detections = detections.Select(m => Now.AddMinutes(-m)).ToList() });

    private static readonly Gen<(PlannedAction Action, ClusterFacts Facts)> ActionGen =
        Gen.Select(WorkloadGen, Gen.OneOf(RemedyIds.All.Append(RemedyIds.Escalate).ToArray()), Gen.Int[0, 10], Gen.Int[0, 10], Gen.Int[0, 10], Gen.Int[0, 10], Gen.Int[0, 10], Gen.Bool)
        .Select(t =>
        {
            var (workload, remedy, current, affected, resulting, ready, floor, scale) = t;
            var action = new PlannedAction
            {
                Remedy = remedy,
                Action = remedy == RemedyIds.Escalate ? RemedyAction.Escalate : remedy == RemedyIds.DeleteStuckPod ? RemedyAction.DeletePod : RemedyAction.Patch,
                Target = remedy == RemedyIds.DeleteStuckPod ? new ObjectRef("Pod", workload.Namespace, workload.Name + "-abc12") : workload,
                Workload = workload,
                CurrentReplicas = current,
                ReplicasAffected = scale ? Math.Max(0, current - Math.Min(resulting, current)) : Math.Min(affected, current),
                ResultingReplicas = scale ? Math.Min(resulting, current) : current,
            };
            return (action, new ClusterFacts { ReadyReplicas = Math.Min(ready, current), PdbFloor = floor });
        });

    [Fact]
    public void No_allowed_action_violates_the_policy()
    {
        var allowed = 0;
        var denied = new Dictionary<string, int>();
        Gen.Select(PolicyGen, ActionGen, HistoryGen).Sample((policy, af, history) =>
        {
            var (action, facts) = af;
            var decision = new PolicyEvaluator(policy).Evaluate(action, facts, history, Now);
            if (!decision.Allowed)
            {
                denied[decision.Rule] = denied.GetValueOrDefault(decision.Rule) + 1;
                return;
            }

            allowed++;
            AssertRespectsPolicy(policy, action, facts, history);
        }, iter: 10_000, threads: 1, seed: null);

        // The property is only meaningful if both outcomes occur often, and every rule is exercised.
        allowed.ShouldBeGreaterThan(100);
        denied.Keys.ShouldBeSubsetOf(new[]
        {
            PolicyRules.Escalation, PolicyRules.Namespace, PolicyRules.ExcludedName, PolicyRules.NotAutomatic, PolicyRules.InProgress,
            PolicyRules.WorkloadRate, PolicyRules.GlobalRate, PolicyRules.Circuit, PolicyRules.Storm, PolicyRules.BlastRadius, PolicyRules.Pdb,
        });
        denied.Count.ShouldBe(11, string.Join(", ", denied.Select(kv => $"{kv.Key}={kv.Value}")));
    }

    private static void AssertRespectsPolicy(AutopilotPolicy policy, PlannedAction action, ClusterFacts facts, ActionHistory history)
    {
        action.Action.ShouldNotBe(RemedyAction.Escalate);

        // namespaces: allowed by some allow glob, denied by no deny glob (the generator uses exact names and "*")
        foreach (var ns in new[] { action.Target.Namespace!, action.Workload.Namespace! })
        {
            (policy.AllowNamespaces.Contains("*") || policy.AllowNamespaces.Contains(ns)).ShouldBeTrue($"namespace {ns} not allowed");
            policy.DenyNamespaces.ShouldNotContain(ns);
        }

        // seed 001 exclusions
        foreach (var name in new[] { action.Target.Name, action.Workload.Name })
        {
            name.ShouldNotContain("heartbeat");
            name.ShouldNotContain("exporter");
        }

        policy.AutomaticRemedies.ShouldContain(action.Remedy);

        var key = $"Deployment/{action.Workload.Namespace}/{action.Workload.Name}";
        history.Actions.ShouldNotContain(a => a.WorkloadKey == key && a.Outcome == ActionOutcome.InProgress);

        // rate limits: with this action, at most Max within the window
        var recentOnWorkload = history.Actions.Count(a => a.WorkloadKey == key && Now - a.At < policy.PerWorkload.Window && a.At <= Now);
        (recentOnWorkload + 1).ShouldBeLessThanOrEqualTo(policy.PerWorkload.Max);
        var recentGlobal = history.Actions.Count(a => Now - a.At < policy.Global.Window && a.At <= Now);
        (recentGlobal + 1).ShouldBeLessThanOrEqualTo(policy.Global.Max);

        // circuit breaker: no moment within openFor before now at which N failures fell within the window
        var failures = history.Actions.Where(a => a.Outcome == ActionOutcome.VerificationFailed).Select(a => a.FinishedAt!.Value).ToList();
        for (var t = Now - policy.Circuit.OpenFor; t <= Now; t += TimeSpan.FromMinutes(1))
        {
            var moment = t;
            var tripped = failures.Any(f => f <= moment && f >= moment - TimeSpan.FromSeconds(59)
                && failures.Count(x => x <= f && f - x <= policy.Circuit.Window) >= policy.Circuit.FailedVerifications);
            tripped.ShouldBeFalse($"circuit was open at {moment}");
        }

        // storm cooldown: no storm moment within the cooldown
        var detections = history.Detections;
        detections.Count(d => d <= Now && Now - d <= policy.Storm.Window).ShouldBeLessThan(policy.Storm.Findings);
        foreach (var d in detections.Where(d => d <= Now && Now - d <= policy.Storm.Cooldown))
        {
            detections.Count(x => x <= d && d - x <= policy.Storm.Window).ShouldBeLessThan(policy.Storm.Findings, $"storm at {d}");
        }

        // blast radius: at most maxReplicaPercent of replicas taken down healthy at once, one pod always allowed
        var healthyDown = Math.Max(0, action.ReplicasAffected - (action.CurrentReplicas - facts.ReadyReplicas));
        (healthyDown <= 1 || healthyDown * 100 <= action.CurrentReplicas * policy.MaxReplicaPercent).ShouldBeTrue(
            $"{healthyDown}/{action.CurrentReplicas} > {policy.MaxReplicaPercent}%");

        // PDB: never scale below it; never disrupt a healthy pod if that leaves fewer healthy than it requires
        if (action.ResultingReplicas < action.CurrentReplicas)
        {
            action.ResultingReplicas.ShouldBeGreaterThanOrEqualTo(facts.PdbFloor);
        }
        else
        {
            var unready = action.CurrentReplicas - facts.ReadyReplicas;
            var healthyTakenDown = Math.Max(0, action.ReplicasAffected - unready);
            (healthyTakenDown == 0 || facts.ReadyReplicas - healthyTakenDown >= facts.PdbFloor).ShouldBeTrue("PDB violated");
        }
    }

    [Fact]
    public void Evaluator_is_deterministic()
    {
        Gen.Select(PolicyGen, ActionGen, HistoryGen).Sample((policy, af, history) =>
        {
            var e = new PolicyEvaluator(policy);
            e.Evaluate(af.Action, af.Facts, history, Now).ShouldBe(e.Evaluate(af.Action, af.Facts, history, Now));
        }, iter: 500);
    }
}
