using System.Text.Json.Nodes;

namespace KubeMedic.Kubernetes.Tests;

/// <summary>Paths of the repository, the shared fixtures and the built CLI.</summary>
internal static class TestPaths
{
    public static string Repo { get; } = FindRepo();

    public static string Fixture(string name) => Path.Combine(Repo, "tests", "KubeMedic.Core.Tests", "Fixtures", name);

    /// <summary>The kubemedic.dll copied next to the tests by the project reference.</summary>
    public static string Cli { get; } = Path.Combine(AppContext.BaseDirectory, "kubemedic.dll");

    /// <summary>The items of a kubectl v1 List fixture.</summary>
    public static List<JsonObject> Items(string fixture) =>
        JsonNode.Parse(File.ReadAllText(Fixture(fixture)))!["items"]!.AsArray().Select(i => (JsonObject)i!.DeepClone()).ToList();

    private static string FindRepo()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KubeMedic.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("KubeMedic.slnx not found");
    }
}
