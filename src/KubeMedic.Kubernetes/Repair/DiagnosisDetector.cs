using KubeMedic.Core.Analysis;
using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;
using KubeMedic.Kubernetes.Informers;

namespace KubeMedic.Kubernetes.Repair;

/// <summary>The diagnosis engine over the informers' cache: the cached objects are streamed as one kubectl-style List into the model builder.</summary>
public sealed class DiagnosisDetector(DiagnosisEngine? engine = null) : IFindingDetector
{
    private readonly DiagnosisEngine _engine = engine ?? DiagnosisEngine.Default;

    public IReadOnlyList<Finding> Detect(ClusterInformers informers, DateTimeOffset now)
    {
        using var list = informers.OpenList();
        var model = new ClusterModelBuilder().AddStream(list, "informers").BuildAllowEmpty();
        return _engine.Diagnose(model, new DiagnoseOptions { Time = new FixedTime(now) }).Findings;
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
