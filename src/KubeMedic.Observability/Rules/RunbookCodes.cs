using KubeMedic.Core.Findings;

namespace KubeMedic.Observability.Rules;

/// <summary>
/// Runbook codes the generated rules point at (<c>&lt;base&gt;/&lt;code&gt;.md</c>). All are <see cref="FindingCodes"/>; the
/// service-level ones are aliased here for the rule generators.
/// </summary>
public static class RunbookCodes
{
    public const string HighErrorRate = FindingCodes.HighErrorRate;
    public const string HighLatency = FindingCodes.HighLatency;
    public const string CpuThrottling = FindingCodes.CpuThrottling;
    public const string SloBudgetBurn = FindingCodes.SloBudgetBurn;

    public const string DefaultBase = "https://github.com/kubemedic/kubemedic/blob/main/docs/runbooks";

    public static string Url(string runbookBase, string code) => KubeMedic.Core.Runbooks.RunbookCatalog.UrlFor(code, runbookBase);
}
