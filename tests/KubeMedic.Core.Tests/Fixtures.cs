using System.Text;
using KubeMedic.Core.Analysis;
using KubeMedic.Core.Model;

namespace KubeMedic.Core.Tests;

/// <summary>Locates and loads the kubectl-shaped fixtures, and builds models from inline JSON.</summary>
internal static class Fixtures
{
    public static string Dir { get; } = FindDir();

    public static string PathOf(string name) => Path.Combine(Dir, name);

    public static ClusterModel Load(string name) => ClusterModelBuilder.Load(PathOf(name));

    public static DiagnosisResult Diagnose(string name) => DiagnosisEngine.Default.Diagnose(Load(name));

    /// <summary>A model from items written as kubectl JSON objects (wrapped into a v1 List).</summary>
    public static ClusterModel FromItems(params string[] items)
    {
        var json = "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[" + string.Join(",", items) + "]}";
        return new ClusterModelBuilder().AddStream(new MemoryStream(Encoding.UTF8.GetBytes(json)), "inline").BuildAllowEmpty();
    }

    public static ClusterModel FromText(string text, string name = "inline") =>
        new ClusterModelBuilder().AddStream(new MemoryStream(Encoding.UTF8.GetBytes(text)), name).Build();

    private static string FindDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KubeMedic.slnx")))
        {
            dir = dir.Parent;
        }

        return dir is null
            ? throw new InvalidOperationException("KubeMedic.slnx not found above " + AppContext.BaseDirectory)
            : Path.Combine(dir.FullName, "tests", "KubeMedic.Core.Tests", "Fixtures");
    }
}
