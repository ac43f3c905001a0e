using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace KubeMedic.Core.Model.Parsing;

/// <summary>
/// Splits a large, pretty-printed <c>kubectl get -o json</c> file into byte ranges that can be parsed on several cores.
/// </summary>
/// <remarks>
/// <para>
/// A JSON string cannot hold a raw newline, so in pretty-printed JSON every line break is structural. kubectl (and jq)
/// indent consistently, so a line holding only <c>},</c> followed by a line holding only <c>{</c>, both at the indentation
/// of the first element of the top-level <c>items</c> array, is a boundary between two items. Each range is wrapped so
/// it reads as a document of its own: the first range is the file's head plus <c>]}</c>; later ranges are
/// <c>{"items":[</c> plus their bytes (plus <c>]}</c>, except the last, which keeps the file's tail as it is).
/// </para>
/// <para>
/// The split is an optimisation only. The caller falls back to one sequential pass when there is no plan (compact
/// JSON, a typed list whose items may lack <c>kind</c>, CRLF line ends, a small file), and whenever a range fails to
/// parse, so errors are always reported as the sequential parser reports them.
/// </para>
/// </remarks>
internal static class ParallelSplit
{
    /// <summary>The smallest range worth a thread of its own.</summary>
    public const long MinRangeBytes = 24L << 20;

    private const int HeadBytes = 1 << 20;
    private const int SearchWindow = 64 << 20;
    private const int ChunkBytes = 1 << 20;

    public static ReadOnlySpan<byte> RangePrefix => "{\"items\":["u8;

    public static ReadOnlySpan<byte> RangeSuffix => "]}"u8;

    /// <summary>One range of the file; <see cref="Prefix"/>/<see cref="Suffix"/> say whether the wrapper bytes are added.</summary>
    /// <param name="FirstDocumentKind">
    /// For a range that starts inside a typed list (PodList, as <c>kubectl cluster-info dump</c> prints), the kind its
    /// items have when they omit <c>kind</c>.
    /// </param>
    public readonly record struct Range(long Start, long End, bool Prefix, bool Suffix, string? FirstDocumentKind = null);

    /// <summary>Plans up to <paramref name="parts"/> ranges; null when the file should be parsed in one pass.</summary>
    public static IReadOnlyList<Range>? Plan(SafeFileHandle file, long length, int parts, long minRangeBytes = MinRangeBytes)
    {
        parts = (int)Math.Min(parts, length / Math.Max(minRangeBytes, 1));
        if (parts < 2)
        {
            return null;
        }

        var head = new byte[(int)Math.Min(HeadBytes, length)];
        var read = RandomAccess.Read(file, head, 0);
        var (firstItem, firstKind) = FirstItem(head.AsSpan(0, read));
        if (firstItem < 0)
        {
            return null;
        }

        var indent = 0;
        while (firstItem - indent - 1 >= 0 && head[firstItem - indent - 1] == (byte)' ')
        {
            indent++;
        }

        if (indent == 0 || firstItem - indent - 1 < 0 || head[firstItem - indent - 1] != (byte)'\n')
        {
            return null;
        }

        // "\n" + indent + "},\n" + indent + "{\n"
        var needle = new byte[(2 * indent) + 6];
        needle.AsSpan().Fill((byte)' ');
        needle[0] = (byte)'\n';
        needle[indent + 1] = (byte)'}';
        needle[indent + 2] = (byte)',';
        needle[indent + 3] = (byte)'\n';
        needle[(2 * indent) + 4] = (byte)'{';
        needle[(2 * indent) + 5] = (byte)'\n';

        var ranges = new List<Range>();
        long start = 0;
        string? kind = null;
        var window = new byte[ChunkBytes];
        for (var k = 1; k < parts; k++)
        {
            var from = Math.Max(length * k / parts, start + 1);
            var at = Find(file, length, from, needle, window);
            if (at < 0)
            {
                break;
            }

            var end = at + indent + 2; // just after the '}' that closes the last item of this range
            ranges.Add(new Range(start, end, Prefix: start > 0, Suffix: true, kind));
            start = at + (2 * indent) + 4; // the '{' of the next range's first item
            // kubectl get prints a v1 List (keys sorted: "kind" after "items"), whose items carry their own kind: no need
            // to look back for the document a range starts in. (Should a typed list follow it in the same file, a range
            // in it fails on its first kind-less item, and the whole file is read in one pass.)
            kind = firstKind is null or "List" ? null : ItemKindAt(file, start, firstKind, head, window);
        }

        if (ranges.Count == 0)
        {
            return null;
        }

        ranges.Add(new Range(start, length, Prefix: true, Suffix: false, kind));
        return ranges;
    }

    /// <summary>
    /// The kind of the items of the typed list (PodList, ...) whose <c>items</c> hold <paramref name="offset"/>: found from
    /// the start of that top-level document (a <c>{</c> alone at the start of a line), searched for backwards within a
    /// window. Null for a v1 List, or when not found: a range whose items then lack <c>kind</c> fails, and the file is
    /// read in one pass.
    /// </summary>
    private static string? ItemKindAt(SafeFileHandle file, long offset, string? firstKind, byte[] head, byte[] window)
    {
        var end = offset;
        var floor = Math.Max(0, offset - SearchWindow);
        while (end > floor)
        {
            var from = Math.Max(floor, end - window.Length);
            var n = RandomAccess.Read(file, window.AsSpan(0, (int)(end - from)), from);
            var at = window.AsSpan(0, n).LastIndexOf("\n{\n"u8);
            if (at >= 0)
            {
                var headRead = RandomAccess.Read(file, head, from + at + 1);
                return ItemKind(FirstItem(head.AsSpan(0, headRead)).Kind);
            }

            end = from + 2; // overlap: the marker may straddle two chunks
            if (from == floor)
            {
                break;
            }
        }

        return floor == 0 ? ItemKind(firstKind) : null;
    }

    private static string? ItemKind(string? listKind) =>
        listKind is { Length: > 4 } && listKind.EndsWith("List", StringComparison.Ordinal) ? listKind[..^4] : null;

    /// <summary>
    /// The offset of the first element of the document's top-level <c>items</c> array, or -1 (not a list in the head
    /// bytes), and the list's kind when it comes before <c>items</c>.
    /// </summary>
    private static (int Offset, string? Kind) FirstItem(ReadOnlySpan<byte> head)
    {
        string? kind = null;
        var reader = new Utf8JsonReader(head, isFinalBlock: false, new JsonReaderState(new JsonReaderOptions { AllowMultipleValues = true }));
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (-1, null);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("items"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray || !reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                    {
                        return (-1, null);
                    }

                    return ((int)reader.TokenStartIndex, kind);
                }

                var isKind = reader.ValueTextEquals("kind"u8);
                if (!reader.Read())
                {
                    return (-1, null);
                }

                if (isKind && reader.TokenType == JsonTokenType.String)
                {
                    kind = reader.GetString();
                }

                if (!reader.TrySkip())
                {
                    return (-1, null);
                }
            }
        }
        catch (JsonException)
        {
            // malformed: the sequential pass reports it
        }

        return (-1, null);
    }

    private static long Find(SafeFileHandle file, long length, long from, ReadOnlySpan<byte> needle, byte[] window)
    {
        var limit = Math.Min(length, from + SearchWindow);
        var pos = from;
        while (pos < limit)
        {
            var n = RandomAccess.Read(file, window.AsSpan(0, (int)Math.Min(window.Length, limit - pos)), pos);
            if (n <= 0)
            {
                return -1;
            }

            var i = window.AsSpan(0, n).IndexOf(needle);
            if (i >= 0)
            {
                return pos + i;
            }

            if (pos + n >= limit)
            {
                return -1;
            }

            pos += n - needle.Length + 1;
        }

        return -1;
    }
}

/// <summary>
/// Reads <c>prefix + file[start, end) + suffix</c> through a positional file handle (one per worker), dropping the
/// indentation that follows each line break of the file's bytes.
/// </summary>
/// <remarks>
/// kubectl indents by nesting depth, so about half the bytes of its output are spaces after a line break, and a JSON
/// reader steps over them one byte at a time. Dropping them here takes two vectorised searches per line. It changes no
/// value: a line break inside a JSON string is invalid, and it is kept, so such input still fails (and the sequential
/// pass reports it). A line that starts at column 0 with anything but a bracket is not JSON (the log sections of
/// <c>kubectl cluster-info dump</c>'s stdout form): from there on the range passes through unchanged, logs included.
/// </remarks>
internal sealed class RangeStream(SafeFileHandle file, ParallelSplit.Range range) : ReadOnlyStream
{
    private long _filePos = range.Start;
    private int _prefixPos;
    private int _suffixPos;
    private bool _strip = true;
    private int _indent = -1; // spaces dropped so far on the current line; -1 = not at the start of a line

    public override bool CanSeek => false;

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (Copy(range.Prefix ? ParallelSplit.RangePrefix : default, ref _prefixPos, buffer) is var p and > 0)
        {
            return p;
        }

        while (_filePos < range.End)
        {
            var want = (int)Math.Min(buffer.Length, range.End - _filePos);
            var n = RandomAccess.Read(file, buffer[..want], _filePos);
            if (n <= 0)
            {
                _filePos = range.End; // the file shrank under us: the sequential fallback reports what is there
                break;
            }

            _filePos += n;
            var kept = _strip ? DropIndentation(buffer[..n]) : n;
            if (kept > 0)
            {
                return kept;
            }
        }

        return Copy(range.Suffix ? ParallelSplit.RangeSuffix : default, ref _suffixPos, buffer);
    }

    /// <summary>Drops, in place, the spaces that start each line; returns how many bytes are left.</summary>
    internal int DropIndentation(Span<byte> s)
    {
        int r = 0, w = 0;
        while (r < s.Length)
        {
            if (_indent >= 0)
            {
                var spaces = s[r..].IndexOfAnyExcept((byte)' ');
                if (spaces < 0)
                {
                    _indent += s.Length - r;
                    break;
                }

                if (_indent + spaces == 0 && s[r] is not ((byte)'{' or (byte)'}' or (byte)'[' or (byte)']'))
                {
                    _strip = false; // not a line of JSON: keep everything from here as it is
                    s[r..].CopyTo(s[w..]);
                    return w + s.Length - r;
                }

                r += spaces;
                _indent = -1;
            }

            var nl = s[r..].IndexOf((byte)'\n');
            var end = nl < 0 ? s.Length : r + nl + 1;
            if (w != r)
            {
                s[r..end].CopyTo(s[w..]);
            }

            w += end - r;
            r = end;
            if (nl >= 0)
            {
                _indent = 0;
            }
        }

        return w;
    }

    /// <summary>Copies what is left of <paramref name="source"/> from <paramref name="pos"/>; 0 when nothing is.</summary>
    private static int Copy(ReadOnlySpan<byte> source, ref int pos, Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, source.Length - pos);
        if (n <= 0)
        {
            return 0;
        }

        source.Slice(pos, n).CopyTo(buffer);
        pos += n;
        return n;
    }
}
