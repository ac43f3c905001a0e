namespace KubeMedic.Core;

/// <summary>
/// Bad input from the user (a malformed file, flag or body). The CLI prints <see cref="Exception.Message"/> as one line and exits 2.
/// Messages must name the problem and the file or flag, and never include a secret value.
/// </summary>
public sealed class UserInputException : Exception
{
    public UserInputException(string message) : base(message) { }
    public UserInputException(string message, Exception inner) : base(message, inner) { }
    public UserInputException() { }
}
