namespace KubeMedic.Simulator;

/// <summary>How to start a <see cref="SimulatedCluster"/>.</summary>
public sealed record SimulatorOptions
{
    /// <summary>A bundled scenario name (<c>healthy</c>, <c>order-service-oom</c>, <c>deploy-disaster</c>) or a path to a scenario YAML file. Null: an empty 1-node cluster.</summary>
    public string? Scenario { get; init; }

    /// <summary>Loopback address and port to listen on; port 0 picks a free port.</summary>
    public string Listen { get; init; } = "127.0.0.1:0";

    /// <summary>Where to write the kubeconfig. Null: a file in a fresh temp directory.</summary>
    public string? KubeconfigOut { get; init; }

    /// <summary>Simulated seconds per real second (60: one real second is a simulated minute).</summary>
    public double Speed { get; init; } = 1;

    /// <summary>Simulated time at which the scenario starts. Null: now minus the scenario's warm-up, so that after warm-up the clock reads the real time.</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>Run the scenario's warm-up (fast-forward of simulated time before serving). Tests that step the clock themselves can turn it off.</summary>
    public bool Warmup { get; init; } = true;

    /// <summary>How many watch events are kept for resuming watches; older resourceVersions get 410 Gone.</summary>
    public int WatchHistory { get; init; } = 200_000;
}
