using KubeMedic.Core;

namespace KubeMedic.Observability;

/// <summary>Writes generated text to a file atomically (temp file + rename, so never a partial write), or to stdout for null / "-".</summary>
public static class OutputFile
{
    public static void Write(string? path, string text, TextWriter stdout)
    {
        if (string.IsNullOrEmpty(path) || path == "-")
        {
            stdout.Write(text);
            return;
        }

        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir))
        {
            throw new UserInputException($"--output: directory '{dir}' does not exist");
        }

        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllText(tmp, text);
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(tmp);
            throw new UserInputException($"--output: cannot write '{path}': {ex.Message}", ex);
        }
    }
}
