using System.Text.RegularExpressions;
using KubeMedic.Core.Incidents;

namespace KubeMedic.Core.Postmortem;

/// <summary>The output formats of a postmortem.</summary>
public enum PostmortemFormat
{
    Markdown,
    Json,
    Html,
}

/// <summary>Writes a postmortem file for an incident and records it in the incident (path + timeline entry).</summary>
public static partial class PostmortemWriter
{
    public static PostmortemFormat ParseFormat(string value) => value.ToLowerInvariant() switch
    {
        "markdown" or "md" => PostmortemFormat.Markdown,
        "json" => PostmortemFormat.Json,
        "html" => PostmortemFormat.Html,
        _ => throw new UserInputException($"--format: unknown format '{value}' (use markdown, json or html)"),
    };

    public static string Render(PostmortemDocument doc, PostmortemFormat format) => format switch
    {
        PostmortemFormat.Json => PostmortemRenderer.Json(doc),
        PostmortemFormat.Html => PostmortemRenderer.Html(doc),
        _ => PostmortemRenderer.Markdown(doc),
    };

    /// <summary>The file name: <c>YYYY-MM-DD-&lt;incident-id&gt;-&lt;slug&gt;.&lt;ext&gt;</c>.</summary>
    public static string FileName(IncidentRecord record, PostmortemFormat format)
    {
        var slug = Slug().Replace(record.Title.ToLowerInvariant(), "-").Trim('-');
        if (slug.Length > 50)
        {
            slug = slug[..50].TrimEnd('-');
        }

        var ext = format switch { PostmortemFormat.Json => "json", PostmortemFormat.Html => "html", _ => "md" };
        return $"{record.CreatedAt.UtcDateTime:yyyy-MM-dd}-{record.Id}-postmortem{(slug.Length > 0 ? "-" + slug : "")}.{ext}";
    }

    /// <summary>
    /// Builds the postmortem from the stored record, writes it atomically into <paramref name="directory"/>, then records the
    /// path and a timeline entry in the incident. Returns the path written.
    /// </summary>
    public static string Write(IncidentStore store, string incidentId, string directory, PostmortemFormat format)
    {
        var record = store.Get(incidentId);
        var doc = PostmortemBuilder.Build(record, store.Time);
        var path = Path.GetFullPath(Path.Combine(directory, FileName(record, format)));
        AtomicFile.WriteAllText(path, Render(doc, format));
        store.Update(record.Id, r =>
        {
            if (!r.Postmortems.Contains(path))
            {
                r.Postmortems.Add(path);
            }

            r.Timeline.Add(new TimelineEntry { At = store.Time.GetUtcNow(), Source = TimelineSource.KubeMedic, Text = $"Postmortem written ({format.ToString().ToLowerInvariant()}): {path}" });
        });
        return path;
    }

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex Slug();
}
