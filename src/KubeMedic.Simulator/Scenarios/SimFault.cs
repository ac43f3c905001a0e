namespace KubeMedic.Simulator;

/// <summary>
/// A timed scenario action or injected fault. <see cref="Action"/> is one of:
/// <c>deploy</c> (set <see cref="Image"/> on deployment <see cref="Namespace"/>/<see cref="Name"/>, container <see cref="Container"/> or the first),
/// <c>stopHeartbeat</c> / <c>resumeHeartbeat</c> (node <see cref="Node"/>),
/// <c>apply</c> (create or replace the objects in the YAML <see cref="Manifest"/>),
/// <c>deletePod</c> (pods <see cref="Namespace"/>/<see cref="Name"/> or by <see cref="Selector"/>),
/// <c>scale</c> (deployment <see cref="Namespace"/>/<see cref="Name"/> to <see cref="Replicas"/>).
/// </summary>
public sealed record SimFault(string Action)
{
    /// <summary>Offset from the scenario start (scenario faults only).</summary>
    public TimeSpan At { get; init; }
    public string? Node { get; init; }
    public string? Namespace { get; init; }
    public string? Name { get; init; }
    public string? Container { get; init; }
    public string? Image { get; init; }
    public string? Manifest { get; init; }
    public string? Selector { get; init; }
    public int? Replicas { get; init; }

    public static readonly IReadOnlyList<string> Actions = ["deploy", "stopHeartbeat", "resumeHeartbeat", "apply", "deletePod", "scale"];
}
