using System.Globalization;

namespace KubeMedic.Core.Model;

/// <summary>Kubernetes resource quantities (<c>500m</c>, <c>2</c>, <c>512Mi</c>, <c>1G</c>, <c>1e3</c>).</summary>
public static class Quantity
{
    /// <summary>Parses a quantity into its value times <paramref name="scale"/> (1000 for millicores), or null if malformed.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static long? Parse(string? text, long scale = 1)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        var i = text.Length;
        while (i > 0 && char.IsLetter(text[i - 1]) && !(text[i - 1] is 'e' or 'E' && i - 1 > 0 && i < text.Length && char.IsDigit(text[i])))
        {
            i--;
        }

        var number = text[..i];
        var suffix = text[i..];
        double multiplier = suffix switch
        {
            "" => 1,
            "m" => 0.001,
            "k" => 1e3,
            "M" => 1e6,
            "G" => 1e9,
            "T" => 1e12,
            "P" => 1e15,
            "E" => 1e18,
            "Ki" => 1024d,
            "Mi" => 1024d * 1024,
            "Gi" => 1024d * 1024 * 1024,
            "Ti" => 1024d * 1024 * 1024 * 1024,
            "Pi" => 1024d * 1024 * 1024 * 1024 * 1024,
            "Ei" => 1024d * 1024 * 1024 * 1024 * 1024 * 1024,
            _ => double.NaN,
        };
        if (double.IsNaN(multiplier) || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        return (long)Math.Round(value * multiplier * scale);
    }

    /// <summary>Formats bytes the way kubectl users write them (Mi/Gi).</summary>
    public static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30}Gi",
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.##}Gi",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#}Mi",
        >= 1L << 10 => $"{bytes / 1024d:0.#}Ki",
        _ => bytes.ToString(CultureInfo.InvariantCulture),
    };

    public static string FormatCpu(long millis) => millis % 1000 == 0 ? (millis / 1000).ToString(CultureInfo.InvariantCulture) : $"{millis}m";
}
