using System.Globalization;

namespace KubeMedic.Core.Remedies;

/// <summary>Kubernetes resource quantities: memory in bytes, CPU in millicores. Parsing and canonical formatting.</summary>
public static class Quantity
{
    private static readonly (string Suffix, decimal Factor)[] Suffixes =
    [
        ("Ki", 1024m), ("Mi", 1024m * 1024), ("Gi", 1024m * 1024 * 1024), ("Ti", 1024m * 1024 * 1024 * 1024),
        ("Pi", 1024m * 1024 * 1024 * 1024 * 1024), ("Ei", 1024m * 1024 * 1024 * 1024 * 1024 * 1024),
        ("n", 0.000000001m), ("u", 0.000001m), ("m", 0.001m),
        ("k", 1000m), ("M", 1000_000m), ("G", 1000_000_000m), ("T", 1000_000_000_000m), ("P", 1000_000_000_000_000m), ("E", 1000_000_000_000_000_000m),
    ];

    /// <summary>Parses a quantity ("512Mi", "1.5", "250m", "1e3") into its decimal value in base units. Null when unparsable.</summary>
    public static decimal? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        foreach (var (suffix, factor) in Suffixes)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) && text.Length > suffix.Length)
            {
                var number = text[..^suffix.Length];
                return decimal.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v * factor : null;
            }
        }

        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain) ? plain : null;
    }

    /// <summary>Memory in bytes (rounded up), or null.</summary>
    public static long? ParseBytes(string? text) => TryParse(text) is { } v ? (long)Math.Ceiling(v) : null;

    /// <summary>CPU in millicores (rounded up), or null.</summary>
    public static long? ParseMillicores(string? text) => TryParse(text) is { } v ? (long)Math.Ceiling(v * 1000) : null;

    /// <summary>Formats bytes as Mi (rounded up to a whole MiB), or Gi when exact.</summary>
    public static string FormatBytes(long bytes)
    {
        const long mi = 1024 * 1024;
        var mib = (bytes + mi - 1) / mi;
        return mib % 1024 == 0 && mib > 0 ? $"{mib / 1024}Gi" : $"{mib}Mi";
    }

    /// <summary>Formats millicores as "250m" or whole cores ("2").</summary>
    public static string FormatMillicores(long millicores) =>
        millicores % 1000 == 0 ? (millicores / 1000).ToString(CultureInfo.InvariantCulture) : $"{millicores}m";

    /// <summary>Rounds bytes up to a whole MiB.</summary>
    public static long RoundUpToMiB(long bytes)
    {
        const long mi = 1024 * 1024;
        return (bytes + mi - 1) / mi * mi;
    }
}
