using KubeMedic.Core.Findings;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace KubeMedic.Core.Triage;

/// <summary>
/// The SEV1-4 rubric (docs/severity-rubric.md, built from PagerDuty's and Atlassian's levels). Levels are checked in
/// order; the first level with a matching rule wins; when none matches the incident is SEV4. Loadable from YAML.
/// </summary>
public sealed class SeverityRubric
{
    public List<RubricLevel> Levels { get; set; } = [];

    /// <summary>The built-in rubric (same content as docs/severity-rubric.yaml).</summary>
    public static SeverityRubric Default { get; } = new()
    {
        Levels =
        [
            new RubricLevel
            {
                Level = "SEV1",
                Meaning = "Critical: several user-facing services down, or the cluster losing half its nodes. Page the incident commander, public status notice.",
                Rules =
                [
                    new RubricRule { UserFacingDownAtLeast = 2 },
                    new RubricRule { NodesNotReadyPercentAtLeast = 50 },
                ],
            },
            new RubricLevel
            {
                Level = "SEV2",
                Meaning = "Major: a user-facing service down or degraded for many users (>= 25 % capacity lost). Major incident response.",
                Rules =
                [
                    new RubricRule { UserFacingDownAtLeast = 1 },
                    new RubricRule { UserFacingCapacityLostPercentAtLeast = 25 },
                    new RubricRule { NodesNotReadyAtLeast = 1, UserFacingCapacityLostPercentAtLeast = 1 },
                ],
            },
            new RubricLevel
            {
                Level = "SEV3",
                Meaning = "Minor: partial loss, an internal workload down, or lost redundancy that may become SEV2. High-urgency page; roll back if tied to a deploy.",
                Rules =
                [
                    new RubricRule { AnyCapacityLostPercentAtLeast = 1 },
                    new RubricRule { NodesNotReadyAtLeast = 1 },
                    new RubricRule { FindingSeverityAtLeast = "high" },
                ],
            },
            new RubricLevel
            {
                Level = "SEV4",
                Meaning = "Low: no customer impact (risky configuration, one cron run, cosmetic). Low-urgency page or ticket.",
                Rules = [new RubricRule { FindingSeverityAtLeast = "info" }],
            },
        ],
    };

    /// <summary>Loads a rubric from YAML; a malformed file is a one-line <see cref="UserInputException"/>.</summary>
    public static SeverityRubric Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new UserInputException($"rubric '{path}': no such file");
        }

        try
        {
            var rubric = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build()
                .Deserialize<SeverityRubric>(File.ReadAllText(path));
            if (rubric is null || rubric.Levels.Count == 0 || rubric.Levels.Any(l => string.IsNullOrWhiteSpace(l.Level)))
            {
                throw new UserInputException($"rubric '{path}': expected 'levels:' with a 'level:' name and 'rules:' each");
            }

            foreach (var rule in rubric.Levels.SelectMany(l => l.Rules))
            {
                if (rule.FindingSeverityAtLeast is { } s && !Enum.TryParse<Severity>(s, ignoreCase: true, out _))
                {
                    throw new UserInputException($"rubric '{path}': unknown findingSeverityAtLeast '{s}'");
                }
            }

            return rubric;
        }
        catch (YamlException ex)
        {
            throw new UserInputException($"rubric '{path}': malformed YAML at line {ex.Start.Line}: {ex.Message.ReplaceLineEndings(" ")}", ex);
        }
    }

    /// <summary>Classifies facts into a level and the rule that matched (as text).</summary>
    public (string Level, string Reason, string Meaning) Classify(ImpactFacts facts)
    {
        foreach (var level in Levels)
        {
            foreach (var rule in level.Rules)
            {
                if (rule.Matches(facts) is { } why)
                {
                    return (level.Level, why, level.Meaning);
                }
            }
        }

        var last = Levels.LastOrDefault();
        return (last?.Level ?? "SEV4", "no rule matched", last?.Meaning ?? "");
    }
}

/// <summary>One level and its rules (any rule matches).</summary>
public sealed class RubricLevel
{
    public string Level { get; set; } = "";
    public string Meaning { get; set; } = "";
    public List<RubricRule> Rules { get; set; } = [];
}

/// <summary>One rule: every condition set on it must hold.</summary>
public sealed class RubricRule
{
    public int? UserFacingDownAtLeast { get; set; }
    public double? UserFacingCapacityLostPercentAtLeast { get; set; }
    public double? AnyCapacityLostPercentAtLeast { get; set; }
    public int? WorkloadsDownAtLeast { get; set; }
    public int? NodesNotReadyAtLeast { get; set; }
    public double? NodesNotReadyPercentAtLeast { get; set; }
    public string? FindingSeverityAtLeast { get; set; }

    /// <summary>A description of why it matched, or null.</summary>
    public string? Matches(ImpactFacts f)
    {
        var why = new List<string>();
        if (UserFacingDownAtLeast is { } a)
        {
            if (f.UserFacingDown < a)
            {
                return null;
            }

            why.Add($"{f.UserFacingDown} user-facing workload(s) fully down (rule: >= {a})");
        }

        if (UserFacingCapacityLostPercentAtLeast is { } b)
        {
            if (f.MaxUserFacingCapacityLostPercent < b)
            {
                return null;
            }

            why.Add($"a user-facing workload lost {f.MaxUserFacingCapacityLostPercent:0}% of its capacity (rule: >= {b}%)");
        }

        if (AnyCapacityLostPercentAtLeast is { } c)
        {
            if (f.MaxCapacityLostPercent < c)
            {
                return null;
            }

            why.Add($"a workload lost {f.MaxCapacityLostPercent:0}% of its capacity (rule: >= {c}%)");
        }

        if (WorkloadsDownAtLeast is { } d)
        {
            if (f.WorkloadsDown < d)
            {
                return null;
            }

            why.Add($"{f.WorkloadsDown} workload(s) fully down (rule: >= {d})");
        }

        if (NodesNotReadyAtLeast is { } e)
        {
            if (f.NodesNotReady < e)
            {
                return null;
            }

            why.Add($"{f.NodesNotReady} node(s) NotReady (rule: >= {e})");
        }

        if (NodesNotReadyPercentAtLeast is { } g)
        {
            if (f.NodesTotal == 0 || 100.0 * f.NodesNotReady / f.NodesTotal < g)
            {
                return null;
            }

            why.Add($"{f.NodesNotReady}/{f.NodesTotal} nodes NotReady (rule: >= {g}%)");
        }

        if (FindingSeverityAtLeast is { } s)
        {
            var min = Enum.Parse<Severity>(s, ignoreCase: true);
            if (f.WorstFinding is not { } worst || worst < min)
            {
                return null;
            }

            why.Add($"worst finding is {worst.ToString().ToLowerInvariant()} (rule: >= {s})");
        }

        return why.Count == 0 ? null : string.Join(" and ", why);
    }
}

/// <summary>The measured facts the rubric is applied to.</summary>
public sealed record ImpactFacts(int UserFacingDown, double MaxUserFacingCapacityLostPercent, double MaxCapacityLostPercent, int WorkloadsDown,
    int NodesNotReady, int NodesTotal, Severity? WorstFinding);
