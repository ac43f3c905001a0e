using System.Diagnostics;
using System.Text.Json;
using KubeMedic.Bench;

// kubemedic benchmarks (see bench/README.md):
//   generate FILE [--nodes N] [--pods N] [--events N] [--compact]
//                                                      write a v1 List as kubectl -o json prints it (--compact: one line)
//   floor FILE                                         a bare Utf8JsonReader pass over FILE (the floor)
//   profile FILE                                       load + analyzer timings, GC counts; KM_ALLOC=1 adds allocations by type
if (args.Length >= 2 && args[0] == "generate")
{
    int Arg(string name, int fallback) => Array.IndexOf(args, name) is var i && i > 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    var sw = Stopwatch.StartNew();
    var counts = SnapshotGenerator.Write(args[1], Arg("--nodes", 5_000), Arg("--pods", 150_000), Arg("--events", 300_000), compact: args.Contains("--compact"));
    Console.WriteLine($"generated {args[1]}: {counts} in {sw.Elapsed.TotalSeconds:0.0}s, {new FileInfo(args[1]).Length / 1e6:0} MB");
    return 0;
}

if (args.Length >= 2 && args[0] == "floor")
{
    var sw = Stopwatch.StartNew();
    var tokens = Floor.CountTokens(args[1]);
    Console.WriteLine($"floor: {tokens:N0} tokens in {sw.Elapsed.TotalSeconds:0.000}s");
    return 0;
}

if (args.Length >= 2 && args[0] == "profile")
{
    using var allocations = Environment.GetEnvironmentVariable("KM_ALLOC") is { Length: > 0 } ? new AllocationSampler() : null;
    var sw = Stopwatch.StartNew();
    var model = KubeMedic.Core.Model.ClusterModelBuilder.Load(args[1]);
    allocations?.Print();
    var load = sw.Elapsed.TotalSeconds;
    Console.WriteLine($"  load cpu {Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:0.00}s, allocated {GC.GetTotalAllocatedBytes() / 1e6:0} MB, gen0/1/2 GCs {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, GC pause {GC.GetTotalPauseDuration().TotalSeconds:0.00}s");
    foreach (var analyzer in KubeMedic.Core.Analysis.DiagnosisEngine.Default.Analyzers)
    {
        var t0 = sw.Elapsed.TotalSeconds;
        var n = analyzer.Analyze(new KubeMedic.Core.Analysis.AnalysisContext(model, new())).Count();
        Console.WriteLine($"  {analyzer.Family}: {sw.Elapsed.TotalSeconds - t0:0.000}s ({n})");
    }

    load = sw.Elapsed.TotalSeconds;
    var result = KubeMedic.Core.Analysis.DiagnosisEngine.Default.Diagnose(model);
    var diagnose = sw.Elapsed.TotalSeconds - load;
    Console.WriteLine($"load {load:0.000}s ({model.ObjectCount:N0} objects), diagnose {diagnose:0.000}s ({result.Findings.Count} findings), GC heap {GC.GetTotalMemory(false) / 1e6:0} MB");
    return 0;
}

Console.Error.WriteLine("usage: KubeMedic.Bench generate FILE [--nodes N --pods N --events N --compact] | floor FILE | profile FILE");
return 2;

namespace KubeMedic.Bench
{
    /// <summary>The floor: one Utf8JsonReader pass over the file with the same 1 MiB refilled buffer the parser uses.</summary>
    internal static class Floor
    {
        public static long CountTokens(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            var buffer = new byte[1 << 20];
            var state = new JsonReaderState(new JsonReaderOptions { AllowMultipleValues = true });
            int length = 0;
            long tokens = 0;
            var final = false;
            while (!final)
            {
                int n;
                while (length < buffer.Length && (n = stream.Read(buffer, length, buffer.Length - length)) > 0)
                {
                    length += n;
                }

                final = length < buffer.Length;
                var reader = new Utf8JsonReader(buffer.AsSpan(0, length), final, state);
                while (reader.Read())
                {
                    tokens++;
                }

                state = reader.CurrentState;
                var consumed = (int)reader.BytesConsumed;
                Buffer.BlockCopy(buffer, consumed, buffer, 0, length - consumed);
                length -= consumed;
            }

            return tokens;
        }
    }

    /// <summary>Tallies the runtime's AllocationTick events (one per ~100 KB allocated) by type: where the allocations go.</summary>
    internal sealed class AllocationSampler : System.Diagnostics.Tracing.EventListener
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _bytes = new();

        protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
        {
            if (e.EventName == "GCAllocationTick_V4" && e.Payload is { } p && e.PayloadNames is { } names)
            {
                var type = p[names.IndexOf("TypeName")]?.ToString() ?? "?";
                var amount = Convert.ToInt64(p[names.IndexOf("AllocationAmount64")], System.Globalization.CultureInfo.InvariantCulture);
                _bytes.AddOrUpdate(type, amount, (_, v) => v + amount);
            }
        }

        public void Print()
        {
            foreach (var (type, bytes) in _bytes.OrderByDescending(kv => kv.Value).Take(25))
            {
                Console.WriteLine($"  alloc {bytes / 1e6,8:0.0} MB  {type}");
            }
        }
    }
}
