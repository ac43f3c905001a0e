using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using KubeMedic.Simulator.Store;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubeMedic.Simulator.Scenarios;

/// <summary>
/// Reads a scenario YAML (docs/scenarios.md). Every problem is reported as a <see cref="ScenarioException"/>
/// with the file, the line and the reason.
/// </summary>
internal static class ScenarioLoader
{
    private static readonly HashSet<string> TopLevel = ["name", "description", "warmup", "recordEvents", "nodes", "images", "apps", "manifests", "faults"];

    /// <summary>The bundled scenario names (scenarios/*.yaml next to the assembly).</summary>
    public static IReadOnlyList<string> Bundled()
    {
        var dir = BundledDirectory();
        return dir is null ? [] : Directory.GetFiles(dir, "*.yaml").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToList();
    }

    public static string? BundledDirectory()
    {
        var baseDir = Path.GetDirectoryName(typeof(ScenarioLoader).Assembly.Location) ?? AppContext.BaseDirectory;
        foreach (var candidate in new[] { Path.Combine(baseDir, "scenarios"), Path.Combine(AppContext.BaseDirectory, "scenarios") })
        {
            if (Directory.Exists(candidate)) return candidate;
        }

        return null;
    }

    /// <summary>Loads a bundled scenario by name, or a file by path.</summary>
    public static Scenario Load(string nameOrPath)
    {
        string path;
        if (File.Exists(nameOrPath))
        {
            path = nameOrPath;
        }
        else if (!nameOrPath.Contains('/') && !nameOrPath.Contains('\\') && BundledDirectory() is { } dir && File.Exists(Path.Combine(dir, nameOrPath + ".yaml")))
        {
            path = Path.Combine(dir, nameOrPath + ".yaml");
        }
        else
        {
            var names = Bundled();
            throw new ScenarioException($"scenario \"{nameOrPath}\" not found: not a file, and not a bundled scenario ({string.Join(", ", names)})");
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioException($"{path}: cannot read: {ex.Message}");
        }

        return Parse(text, path);
    }

    public static Scenario Parse(string text, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new ScenarioException(file, ex.Start.Line, (ex.InnerException?.Message ?? ex.Message).ReplaceLineEndings(" "));
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ScenarioException(file, 1, "a scenario is one YAML document with a mapping at the top (name, nodes, manifests, ...)");
        }

        foreach (var (k, _) in root.Children)
        {
            var key = Scalar(k, file);
            if (!TopLevel.Contains(key)) throw new ScenarioException(file, k.Start.Line, $"unknown field \"{key}\" (expected one of: {string.Join(", ", TopLevel)})");
        }

        var name = Get(root, "name") is { } n ? Scalar(n, file) : Path.GetFileNameWithoutExtension(file);
        var scenario = new Scenario
        {
            Name = name,
            Source = file,
            Description = Get(root, "description") is { } d ? Scalar(d, file) : "",
            Warmup = Get(root, "warmup") is { } w ? Duration(w, file) : TimeSpan.Zero,
            RecordEvents = Get(root, "recordEvents") is not { } re || Bool(re, file),
        };

        var nodes = Get(root, "nodes");
        if (nodes is not null)
        {
            foreach (var item in Seq(nodes, file, "nodes")) scenario.Nodes.AddRange(ParseNodes(item, file));
        }

        if (scenario.Nodes.Count == 0) throw new ScenarioException(file, root.Start.Line, "a scenario needs at least one node under \"nodes\"");
        var dup = scenario.Nodes.GroupBy(x => x.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ScenarioException(file, nodes!.Start.Line, $"node \"{dup.Key}\" is declared twice");

        if (Get(root, "images") is { } images)
        {
            foreach (var item in Seq(images, file, "images")) scenario.Images.Add(Scalar(item, file));
        }

        if (Get(root, "apps") is { } apps)
        {
            foreach (var item in Seq(apps, file, "apps")) scenario.Apps.Add(ParseApp(item, file));
        }

        if (Get(root, "manifests") is { } manifests)
        {
            if (manifests is not YamlScalarNode ms) throw new ScenarioException(file, manifests.Start.Line, "\"manifests\" must be a block string (manifests: |) holding Kubernetes YAML documents");
            // Block scalar content starts on the line after the "manifests: |" key.
            var offset = ms.Start.Line;
            foreach (var (node, line) in YamlJson.ParseDocuments(ms.Value ?? "", file, offset))
            {
                if (node is not JsonObject obj) throw new ScenarioException(file, line, "each manifest must be a Kubernetes object (a mapping)");
                ValidateManifest(obj, file, line);
                if (obj.Str("kind") == "List")
                {
                    foreach (var item in obj.Arr("items").Objects())
                    {
                        ValidateManifest(item, file, line);
                        scenario.Manifests.Add((JsonObject)item.DeepClone());
                    }
                }
                else
                {
                    scenario.Manifests.Add(obj);
                }
            }
        }

        if (Get(root, "faults") is { } faults)
        {
            foreach (var item in Seq(faults, file, "faults")) scenario.Faults.Add(ParseFault(item, file, scenario));
        }

        return scenario;
    }

    private static void ValidateManifest(JsonObject obj, string file, long line)
    {
        var apiVersion = obj.Str("apiVersion");
        var kind = obj.Str("kind");
        if (string.IsNullOrEmpty(apiVersion)) throw new ScenarioException(file, line, "manifest has no apiVersion");
        if (string.IsNullOrEmpty(kind)) throw new ScenarioException(file, line, "manifest has no kind");
        if (kind == "List") return;
        if (Resources.TryByKind(apiVersion, kind) is null) throw new ScenarioException(file, line, $"manifest kind \"{kind}\" ({apiVersion}) is not served by the simulator");
        if (string.IsNullOrEmpty(obj.Name())) throw new ScenarioException(file, line, $"{kind} manifest has no metadata.name");
    }

    private static IEnumerable<NodeModel> ParseNodes(YamlNode item, string file)
    {
        if (item is not YamlMappingNode map) throw new ScenarioException(file, item.Start.Line, "each node must be a mapping with at least a name");
        Allow(map, file, "node", "name", "count", "cpu", "memory", "pods", "labels", "taints", "unschedulable");
        var name = Get(map, "name") is { } n ? Scalar(n, file) : throw new ScenarioException(file, map.Start.Line, "node has no name");
        var count = Get(map, "count") is { } c ? Int(c, file) : 1;
        var cpu = Get(map, "cpu") is { } cp ? Quantity(cp, file) : "4";
        var memory = Get(map, "memory") is { } m ? Quantity(m, file) : "8Gi";
        var pods = Get(map, "pods") is { } p ? Quantity(p, file) : "110";
        var labels = Get(map, "labels") is { } l ? StringMap(l, file) : [];
        var taints = new List<JsonObject>();
        if (Get(map, "taints") is { } t)
        {
            foreach (var taint in Seq(t, file, "taints"))
            {
                if (YamlJson.ToJson(taint) is not JsonObject to || to.Str("key") is null || to.Str("effect") is not ("NoSchedule" or "PreferNoSchedule" or "NoExecute"))
                {
                    throw new ScenarioException(file, taint.Start.Line, "a taint needs key and effect (NoSchedule, PreferNoSchedule or NoExecute)");
                }

                taints.Add(to);
            }
        }

        var unschedulable = Get(map, "unschedulable") is { } u && Bool(u, file);
        for (var i = 1; i <= count; i++)
        {
            var nodeName = count == 1 ? name : $"{name}-{i}";
            yield return new NodeModel { Name = nodeName, Cpu = cpu, Memory = memory, Pods = pods, Labels = new Dictionary<string, string>(labels), Taints = taints, Unschedulable = unschedulable };
        }
    }

    private static AppModel ParseApp(YamlNode item, string file)
    {
        if (item is not YamlMappingNode map) throw new ScenarioException(file, item.Start.Line, "each app must be a mapping with an image");
        Allow(map, file, "app", "image", "ports", "paths", "startupSeconds", "cpu", "memory", "exit", "logs", "errorRate");
        var image = Get(map, "image") is { } i ? Scalar(i, file) : throw new ScenarioException(file, map.Start.Line, "app has no image");
        var ports = Get(map, "ports") is { } p ? Seq(p, file, "ports").Select(x => Int(x, file)).ToList() : [];
        var paths = Get(map, "paths") is { } pa ? Seq(pa, file, "paths").Select(x => Scalar(x, file)).ToList() : [];
        long baseMem = 32L * 1024 * 1024, leak = 0, spikeTo = 0;
        TimeSpan? spikeAfter = null;
        if (Get(map, "memory") is { } mem)
        {
            if (mem is YamlScalarNode) baseMem = Bytes(mem, file);
            else if (mem is YamlMappingNode mm)
            {
                Allow(mm, file, "memory", "base", "leakPerMinute", "spike");
                if (Get(mm, "base") is { } b) baseMem = Bytes(b, file);
                if (Get(mm, "leakPerMinute") is { } lk) leak = Bytes(lk, file);
                if (Get(mm, "spike") is YamlMappingNode sp)
                {
                    Allow(sp, file, "spike", "after", "to");
                    spikeAfter = Get(sp, "after") is { } af ? Duration(af, file) : TimeSpan.Zero;
                    spikeTo = Get(sp, "to") is { } to ? Bytes(to, file) : throw new ScenarioException(file, sp.Start.Line, "spike needs \"to\"");
                }
            }
            else throw new ScenarioException(file, mem.Start.Line, "memory must be a quantity or a mapping (base, leakPerMinute, spike)");
        }

        TimeSpan? exitAfter = null;
        var exitCode = 0;
        if (Get(map, "exit") is YamlMappingNode ex)
        {
            Allow(ex, file, "exit", "after", "code");
            exitAfter = Get(ex, "after") is { } a ? Duration(a, file) : TimeSpan.Zero;
            exitCode = Get(ex, "code") is { } cd ? Int(cd, file) : 0;
        }

        var startup = new List<string>();
        var periodic = new List<(TimeSpan, string)>();
        var exitLogs = new List<string>();
        var oomLogs = new List<string>();
        if (Get(map, "logs") is YamlMappingNode logs)
        {
            Allow(logs, file, "logs", "startup", "periodic", "exit", "oom");
            if (Get(logs, "startup") is { } s) startup.AddRange(Seq(s, file, "startup").Select(x => Scalar(x, file)));
            if (Get(logs, "exit") is { } e) exitLogs.AddRange(Seq(e, file, "exit").Select(x => Scalar(x, file)));
            if (Get(logs, "oom") is { } o) oomLogs.AddRange(Seq(o, file, "oom").Select(x => Scalar(x, file)));
            if (Get(logs, "periodic") is { } per)
            {
                foreach (var entry in Seq(per, file, "periodic"))
                {
                    if (entry is not YamlMappingNode em || Get(em, "every") is not { } every || Get(em, "line") is not { } line)
                    {
                        throw new ScenarioException(file, entry.Start.Line, "a periodic log needs \"every\" and \"line\"");
                    }

                    periodic.Add((Duration(every, file), Scalar(line, file)));
                }
            }
        }

        return new AppModel
        {
            Image = image,
            Ports = ports,
            Paths = paths,
            StartupSeconds = Get(map, "startupSeconds") is { } ss ? Double(ss, file) : 0,
            CpuMilli = Get(map, "cpu") is { } cpu ? Store.Quantity.MilliCpu(Quantity(cpu, file)) : 10,
            MemoryBaseBytes = baseMem,
            LeakBytesPerMinute = leak,
            SpikeAfter = spikeAfter,
            SpikeToBytes = spikeTo,
            ExitAfter = exitAfter,
            ExitCode = exitCode,
            StartupLogs = startup,
            PeriodicLogs = periodic,
            ExitLogs = exitLogs,
            OomLogs = oomLogs,
            ErrorRate = Get(map, "errorRate") is { } er ? Double(er, file) : 0,
        };
    }

    private static SimFault ParseFault(YamlNode item, string file, Scenario scenario)
    {
        if (item is not YamlMappingNode map) throw new ScenarioException(file, item.Start.Line, "each fault must be a mapping with \"at\" and \"action\"");
        Allow(map, file, "fault", "at", "action", "node", "namespace", "name", "deployment", "container", "image", "manifest", "selector", "replicas");
        var at = Get(map, "at") is { } a ? Duration(a, file) : throw new ScenarioException(file, map.Start.Line, "fault has no \"at\" (e.g. at: 2m)");
        var action = Get(map, "action") is { } ac ? Scalar(ac, file) : throw new ScenarioException(file, map.Start.Line, "fault has no \"action\"");
        if (!SimFault.Actions.Contains(action))
        {
            throw new ScenarioException(file, Get(map, "action")!.Start.Line, $"unknown fault action \"{action}\" (expected one of: {string.Join(", ", SimFault.Actions)})");
        }

        string? S(string key) => Get(map, key) is { } v ? Scalar(v, file) : null;
        var ns = S("namespace");
        var name = S("name") ?? S("deployment");
        if (name is not null && name.Contains('/') && ns is null)
        {
            ns = name[..name.IndexOf('/')];
            name = name[(name.IndexOf('/') + 1)..];
        }

        var fault = new SimFault(action)
        {
            At = at,
            Node = S("node"),
            Namespace = ns,
            Name = name,
            Container = S("container"),
            Image = S("image"),
            Manifest = S("manifest"),
            Selector = S("selector"),
            Replicas = Get(map, "replicas") is { } r ? Int(r, file) : null,
        };
        var line = map.Start.Line;
        switch (action)
        {
            case "deploy" when fault.Name is null || fault.Image is null:
                throw new ScenarioException(file, line, "deploy needs \"deployment\" (namespace/name) and \"image\"");
            case "stopHeartbeat" or "resumeHeartbeat" when fault.Node is null:
                throw new ScenarioException(file, line, $"{action} needs \"node\"");
            case "stopHeartbeat" or "resumeHeartbeat" when scenario.Nodes.All(n => n.Name != fault.Node):
                throw new ScenarioException(file, line, $"{action}: no node \"{fault.Node}\" in this scenario");
            case "apply" when fault.Manifest is null:
                throw new ScenarioException(file, line, "apply needs \"manifest\" (a block string of Kubernetes YAML)");
            case "deletePod" when fault.Name is null && fault.Selector is null:
                throw new ScenarioException(file, line, "deletePod needs \"name\" or \"selector\"");
            case "scale" when fault.Name is null || fault.Replicas is null:
                throw new ScenarioException(file, line, "scale needs \"deployment\" and \"replicas\"");
        }

        if (action == "apply") YamlJson.ParseDocuments(fault.Manifest!, file, Get(map, "manifest")!.Start.Line);
        return fault;
    }

    private static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static void Allow(YamlMappingNode map, string file, string what, params string[] keys)
    {
        foreach (var (k, _) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            if (!keys.Contains(key)) throw new ScenarioException(file, k.Start.Line, $"unknown field \"{key}\" in {what} (expected one of: {string.Join(", ", keys)})");
        }
    }

    private static IEnumerable<YamlNode> Seq(YamlNode node, string file, string what) =>
        node is YamlSequenceNode s ? s.Children : throw new ScenarioException(file, node.Start.Line, $"\"{what}\" must be a list");

    private static string Scalar(YamlNode node, string file) =>
        node is YamlScalarNode s ? s.Value ?? "" : throw new ScenarioException(file, node.Start.Line, "expected a single value here, found a list or mapping");

    private static int Int(YamlNode node, string file) =>
        int.TryParse(Scalar(node, file), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw new ScenarioException(file, node.Start.Line, $"expected a whole number, found \"{Scalar(node, file)}\"");

    private static double Double(YamlNode node, string file) =>
        double.TryParse(Scalar(node, file), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw new ScenarioException(file, node.Start.Line, $"expected a number, found \"{Scalar(node, file)}\"");

    private static bool Bool(YamlNode node, string file) => Scalar(node, file) switch
    {
        "true" or "True" => true,
        "false" or "False" => false,
        var x => throw new ScenarioException(file, node.Start.Line, $"expected true or false, found \"{x}\""),
    };

    private static string Quantity(YamlNode node, string file)
    {
        var s = Scalar(node, file);
        return Store.Quantity.TryParse(s, out _) ? s : throw new ScenarioException(file, node.Start.Line, $"\"{s}\" is not a quantity (e.g. 500m, 2, 512Mi, 8Gi)");
    }

    private static long Bytes(YamlNode node, string file) => Store.Quantity.Bytes(Quantity(node, file));

    private static Dictionary<string, string> StringMap(YamlNode node, string file)
    {
        if (node is not YamlMappingNode m) throw new ScenarioException(file, node.Start.Line, "expected a mapping of strings");
        return m.Children.ToDictionary(p => Scalar(p.Key, file), p => Scalar(p.Value, file));
    }

    /// <summary>Durations like 90s, 2m, 1h30m, 500ms.</summary>
    public static TimeSpan Duration(YamlNode node, string file)
    {
        var text = Scalar(node, file);
        return TryDuration(text, out var d) ? d : throw new ScenarioException(file, node.Start.Line, $"\"{text}\" is not a duration (e.g. 30s, 2m, 1h30m)");
    }

    public static bool TryDuration(string text, out TimeSpan result)
    {
        result = TimeSpan.Zero;
        text = text.Trim();
        if (text.Length == 0) return false;
        if (text == "0") return true;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.')) i++;
            if (start == i || !double.TryParse(text[start..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return false;
            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i])) i++;
            switch (text[unitStart..i])
            {
                case "ms": result += TimeSpan.FromMilliseconds(n); break;
                case "s": result += TimeSpan.FromSeconds(n); break;
                case "m": result += TimeSpan.FromMinutes(n); break;
                case "h": result += TimeSpan.FromHours(n); break;
                case "d": result += TimeSpan.FromDays(n); break;
                default: return false;
            }
        }

        return true;
    }

    internal static Assembly Assembly => typeof(ScenarioLoader).Assembly;
}
