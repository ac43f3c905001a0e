using System.Buffers;
using System.Text;
using System.Text.Json;

namespace KubeMedic.Core.Model.Parsing;

/// <summary>A malformed snapshot: wrong shape where an object, array or value was expected.</summary>
internal sealed class SnapshotFormatException(string message) : Exception(message);

/// <summary>Interns repeated strings (namespaces, label values, reasons, images) straight from UTF-8 bytes.</summary>
internal sealed class StringPool
{
    private const int MaxInternedBytes = 256;
    private readonly HashSet<string> _set = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public StringPool() => _lookup = _set.GetAlternateLookup<ReadOnlySpan<char>>();

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public string Intern(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxInternedBytes)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        // A direct-mapped cache keyed by the UTF-8 bytes in front of the table: a hit is one hash and one compare.
        var h = Hash(utf8);
        if (utf8.Length <= CachedBytes)
        {
            var slot = (int)(h & (CacheSlots - 1));
            var cached = _cacheValues[slot];
            var key = _cacheBytes.AsSpan(slot * CachedBytes, CachedBytes);
            if (cached is not null && _cacheLengths[slot] == utf8.Length && utf8.SequenceEqual(key[..utf8.Length]))
            {
                return cached;
            }

            var value = InternSlow(utf8, h);
            utf8.CopyTo(key);
            _cacheLengths[slot] = utf8.Length;
            _cacheValues[slot] = value;
            return value;
        }

        return InternSlow(utf8, h);
    }

    private const int CachedBytes = 64;
    private const int CacheSlots = 4096;
    private readonly byte[] _cacheBytes = new byte[CacheSlots * CachedBytes];
    private readonly int[] _cacheLengths = new int[CacheSlots];
    private readonly string?[] _cacheValues = new string?[CacheSlots];

    // The table behind the cache: chained, keyed by the UTF-8 hash; ASCII keys compare bytes to chars without transcoding.
    private static readonly ulong Seed = (ulong)Random.Shared.NextInt64() | 1;
    private int[] _buckets = new int[1024]; // 1-based entry index; 0 = empty
    private Entry[] _entries = new Entry[1024];
    private int _count;

    private struct Entry
    {
        public uint Hash;
        public int Next;
        public string Value;
    }

    /// <summary>A fast, per-process seeded hash of UTF-8 bytes (8 bytes per step).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static uint Hash(ReadOnlySpan<byte> s)
    {
        const ulong K = 0x9E3779B97F4A7C15;
        var h = Seed ^ ((ulong)s.Length * K);
        while (s.Length >= 8)
        {
            h = (h ^ System.Runtime.InteropServices.MemoryMarshal.Read<ulong>(s)) * K;
            h ^= h >> 29;
            s = s[8..];
        }

        if (s.Length >= 4)
        {
            h = (h ^ System.Runtime.InteropServices.MemoryMarshal.Read<uint>(s)) * K;
            h ^= h >> 29;
            s = s[4..];
        }

        foreach (var b in s)
        {
            h = (h ^ b) * K;
        }

        h ^= h >> 32;
        h *= K;
        return (uint)(h >> 32);
    }

    private string InternSlow(ReadOnlySpan<byte> utf8, uint h)
    {
        if (!System.Text.Ascii.IsValid(utf8))
        {
            // Rare: non-ASCII text goes through the transcoding set.
            Span<char> chars = stackalloc char[MaxInternedBytes];
            var n = Encoding.UTF8.GetChars(utf8, chars);
            if (_lookup.TryGetValue(chars[..n], out var existing))
            {
                return existing;
            }

            var added = new string(chars[..n]);
            _set.Add(added);
            return added;
        }

        if (Find(utf8, h) is { } found)
        {
            return found;
        }

        var value = string.Create(utf8.Length, utf8, static (chars, bytes) => System.Text.Ascii.ToUtf16(bytes, chars, out _)); // ASCII: one char per byte
        Add(value, h);
        return value;
    }

    /// <summary>The interned string of these ASCII bytes, if any.</summary>
    private string? Find(ReadOnlySpan<byte> ascii, uint h)
    {
        for (var i = _buckets[h & (uint)(_buckets.Length - 1)]; i > 0; i = _entries[i - 1].Next)
        {
            ref var e = ref _entries[i - 1];
            if (e.Hash == h && e.Value.Length == ascii.Length && System.Text.Ascii.Equals(ascii, e.Value))
            {
                return e.Value;
            }
        }

        return null;
    }

    private void Add(string value, uint h)
    {
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _count * 2);
            _buckets = new int[_entries.Length];
            for (var i = 0; i < _count; i++)
            {
                ref var e = ref _entries[i];
                ref var b = ref _buckets[e.Hash & (uint)(_buckets.Length - 1)];
                e.Next = b;
                b = i + 1;
            }
        }

        ref var bucket = ref _buckets[h & (uint)(_buckets.Length - 1)];
        _entries[_count] = new Entry { Hash = h, Next = bucket, Value = value };
        bucket = ++_count;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    /// <summary>Returns an equal record seen before (records compare by value), so replicas share one instance.</summary>
    public T Share<T>(T value)
        where T : class, IEquatable<T>
    {
        var set = (HashSet<T>)(_records.TryGetValue(typeof(T), out var o) ? o : _records[typeof(T)] = new HashSet<T>());
        if (set.TryGetValue(value, out var existing))
        {
            return existing;
        }

        set.Add(value);
        return value;
    }

    private readonly Dictionary<Type, object> _records = [];

    private readonly Dictionary<int, object> _maps = [];

    /// <summary>Scratch space for the pairs of the map being read (one pool per parsing thread).</summary>
    public List<(string Key, string Value)> Pairs { get; } = new(16);

    /// <summary>
    /// Returns a never-mutated map with exactly <paramref name="pairs"/> (replicas carry the same labels), seen before or
    /// new: the common case allocates nothing. Keys and values are interned, so an identity hash finds equal maps.
    /// </summary>
    public Dictionary<string, string> ShareMap(ReadOnlySpan<(string Key, string Value)> pairs)
    {
        if (pairs.Length > 16)
        {
            return NewMap(pairs);
        }

        var h = pairs.Length;
        foreach (var (k, v) in pairs)
        {
            h += HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(k), System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(v)); // order-independent
        }

        return Dedup(_maps, h, pairs, Matches, NewMap);
    }

    private readonly Dictionary<(Type, int), object> _lists = [];

    /// <summary>
    /// Returns an equal list read before; its elements must come from <see cref="Share{T}"/>, so equal elements are the
    /// same instance and identity compares them.
    /// </summary>
    public List<T> ShareList<T>(List<T> list)
        where T : class
    {
        if (list.Count == 0 || list.Count > 32)
        {
            return list;
        }

        var h = list.Count;
        foreach (var item in list)
        {
            h = HashCode.Combine(h, System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(item));
        }

        return Dedup(_lists, (typeof(T), h), list, SameItems, static l => l);
    }

    /// <summary>
    /// The instance under <paramref name="key"/> that <paramref name="matches"/> the state, else a new one from
    /// <paramref name="create"/> (then kept): nothing is allocated when an equal instance exists.
    /// </summary>
    private static T Dedup<TKey, T, TState>(Dictionary<TKey, object> table, TKey key, TState state, Func<T, TState, bool> matches, Func<TState, T> create)
        where TKey : notnull
        where T : class
        where TState : allows ref struct
    {
        ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(table, key, out var exists);
        if (!exists)
        {
            var first = create(state);
            slot = first;
            return first;
        }

        if (slot is T one)
        {
            if (matches(one, state))
            {
                return one;
            }

            var second = create(state);
            slot = new List<T> { one, second };
            return second;
        }

        var many = (List<T>)slot!;
        foreach (var candidate in many)
        {
            if (matches(candidate, state))
            {
                return candidate;
            }
        }

        var added = create(state);
        many.Add(added);
        return added;
    }

    private static bool SameItems<T>(List<T> a, List<T> b)
        where T : class
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!ReferenceEquals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    private readonly Dictionary<int, object> _containerLists = [];

    /// <summary>
    /// Returns an equal container list read before (the replicas of a template carry the same containers), so the model
    /// keeps one instance: fewer objects survive into the older GC generations.
    /// </summary>
    public List<ContainerSpec> ShareContainers(List<ContainerSpec> list)
    {
        var h = list.Count;
        foreach (var c in list)
        {
            h = HashCode.Combine(h, c.ContentHash());
        }

        return Dedup(_containerLists, h, list, SameContainers, static l => l);
    }

    private static bool SameContainers(List<ContainerSpec> a, List<ContainerSpec> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!a[i].SameAs(b[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Matches(Dictionary<string, string> map, ReadOnlySpan<(string Key, string Value)> pairs)
    {
        if (map.Count != pairs.Length)
        {
            return false;
        }

        foreach (var (k, v) in pairs)
        {
            if (!map.TryGetValue(k, out var w) || !string.Equals(v, w, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static Dictionary<string, string> NewMap(ReadOnlySpan<(string Key, string Value)> pairs)
    {
        var map = new Dictionary<string, string>(pairs.Length);
        foreach (var (k, v) in pairs)
        {
            map[k] = v;
        }

        return map;
    }

    /// <summary>Interns a string already decoded (an escaped JSON string): the same instance as the same text read as bytes.</summary>
    public string Intern(string s)
    {
        if (s.Length > MaxInternedBytes)
        {
            return s;
        }

        if (System.Text.Ascii.IsValid(s))
        {
            Span<byte> ascii = stackalloc byte[MaxInternedBytes];
            System.Text.Ascii.FromUtf16(s, ascii, out var n);
            var h = Hash(ascii[..n]);
            if (Find(ascii[..n], h) is { } found)
            {
                return found;
            }

            Add(s, h);
            return s;
        }

        if (_set.TryGetValue(s, out var existing))
        {
            return existing;
        }

        _set.Add(s);
        return s;
    }
}

/// <summary>
/// A forward-only JSON token stream over a <see cref="Stream"/> with a bounded, refilled buffer: the document is never
/// held whole. Several concatenated top-level documents are allowed. Every value helper first moves onto the value.
/// </summary>
internal ref struct JsonStream
{
    private static readonly JsonReaderOptions Lenient = new() { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip };

    // kubectl never prints comments; a reader that allows them takes a slower path for every token.
    private static readonly JsonReaderOptions Strict = new() { AllowMultipleValues = true };
    private readonly JsonReaderOptions _options;
    private Utf8JsonReader _reader;
    private byte[] _buffer;
    private int _start;
    private int _length;
    private long _dropped;
    private bool _final;
    private readonly Stream? _stream;

    public StringPool Pool;
    public DateTimeOffset MaxTime;

    /// <param name="allowComments">Skip <c>//</c> and <c>/* */</c> comments (hand-written files); false rejects them.</param>
    public JsonStream(Stream stream, StringPool pool, int bufferSize = 1 << 20, bool allowComments = true)
    {
        _options = allowComments ? Lenient : Strict;
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        Pool = pool;
        Fill();
        _reader = new Utf8JsonReader(_buffer.AsSpan(0, _length), _final, new JsonReaderState(_options));
    }

    public readonly JsonTokenType TokenType => _reader.TokenType;

    /// <summary>Byte offset in the input of the current position.</summary>
    public readonly long Position => _dropped + _start + _reader.BytesConsumed;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool Read()
    {
        while (!_reader.Read())
        {
            if (_final)
            {
                return false;
            }

            Refill();
        }

        return true;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Fill()
    {
        while (_length < _buffer.Length)
        {
            var n = _stream!.Read(_buffer, _length, _buffer.Length - _length);
            if (n == 0)
            {
                _final = true;
                break;
            }

            _length += n;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Refill()
    {
        var consumed = _start + (int)_reader.BytesConsumed;
        if (consumed == 0 && _length == _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            Buffer.BlockCopy(_buffer, 0, bigger, 0, _length);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
        else
        {
            Buffer.BlockCopy(_buffer, consumed, _buffer, 0, _length - consumed);
            _length -= consumed;
            _dropped += consumed;
        }

        _start = 0;
        Fill();
        _reader = new Utf8JsonReader(_buffer.AsSpan(0, _length), _final, _reader.CurrentState);
    }

    /// <summary>
    /// Between top-level documents: true if the next non-blank bytes start with <paramref name="prefix"/>
    /// (used for the log sections of <c>kubectl cluster-info dump</c>'s stdout form).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool PeekStartsWith(ReadOnlySpan<byte> prefix)
    {
        while (true)
        {
            var pos = _start + (int)_reader.BytesConsumed;
            while (pos < _length && _buffer[pos] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
            {
                pos++;
            }

            if (_length - pos >= prefix.Length || _final)
            {
                return _buffer.AsSpan(pos, _length - pos).StartsWith(prefix);
            }

            Refill();
        }
    }

    /// <summary>Between top-level documents: reads one raw text line (without the newline), or null at the end.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public string? ReadRawLine()
    {
        while (true)
        {
            var pos = _start + (int)_reader.BytesConsumed;
            var nl = _buffer.AsSpan(pos, _length - pos).IndexOf((byte)'\n');
            if (nl >= 0 || _final)
            {
                var end = nl >= 0 ? pos + nl : _length;
                if (end == pos && nl < 0)
                {
                    return null;
                }

                var line = Encoding.UTF8.GetString(_buffer, pos, end - pos).TrimEnd('\r');
                _start = nl >= 0 ? end + 1 : end;
                _reader = new Utf8JsonReader(_buffer.AsSpan(_start, _length - _start), _final, new JsonReaderState(_options));
                return line;
            }

            Refill();
        }
    }

    /// <summary>True if the current property name equals <paramref name="name"/>.</summary>
    public readonly bool Is(ReadOnlySpan<byte> name) =>
        _reader.ValueIsEscaped ? _reader.ValueTextEquals(name) : _reader.ValueSpan.SequenceEqual(name);

    /// <summary>Moves to the next property; false at the end of the object.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool NextProperty()
    {
        Read();
        return _reader.TokenType == JsonTokenType.PropertyName;
    }

    /// <summary>Moves to the next array element; false at the end of the array.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool NextElement()
    {
        Read();
        return _reader.TokenType != JsonTokenType.EndArray;
    }

    /// <summary>Moves onto a value that must be an object; false (value skipped) if it is null.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool EnterObject(string what)
    {
        Read();
        return _reader.TokenType switch
        {
            JsonTokenType.StartObject => true,
            JsonTokenType.Null => false,
            _ => throw new SnapshotFormatException($"expected an object for {what}, found {_reader.TokenType}"),
        };
    }

    /// <summary>Moves onto a value that must be an array; false if it is null.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool EnterArray(string what)
    {
        Read();
        return _reader.TokenType switch
        {
            JsonTokenType.StartArray => true,
            JsonTokenType.Null => false,
            _ => throw new SnapshotFormatException($"expected an array for {what}, found {_reader.TokenType}"),
        };
    }

    /// <summary>The current token must start an object (e.g. an array element).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public readonly void ExpectObject(string what)
    {
        if (_reader.TokenType != JsonTokenType.StartObject)
        {
            throw new SnapshotFormatException($"expected an object for {what}, found {_reader.TokenType}");
        }
    }

    /// <summary>Skips the value after the current property name.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void SkipValue()
    {
        Read();
        SkipCurrent();
    }

    /// <summary>Skips the current token's children, if it starts an object or array.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void SkipCurrent()
    {
        if (_reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }

        if (_reader.TrySkip())
        {
            return;
        }

        var depth = _reader.CurrentDepth;
        while (Read())
        {
            if (_reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray && _reader.CurrentDepth == depth)
            {
                return;
            }
        }
    }

    /// <summary>The current property name, interned.</summary>
    public readonly string PropertyName() => CurrentString()!;

    /// <summary>Reads a string value that is unique per object (names, uids): not interned.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public string? UniqueString()
    {
        Read();
        return _reader.TokenType == JsonTokenType.String ? _reader.GetString() : CurrentString();
    }

    /// <summary>Reads a string value (interned); numbers and booleans are returned as their text.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public string? String()
    {
        Read();
        return CurrentString();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public readonly string? CurrentString()
    {
        switch (_reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String or JsonTokenType.PropertyName:
                return _reader.ValueIsEscaped ? Pool.Intern(_reader.GetString()!) : Pool.Intern(_reader.ValueSpan);
            case JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False:
                return Pool.Intern(_reader.ValueSpan);
            default:
                throw new SnapshotFormatException($"expected a string, found {_reader.TokenType}");
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int? Int()
    {
        Read();
        return _reader.TokenType switch
        {
            JsonTokenType.Number when _reader.TryGetInt32(out var v) => v,
            JsonTokenType.Number => (int)Math.Clamp(_reader.GetDouble(), int.MinValue, int.MaxValue),
            JsonTokenType.String when int.TryParse(_reader.ValueSpan, out var v) => v,
            JsonTokenType.Null => null,
            _ => throw new SnapshotFormatException($"expected a number, found {_reader.TokenType}"),
        };
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public long? Long()
    {
        Read();
        return _reader.TokenType switch
        {
            JsonTokenType.Number when _reader.TryGetInt64(out var v) => v,
            JsonTokenType.Null => null,
            JsonTokenType.String when long.TryParse(_reader.ValueSpan, out var v) => v,
            _ => throw new SnapshotFormatException($"expected a number, found {_reader.TokenType}"),
        };
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool Bool()
    {
        Read();
        return _reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False or JsonTokenType.Null => false,
            JsonTokenType.String => _reader.ValueTextEquals("true"u8),
            _ => throw new SnapshotFormatException($"expected true or false, found {_reader.TokenType}"),
        };
    }

    /// <summary>Reads an RFC 3339 timestamp; null if absent or unparseable. Tracks the latest time seen.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public DateTimeOffset? Time()
    {
        Read();
        if (_reader.TokenType == JsonTokenType.String && _reader.TryGetDateTimeOffset(out var t))
        {
            if (t > MaxTime)
            {
                MaxTime = t;
            }

            return t;
        }

        if (_reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
        {
            SkipCurrent();
        }

        return null;
    }
}
