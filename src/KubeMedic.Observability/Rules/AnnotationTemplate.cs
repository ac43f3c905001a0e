using System.Globalization;
using System.Text.RegularExpressions;

namespace KubeMedic.Observability.Rules;

/// <summary>
/// Renders the small subset of Prometheus' Go templates that KubeMedic's own annotations use:
/// <c>{{ $labels.NAME }}</c> and <c>{{ $value | printf "%.Nf" }}</c>. Used to compute the exact annotations a promtool test expects.
/// </summary>
public static partial class AnnotationTemplate
{
    [GeneratedRegex(@"\{\{\s*(?:\$labels\.(?<label>[a-zA-Z_][a-zA-Z0-9_]*)|\$value\s*\|\s*printf\s+""%\.(?<digits>\d)f"")\s*\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\{\{")]
    private static partial Regex AnyAction();

    public static string Render(string template, IReadOnlyDictionary<string, string> labels, double value)
    {
        var rendered = Placeholder().Replace(template, m =>
        {
            if (m.Groups["label"].Success)
            {
                return labels.TryGetValue(m.Groups["label"].Value, out var v) ? v : "";
            }

            var digits = int.Parse(m.Groups["digits"].Value, CultureInfo.InvariantCulture);
            return value.ToString("F" + digits, CultureInfo.InvariantCulture);
        });
        if (AnyAction().IsMatch(rendered))
        {
            throw new InvalidOperationException($"annotation template uses an unsupported action: {template}");
        }

        return rendered;
    }
}
