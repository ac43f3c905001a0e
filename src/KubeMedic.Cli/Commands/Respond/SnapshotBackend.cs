using System.Text.Json;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Incidents;
using KubeMedic.Core.Model;
using KubeMedic.Kubernetes.Sources;

namespace KubeMedic.Cli.Commands;

/// <summary>
/// A snapshot (kubectl JSON, YAML or a cluster-info dump): triage, diagnosis and the cluster timeline as of when it was taken.
/// Nothing can be repaired; the proposed fix is the finding's own patch and kubectl commands, shown as a dry run.
/// </summary>
internal sealed class SnapshotBackend(IClusterSource source, ClusterScope scope, TimeProvider time) : IResponseBackend
{
    public string Description => source.Description;

    public bool CanRepair => false;

    public async Task<Observation> ObserveAsync(CancellationToken ct)
    {
        var (model, diagnosis) = await ModelAdapters.DiagnoseAsync(source, scope, time, ct);
        return ObservationBuilder.Build(model, diagnosis, time).Observation;
    }

    public Task<MetricsOutcome> MetricsAsync(Finding primary, Observation observation, CancellationToken ct) =>
        Task.FromResult(new MetricsOutcome([], "none: a snapshot holds object state, not metric history", "a snapshot carries no Prometheus data (run respond against the live cluster with Prometheus for the trend)"));

    public Task<FixProposal?> ProposeAsync(Finding finding, Observation observation, CancellationToken ct)
    {
        if (finding.Fix is not { } fix)
        {
            return Task.FromResult<FixProposal?>(new FixProposal { Finding = finding, Description = "escalate", Escalation = true, Why = $"the diagnosis has no fix for {finding.Code}" });
        }

        var patch = fix.Patch is null ? "" : "strategic merge patch for " + (finding.Owner ?? finding.Object) + ":\n" + fix.Patch.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        return Task.FromResult<FixProposal?>(new FixProposal
        {
            Finding = finding,
            Description = fix.Description,
            Commands = fix.Commands,
            Diff = patch,
            Why = finding.Cause,
        });
    }

    public Task<IncidentAction> ApplyAsync(FixProposal proposal, CancellationToken ct) =>
        throw new InvalidOperationException("a snapshot cannot be repaired");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
