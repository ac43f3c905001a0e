using System.Text;
using System.Text.Json;
using KubeMedic.Core.Model.Parsing;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace KubeMedic.Core.Model;

/// <summary>
/// Builds a <see cref="ClusterModel"/> from Kubernetes API output, streaming: <c>kubectl get -o json</c> (a v1 List or
/// one object), several concatenated JSON documents or a JSON array of them, multi-document YAML, a
/// <c>kubectl cluster-info dump</c> directory or its stdout form (with its log sections). Malformed input raises a
/// <see cref="UserInputException"/> naming the source and the problem.
/// </summary>
public sealed class ClusterModelBuilder
{
    /// <summary>How many trailing lines of each container log are kept.</summary>
    public const int LogTailLines = 50;

    private static readonly byte[] LogStart = "==== START logs for container "u8.ToArray();
    private readonly ModelSink _sink = new();
    private readonly ItemDraft _draft = new();
    private readonly List<string> _sources = [];

    /// <summary>Loads a snapshot from a file or a dump directory; <c>-</c> reads <paramref name="stdin"/>.</summary>
    public static ClusterModel Load(string path, Stream? stdin = null)
    {
        var builder = new ClusterModelBuilder();
        if (path == "-")
        {
            builder.AddStream(stdin ?? Console.OpenStandardInput(), "stdin");
        }
        else
        {
            builder.AddPath(path);
        }

        return builder.Build();
    }

    /// <summary>Adds a file or a cluster-info dump directory.</summary>
    public ClusterModelBuilder AddPath(string path)
    {
        if (Directory.Exists(path))
        {
            return AddDumpDirectory(path);
        }

        if (!File.Exists(path))
        {
            throw new UserInputException($"snapshot '{path}': no such file or directory");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        if (Parallelism > 1 && TryAddInParallel(stream, path))
        {
            return this;
        }

        return AddStream(stream, path);
    }

    /// <summary>How many cores a large file may be parsed on (default: all of them, at most 8).</summary>
    public int Parallelism { get; init; } = Math.Min(Environment.ProcessorCount, 8);

    // Many more ranges than threads, taken in turn: the cost per byte differs (pods, events, nodes), and a thread that
    // draws a slow range last keeps the others waiting for at most one small range.
    private const int RangesPerThread = 16;

    /// <summary>How many byte ranges were parsed in parallel so far (0: every input was read in one pass).</summary>
    internal int ParallelRanges { get; private set; }

    /// <summary>The smallest byte range parsed on a core of its own (tests lower it to exercise the split).</summary>
    internal long MinParallelRangeBytes { get; init; } = ParallelSplit.MinRangeBytes;

    /// <summary>
    /// Parses a large pretty-printed kubectl List on several cores (see <see cref="ParallelSplit"/>); false, with nothing
    /// added, when the file cannot be split or a range fails to parse (the caller then reads it in one pass).
    /// </summary>
    private bool TryAddInParallel(FileStream stream, string path)
    {
        var plan = ParallelSplit.Plan(stream.SafeFileHandle, stream.Length, Parallelism * RangesPerThread, MinParallelRangeBytes);
        if (plan is null)
        {
            return false;
        }

        var sinks = new ModelSink[plan.Count];
        var next = -1;
        var failed = 0;
        void Work()
        {
            var pool = new StringPool();
            int i;
            while (Volatile.Read(ref failed) == 0 && (i = Interlocked.Increment(ref next)) < plan.Count)
            {
                try
                {
                    var sink = new ModelSink(pool);
                    using var range = new RangeStream(stream.SafeFileHandle, plan[i]);
                    ParseJson(range, sink, new ItemDraft(), path, defaultKind: null, plan[i].FirstDocumentKind, allowComments: false);
                    sinks[i] = sink;
                }
                catch (Exception)
                {
                    // Any failure (malformed input included) is left to the sequential pass, which reports it as it always has.
                    Interlocked.Exchange(ref failed, 1);
                }
            }
        }

        var others = new Thread[Math.Min(Parallelism, plan.Count) - 1];
        for (var t = 0; t < others.Length; t++)
        {
            others[t] = new Thread(Work) { IsBackground = true, Name = $"kubemedic-parse-{t + 1}" };
            others[t].Start();
        }

        Work();
        foreach (var thread in others)
        {
            thread.Join();
        }

        if (failed != 0)
        {
            return false;
        }

        if (!_sources.Contains(path))
        {
            _sources.Add(path);
        }

        _sink.MergeFrom(sinks);

        ParallelRanges += plan.Count;
        return true;
    }

    /// <summary>Adds a <c>kubectl cluster-info dump --output-directory</c> folder (JSON or YAML files, logs.txt).</summary>
    public ClusterModelBuilder AddDumpDirectory(string dir)
    {
        var files = Directory.EnumerateFiles(dir, "*.*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 2 })
            .Where(f => f.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)
                || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            throw new UserInputException($"snapshot directory '{dir}': no cluster-info dump files (nodes.json, <namespace>/pods.json, ...) in it");
        }

        foreach (var file in files)
        {
            using var stream = File.OpenRead(file);
            if (stream.Length == 0)
            {
                continue;
            }

            AddStream(stream, file);
        }

        foreach (var logFile in Directory.EnumerateFiles(dir, "logs.txt", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3 }))
        {
            AddDumpLogText(File.ReadLines(logFile));
        }

        return this;
    }

    /// <summary>Adds JSON or YAML from a stream (the format is detected from the first non-blank byte).</summary>
    public ClusterModelBuilder AddStream(Stream stream, string sourceName)
    {
        var buffered = stream.CanSeek ? stream : PrefixStream.Buffer(stream);
        var first = PeekFirstByte(buffered);
        if (first < 0)
        {
            throw new UserInputException($"snapshot '{sourceName}': empty (no JSON or YAML documents)");
        }

        return first is '{' or '[' or '=' ? AddJson(buffered, sourceName) : AddYaml(buffered, sourceName);
    }

    /// <summary>Adds JSON: one or more concatenated documents (objects or arrays of objects).</summary>
    public ClusterModelBuilder AddJson(Stream stream, string sourceName) => AddJson(stream, sourceName, defaultKind: null);

    /// <summary>
    /// Adds JSON whose items may lack <c>kind</c> (typed API lists serialised by a client): <paramref name="defaultKind"/>
    /// (e.g. "Pod") is used for them.
    /// </summary>
    public ClusterModelBuilder AddJson(Stream stream, string sourceName, string? defaultKind)
    {
        if (!_sources.Contains(sourceName))
        {
            _sources.Add(sourceName);
        }

        ParseJson(stream, _sink, _draft, sourceName, defaultKind);
        return this;
    }

    /// <summary>Parses JSON documents (and the log sections between them) from <paramref name="stream"/> into <paramref name="sink"/>.</summary>
    private static void ParseJson(Stream stream, ModelSink sink, ItemDraft draft, string sourceName, string? defaultKind, string? firstDocumentKind = null, bool allowComments = true)
    {
        var js = new JsonStream(stream, sink.Pool, allowComments: allowComments) { MaxTime = sink.MaxTime };
        try
        {
            var documents = 0;
            while (true)
            {
                while (js.PeekStartsWith(LogStart))
                {
                    ReadLogSection(ref js, sink);
                }

                if (!js.Read())
                {
                    break;
                }

                documents++;
                if (js.TokenType == JsonTokenType.StartObject)
                {
                    KubeJsonParser.ReadDocument(ref js, sink, draft, documents == 1 ? firstDocumentKind ?? defaultKind : defaultKind);
                }
                else if (js.TokenType == JsonTokenType.StartArray)
                {
                    while (js.NextElement())
                    {
                        js.ExpectObject("an element of the top-level array");
                        KubeJsonParser.ReadDocument(ref js, sink, draft, defaultKind);
                    }
                }
                else
                {
                    throw new SnapshotFormatException($"expected a JSON object or array, found {js.TokenType}");
                }
            }

            if (documents == 0)
            {
                throw new UserInputException($"snapshot '{sourceName}': empty (no JSON documents)");
            }

            sink.MaxTime = js.MaxTime;
        }
        catch (JsonException ex)
        {
            throw new UserInputException($"snapshot '{sourceName}': truncated or malformed JSON near byte {js.Position}: {FirstSentence(ex.Message)}", ex);
        }
        catch (SnapshotFormatException ex)
        {
            throw new UserInputException($"snapshot '{sourceName}': {ex.Message} (near byte {js.Position})", ex);
        }
        finally
        {
            js.Dispose();
        }
    }

    /// <summary>Adds multi-document YAML (each document is converted to JSON and parsed like kubectl JSON).</summary>
    public ClusterModelBuilder AddYaml(Stream stream, string sourceName)
    {
        var deserializer = new DeserializerBuilder().Build();
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
        var documents = 0;
        try
        {
            var parser = new Parser(reader);
            parser.Consume<StreamStart>();
            while (parser.Accept<DocumentStart>(out _))
            {
                var doc = deserializer.Deserialize<object?>(parser);
                if (doc is null)
                {
                    continue;
                }

                if (doc is not Dictionary<object, object?> and not List<object?>)
                {
                    throw new UserInputException($"snapshot '{sourceName}': document {documents + 1} is not a Kubernetes object (a YAML mapping), nor JSON");
                }

                documents++;
                using var json = new MemoryStream();
                using (var writer = new Utf8JsonWriter(json))
                {
                    WriteYamlAsJson(writer, doc, topLevelObject: true);
                }

                json.Position = 0;
                AddJson(json, sourceName);
            }
        }
        catch (YamlException ex)
        {
            throw new UserInputException($"snapshot '{sourceName}': malformed YAML at line {ex.Start.Line}: {FirstSentence(ex.Message)}", ex);
        }

        if (documents == 0)
        {
            throw new UserInputException($"snapshot '{sourceName}': empty (no JSON or YAML documents)");
        }

        return this;
    }

    /// <summary>Adds container logs, e.g. fetched live.</summary>
    public ClusterModelBuilder AddLog(ContainerLog log)
    {
        _sink.AddLog(log);
        return this;
    }

    /// <summary>Freezes the model. Fails if nothing in the input was a Kubernetes kind the model reads.</summary>
    public ClusterModel Build()
    {
        if (_sink.RecognisedItems == 0 && _sink.Items > 0)
        {
            throw new UserInputException(
                $"snapshot '{string.Join("', '", _sources.Take(3))}': no Kubernetes objects of a kind kubemedic reads (found {string.Join(", ", _sink.IgnoredKinds.Take(5))}); expected Pods, Nodes, Deployments, ... as kubectl get -o json prints them");
        }

        return _sink.Build();
    }

    /// <summary>Builds an empty model with no objects (a source that returned nothing).</summary>
    public ClusterModel BuildAllowEmpty() => _sink.Build();

    private static void ReadLogSection(ref JsonStream js, ModelSink sink)
    {
        var header = js.ReadRawLine() ?? "";
        while (header.Length == 0 && js.ReadRawLine() is { } next)
        {
            header = next;
        }

        if (!header.StartsWith("==== START logs for container ", StringComparison.Ordinal))
        {
            return;
        }

        var lines = new List<string>();
        while (js.ReadRawLine() is { } line)
        {
            if (line.StartsWith("==== END logs for container ", StringComparison.Ordinal))
            {
                break;
            }

            lines.Add(line);
        }

        AddParsedLog(sink, header, lines);
    }

    private void AddDumpLogText(IEnumerable<string> text)
    {
        string? header = null;
        var lines = new List<string>();
        foreach (var line in text)
        {
            if (line.StartsWith("==== START logs for container ", StringComparison.Ordinal))
            {
                header = line;
                lines = [];
            }
            else if (line.StartsWith("==== END logs for container ", StringComparison.Ordinal))
            {
                if (header is not null)
                {
                    AddParsedLog(_sink, header, lines);
                }

                header = null;
            }
            else if (header is not null)
            {
                lines.Add(line);
            }
        }
    }

    private static void AddParsedLog(ModelSink sink, string header, List<string> lines)
    {
        // ==== START logs for container C of pod NS/POD ====
        var rest = header["==== START logs for container ".Length..].TrimEnd('=', ' ');
        var ofPod = rest.IndexOf(" of pod ", StringComparison.Ordinal);
        if (ofPod < 0)
        {
            return;
        }

        var container = rest[..ofPod];
        var nsPod = rest[(ofPod + 8)..].Split('/', 2);
        if (nsPod.Length != 2)
        {
            return;
        }

        var tail = lines.Count > LogTailLines ? lines.GetRange(lines.Count - LogTailLines, LogTailLines) : lines;
        sink.AddLog(new ContainerLog(nsPod[0], nsPod[1], container, Previous: false, tail));
    }

    private static int PeekFirstByte(Stream stream)
    {
        var start = stream.Position;
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = stream.Read(buffer, 0, buffer.Length);
                if (n == 0)
                {
                    return -1;
                }

                for (var i = 0; i < n; i++)
                {
                    var b = buffer[i];
                    if (b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or 0xEF or 0xBB or 0xBF)
                    {
                        continue;
                    }

                    return b;
                }
            }
        }
        finally
        {
            stream.Position = start;
        }
    }

    private static void WriteYamlAsJson(Utf8JsonWriter writer, object? node, bool topLevelObject = false)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case Dictionary<object, object?> map:
                writer.WriteStartObject();

                // kind first, so items can be routed while streaming
                if (topLevelObject || map.ContainsKey("kind"))
                {
                    foreach (var key in new[] { "kind", "apiVersion" })
                    {
                        if (map.TryGetValue(key, out var v) && v is string s)
                        {
                            writer.WriteString(key, s);
                        }
                    }
                }

                foreach (var (key, value) in map)
                {
                    var name = key.ToString() ?? "";
                    if (name is "kind" or "apiVersion" && value is string)
                    {
                        continue;
                    }

                    writer.WritePropertyName(name);
                    WriteYamlAsJson(writer, value);
                }

                writer.WriteEndObject();
                break;
            case List<object?> list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    WriteYamlAsJson(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(node.ToString());
                break;
        }
    }

    private static string FirstSentence(string message)
    {
        var oneLine = message.ReplaceLineEndings(" ");
        var cut = oneLine.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? oneLine[..cut] : oneLine).Trim();
    }

    /// <summary>Makes a non-seekable stream (stdin) peekable: the first bytes are held in memory and can be re-read.</summary>
    private sealed class PrefixStream(byte[] prefix, int prefixLength, Stream inner) : ReadOnlyStream
    {
        private int _position;
        private bool _rewound;

        public static PrefixStream Buffer(Stream inner)
        {
            var prefix = new byte[64 * 1024];
            var n = 0;
            int read;
            while (n < prefix.Length && (read = inner.Read(prefix, n, prefix.Length - n)) > 0)
            {
                n += read;
            }

            return new PrefixStream(prefix, n, inner);
        }

        public override bool CanSeek => !_rewound || _position < prefixLength;

        public override long Position
        {
            get => _position;
            set
            {
                if (value > prefixLength || _position > prefixLength)
                {
                    throw new NotSupportedException();
                }

                _position = (int)value;
                _rewound = true;
            }
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position < prefixLength)
            {
                var n = Math.Min(count, prefixLength - _position);
                Array.Copy(prefix, _position, buffer, offset, n);
                _position += n;
                return n;
            }

            var read = inner.Read(buffer, offset, count);
            _position += read;
            return read;
        }

    }
}
