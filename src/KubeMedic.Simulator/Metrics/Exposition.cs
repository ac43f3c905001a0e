using System.Globalization;
using System.Text;

namespace KubeMedic.Simulator.Metrics;

/// <summary>
/// Writes the Prometheus text exposition format 0.0.4 (<c>text/plain; version=0.0.4; charset=utf-8</c>):
/// one <c># HELP</c> and <c># TYPE</c> per family, then its samples, label values escaped.
/// </summary>
public sealed class ExpositionWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _sb = new();
    private readonly HashSet<string> _families = new(StringComparer.Ordinal);
    private string? _current;

    /// <summary>Starts a family. A family may be started once; its samples must follow before the next family.</summary>
    public ExpositionWriter Family(string name, string type, string help)
    {
        if (!_families.Add(name)) throw new InvalidOperationException($"metric family {name} written twice");
        _current = name;
        _sb.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        _sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return this;
    }

    /// <summary>One sample of the current family (<paramref name="name"/> may carry a _bucket/_sum/_count suffix).</summary>
    public ExpositionWriter Sample(string name, double value, params (string Name, string? Value)[] labels)
    {
        if (_current is null || !name.StartsWith(_current, StringComparison.Ordinal)) throw new InvalidOperationException($"sample {name} outside its family");
        _sb.Append(name);
        if (labels.Length > 0)
        {
            _sb.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (i > 0) _sb.Append(',');
                _sb.Append(labels[i].Name).Append("=\"").Append(EscapeLabel(labels[i].Value ?? "")).Append('"');
            }

            _sb.Append('}');
        }

        _sb.Append(' ').Append(Format(value)).Append('\n');
        return this;
    }

    public override string ToString() => _sb.ToString();

    public static string Format(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string EscapeLabel(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeHelp(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
