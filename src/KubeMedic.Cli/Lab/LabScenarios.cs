using KubeMedic.Core;
using YamlDotNet.RepresentationModel;

namespace KubeMedic.Cli.Lab;

/// <summary>One problem of a scenario with its progressive hints: where to look, what is wrong, the fix.</summary>
internal sealed record LabProblem(string Name, string Title, IReadOnlyList<string> Hints);

/// <summary>A lab scenario: the simulator scenario plus the lab's goal, problems and hints (<c>scenarios/hints/NAME.yaml</c>).</summary>
internal sealed record LabScenario(string Name, string Description, string Title, string Goal, IReadOnlyList<LabProblem> Problems)
{
    public static readonly string[] HintLevels = ["Where to look", "What is wrong", "The fix"];
}

/// <summary>Finds the bundled scenarios and their hint files.</summary>
internal static class LabScenarios
{
    /// <summary>Folders holding scenario YAML: beside the binary, then the repository's scenarios/ (when run from a checkout).</summary>
    public static IEnumerable<string> Folders()
    {
        yield return Path.Combine(AppContext.BaseDirectory, "scenarios");
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KubeMedic.slnx"))) dir = dir.Parent;
        if (dir is not null) yield return Path.Combine(dir.FullName, "scenarios");
    }

    public static IReadOnlyList<LabScenario> All()
    {
        var names = Folders().Where(Directory.Exists)
            .SelectMany(f => Directory.GetFiles(f, "*.yaml"))
            .Select(f => Path.GetFileNameWithoutExtension(f))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        return names.Select(Load).ToList();
    }

    public static LabScenario Load(string name)
    {
        var scenarioFile = Folders().Select(f => Path.Combine(f, name + ".yaml")).FirstOrDefault(File.Exists)
            ?? (File.Exists(name) ? name : throw new UserInputException($"unknown scenario \"{name}\" (see `kubemedic lab list`)"));
        var description = Scalar(Root(scenarioFile), "description") ?? "";
        var shortName = Path.GetFileNameWithoutExtension(scenarioFile);
        var hintsFile = Folders().Select(f => Path.Combine(f, "hints", shortName + ".yaml")).FirstOrDefault(File.Exists);
        if (hintsFile is null) return new LabScenario(shortName, description, shortName, "Make every check of `kubemedic lab verify` pass.", []);
        var root = Root(hintsFile);
        var problems = new List<LabProblem>();
        if (root.Children.TryGetValue(new YamlScalarNode("problems"), out var ps) && ps is YamlSequenceNode seq)
        {
            foreach (var p in seq.Children.OfType<YamlMappingNode>())
            {
                var hints = p.Children.TryGetValue(new YamlScalarNode("hints"), out var h) && h is YamlSequenceNode hs
                    ? hs.Children.OfType<YamlScalarNode>().Select(x => x.Value ?? "").ToList()
                    : [];
                problems.Add(new LabProblem(Scalar(p, "name") ?? "?", Scalar(p, "title") ?? "", hints));
            }
        }

        return new LabScenario(shortName, description, Scalar(root, "title") ?? shortName, Scalar(root, "goal") ?? "Make every check of `kubemedic lab verify` pass.", problems);
    }

    private static YamlMappingNode Root(string file)
    {
        try
        {
            var stream = new YamlStream();
            using var reader = new StreamReader(file);
            stream.Load(reader);
            return stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode m ? m : new YamlMappingNode();
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new UserInputException($"{file}:{ex.Start.Line}: {ex.Message}");
        }
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;
}
