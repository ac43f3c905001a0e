using KubeMedic.Core.Findings;
using KubeMedic.Core.Model;

namespace KubeMedic.Core.Analysis;

/// <summary>Options for one diagnosis run.</summary>
public sealed record DiagnoseOptions
{
    /// <summary>Findings below this severity are dropped from the result.</summary>
    public Severity MinSeverity { get; init; } = Severity.Info;

    /// <summary>
    /// The clock. Analyzers use <see cref="ClusterModel.ObservedAt"/> when the model has it (a snapshot is diagnosed as
    /// of when it was taken), else this provider's current time.
    /// </summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Restarts at or above this count make a Ready container suspicious (liveness-restarts).</summary>
    public int RestartThreshold { get; init; } = 5;

    /// <summary>A Pending pod younger than this is still being scheduled, not stuck.</summary>
    public TimeSpan PendingGrace { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Requests above this fraction of a node's allocatable make it overcommitted.</summary>
    public double OvercommitThreshold { get; init; } = 1.0;

    /// <summary>Run the analyzer families on several cores: null decides by model size.</summary>
    public bool? Parallel { get; init; }

    /// <summary>When families run in parallel, the pod family also splits its pods into chunks of this many (tests lower it).</summary>
    internal int PodsPerChunk { get; init; } = 4096;
}

/// <summary>One analyzer family (pods, workloads, nodes, network, storage, autoscaling): pure over the model.</summary>
public interface IAnalyzer
{
    /// <summary>The family name, e.g. "pods".</summary>
    string Family { get; }

    /// <summary>Produces findings. Must not mutate the model or do I/O.</summary>
    IEnumerable<Finding> Analyze(AnalysisContext context);
}

/// <summary>The result of a diagnosis: findings worst first, then by namespace, object and code.</summary>
public sealed record DiagnosisResult(IReadOnlyList<Finding> Findings, DateTimeOffset AnalyzedAt)
{
    /// <summary>The worst severity, or null when there is no finding.</summary>
    public Severity? WorstSeverity => Findings.Count == 0 ? null : Findings.Max(f => f.Severity);

    /// <summary>Findings with a code, optionally on an object.</summary>
    public IEnumerable<Finding> WithCode(string code) => Findings.Where(f => f.Code == code);

    /// <summary>The finding with this code on this object (kind/namespace/name), or null.</summary>
    public Finding? Find(string code, ObjectRef obj) => Findings.FirstOrDefault(f => f.Code == code && f.Object == obj);
}

/// <summary>
/// Runs every analyzer over a model, links causes (related[]) and orders the findings.
/// <c>DiagnosisEngine.Default.Diagnose(model, options)</c> is the entry point.
/// </summary>
public sealed class DiagnosisEngine(IReadOnlyList<IAnalyzer> analyzers)
{
    /// <summary>The built-in analyzers, one per family.</summary>
    public static DiagnosisEngine Default { get; } = new(
    [
        new NodeAnalyzer(),
        new PodAnalyzer(),
        new WorkloadAnalyzer(),
        new NetworkAnalyzer(),
        new StorageAnalyzer(),
        new AutoscalingAnalyzer(),
    ]);

    public IReadOnlyList<IAnalyzer> Analyzers => analyzers;

    /// <summary>Below this many objects the families run one after another (threads would cost more than they save).</summary>
    public const int ParallelThreshold = 20_000;

    /// <summary>Diagnoses the model: all findings at or above <see cref="DiagnoseOptions.MinSeverity"/>, worst first.</summary>
    public DiagnosisResult Diagnose(ClusterModel model, DiagnoseOptions? options = null)
    {
        options ??= new DiagnoseOptions();
        var context = new AnalysisContext(model, options);
        // Families are pure over a read-only model, so they run side by side; results keep the analyzers' order. The
        // lookups they share are built first, side by side too (each once: none waits for a family that builds it).
        var perAnalyzer = new List<Finding>[analyzers.Count];
        if (options.Parallel ?? (model.ObjectCount >= ParallelThreshold && Environment.ProcessorCount > 1))
        {
            context.RunsInParallel = true;
            context.BuildIndexes();
            Parallel.For(0, analyzers.Count, i => perAnalyzer[i] = analyzers[i].Analyze(context).ToList());
        }
        else
        {
            for (var i = 0; i < analyzers.Count; i++)
            {
                perAnalyzer[i] = analyzers[i].Analyze(context).ToList();
            }
        }

        var findings = perAnalyzer.SelectMany(f => f).ToList();

        findings = CausalLinker.Link(findings, context);
        var ordered = findings
            .Where(f => f.Severity >= options.MinSeverity)
            .GroupBy(f => f.Id).Select(g => g.First())
            .OrderByDescending(f => f.Severity)
            .ThenBy(f => f.Object.Namespace ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.Object.Kind, StringComparer.Ordinal)
            .ThenBy(f => f.Object.Name, StringComparer.Ordinal)
            .ThenBy(f => f.Code, StringComparer.Ordinal)
            .ToList();
        return new DiagnosisResult(ordered, context.Now);
    }
}
