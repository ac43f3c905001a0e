using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeMedic.Kubernetes.Repair;

/// <summary>A unified line diff of two objects (pretty JSON, status and server-managed metadata removed), optionally coloured.</summary>
public static class ObjectDiff
{
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true };

    public static string Unified(JsonObject before, JsonObject after, string name, bool color, int context = 3)
    {
        var a = Lines(before);
        var b = Lines(after);
        var ops = Diff(a, b);
        var sb = new StringBuilder();
        sb.AppendLine(Paint($"--- {name} (live)", "1;31", color));
        sb.AppendLine(Paint($"+++ {name} (patched)", "1;32", color));
        var changed = ops.Select((op, i) => (op, i)).Where(x => x.op.Kind != ' ').Select(x => x.i).ToList();
        if (changed.Count == 0)
        {
            sb.AppendLine("(no change)");
            return sb.ToString();
        }

        var shown = new bool[ops.Count];
        foreach (var i in changed)
        {
            for (var k = Math.Max(0, i - context); k <= Math.Min(ops.Count - 1, i + context); k++)
            {
                shown[k] = true;
            }
        }

        var lineA = 0;
        var lineB = 0;
        for (var i = 0; i < ops.Count; i++)
        {
            if (shown[i] && (i == 0 || !shown[i - 1]))
            {
                sb.AppendLine(Paint($"@@ -{lineA + 1} +{lineB + 1} @@", "36", color));
            }

            var (kind, text) = ops[i];
            if (shown[i])
            {
                sb.AppendLine(kind switch
                {
                    '-' => Paint("-" + text, "31", color),
                    '+' => Paint("+" + text, "32", color),
                    _ => " " + text,
                });
            }

            if (kind != '+')
            {
                lineA++;
            }

            if (kind != '-')
            {
                lineB++;
            }
        }

        return sb.ToString();
    }

    private static string Paint(string text, string code, bool color) => color ? $"\u001b[{code}m{text}\u001b[0m" : text;

    private static string[] Lines(JsonObject o)
    {
        var copy = (JsonObject)o.DeepClone();
        copy.Remove("status");
        if (copy["metadata"] is JsonObject meta)
        {
            foreach (var k in new[] { "managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink" })
            {
                meta.Remove(k);
            }
        }

        return Redactor.Redact(copy)!.ToJsonString(Pretty).Split('\n');
    }

    private static List<(char Kind, string Text)> Diff(string[] a, string[] b)
    {
        var n = a.Length;
        var m = b.Length;
        var lcs = new int[n + 1, m + 1];
        for (var i = n - 1; i >= 0; i--)
        {
            for (var j = m - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var result = new List<(char, string)>();
        int x = 0, y = 0;
        while (x < n && y < m)
        {
            if (a[x] == b[y])
            {
                result.Add((' ', a[x]));
                x++;
                y++;
            }
            else if (lcs[x + 1, y] >= lcs[x, y + 1])
            {
                result.Add(('-', a[x++]));
            }
            else
            {
                result.Add(('+', b[y++]));
            }
        }

        while (x < n)
        {
            result.Add(('-', a[x++]));
        }

        while (y < m)
        {
            result.Add(('+', b[y++]));
        }

        return result;
    }
}
