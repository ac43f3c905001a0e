using KubeMedic.Core.Findings;

namespace KubeMedic.Observability.Rules;

/// <summary>
/// Runbook codes the generated rules point at (<c>&lt;base&gt;/&lt;code&gt;.md</c>). Most are <see cref="FindingCodes"/>;
/// the three service-level ones have no finding code yet (requested on BOARD.md), so they are defined here.
/// </summary>
public static class RunbookCodes
{
    public const string HighErrorRate = "high-error-rate";
    public const string HighLatency = "high-latency";
    public const string CpuThrottling = "cpu-throttling";
    public const string SloBudgetBurn = "slo-budget-burn";

    public const string DefaultBase = "https://github.com/kubemedic/kubemedic/blob/main/docs/runbooks";

    public static string Url(string runbookBase, string code) => KubeMedic.Core.Runbooks.RunbookCatalog.UrlFor(code, runbookBase);
}
