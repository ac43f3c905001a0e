namespace KubeMedic.Simulator;

/// <summary>A malformed or unknown scenario. <see cref="Exception.Message"/> is one line naming the file, line and reason.</summary>
public sealed class ScenarioException : Exception
{
    public ScenarioException(string message) : base(message) { }
    public ScenarioException(string message, Exception inner) : base(message, inner) { }
    public ScenarioException() { }

    public ScenarioException(string file, long line, string reason)
        : base(line > 0 ? $"{file}:{line}: {reason}" : $"{file}: {reason}")
    {
        File = file;
        Line = line;
    }

    public string? File { get; }
    public long Line { get; }
}
