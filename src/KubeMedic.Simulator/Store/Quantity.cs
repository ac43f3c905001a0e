using System.Globalization;

namespace KubeMedic.Simulator.Store;

/// <summary>Kubernetes resource quantities ("500m", "2", "512Mi", "1G").</summary>
internal static class Quantity
{
    private static readonly (string Suffix, decimal Factor)[] Suffixes =
    [
        ("Ki", 1024m), ("Mi", 1024m * 1024), ("Gi", 1024m * 1024 * 1024), ("Ti", 1024m * 1024 * 1024 * 1024), ("Pi", 1024m * 1024 * 1024 * 1024 * 1024),
        ("Ei", 1024m * 1024 * 1024 * 1024 * 1024 * 1024),
        ("n", 0.000000001m), ("u", 0.000001m), ("m", 0.001m), ("k", 1000m), ("M", 1000_000m), ("G", 1000_000_000m), ("T", 1000_000_000_000m),
        ("P", 1000_000_000_000_000m), ("E", 1000_000_000_000_000_000m),
    ];

    public static bool TryParse(string? text, out decimal value)
    {
        value = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        foreach (var (suffix, factor) in Suffixes)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) && decimal.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                value = n * factor;
                return true;
            }
        }

        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain))
        {
            value = plain;
            return true;
        }

        return false;
    }

    public static decimal Parse(string? text) => TryParse(text, out var v) ? v : 0;

    /// <summary>CPU in millicores.</summary>
    public static long MilliCpu(string? text) => (long)Math.Ceiling(Parse(text) * 1000);

    public static long Bytes(string? text) => (long)Math.Ceiling(Parse(text));

    public static string FormatMilli(long milli) => milli % 1000 == 0 ? (milli / 1000).ToString(CultureInfo.InvariantCulture) : milli.ToString(CultureInfo.InvariantCulture) + "m";

    public static string FormatNanoCpu(long milliTimes1000) => milliTimes1000.ToString(CultureInfo.InvariantCulture) + "n";

    public static string FormatKi(long bytes) => (bytes / 1024).ToString(CultureInfo.InvariantCulture) + "Ki";

    /// <summary>Memory the way a user writes it: 512Mi, 1Gi, else Ki.</summary>
    public static string FormatBytes(long bytes)
    {
        if (bytes % (1024L * 1024 * 1024) == 0 && bytes != 0) return (bytes / (1024L * 1024 * 1024)).ToString(CultureInfo.InvariantCulture) + "Gi";
        if (bytes % (1024L * 1024) == 0 && bytes != 0) return (bytes / (1024L * 1024)).ToString(CultureInfo.InvariantCulture) + "Mi";
        return FormatKi(bytes);
    }
}
