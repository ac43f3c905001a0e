namespace KubeMedic.Cli;

/// <summary>Exit codes CI can rely on.</summary>
public static class ExitCodes
{
    /// <summary>Success; for diagnose: nothing at or above --min-severity.</summary>
    public const int Ok = 0;

    /// <summary>Findings were reported (diagnose), a check failed (verify), or an action failed.</summary>
    public const int Findings = 1;

    /// <summary>Usage or input error: a one-line message on stderr, never a stack trace.</summary>
    public const int UsageError = 2;
}
