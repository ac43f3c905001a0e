using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using KubeMedic.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace KubeMedic.Kubernetes.Sources;

/// <summary>Where the kubeconfig search looks: <c>$KUBECONFIG</c>, the home folder (for <c>~/.kube/config</c>), and whether the process runs in a pod.</summary>
public sealed record KubeconfigEnvironment(string? KubeconfigVariable, string? Home, Func<bool> InCluster)
{
    /// <summary>The process's own environment.</summary>
    public static KubeconfigEnvironment Current => new(
        Environment.GetEnvironmentVariable("KUBECONFIG"),
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
        KubernetesClientConfiguration.IsInCluster);

    /// <summary>The non-empty entries of <c>$KUBECONFIG</c> (a <see cref="Path.PathSeparator"/>-separated list), in order, without repeats.</summary>
    public IReadOnlyList<string> VariableEntries =>
        (KubeconfigVariable ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();

    /// <summary><c>~/.kube/config</c>, or null when the home folder is unknown.</summary>
    public string? DefaultFile => string.IsNullOrEmpty(Home) ? null : Path.Combine(Home, ".kube", "config");
}

/// <summary>Where the client configuration comes from.</summary>
public enum KubeconfigOrigin
{
    /// <summary>Nothing was given: no --kubeconfig, <c>$KUBECONFIG</c> unset or empty, no <c>~/.kube/config</c>, not in a pod.</summary>
    None,

    /// <summary><c>--kubeconfig FILE</c>.</summary>
    Flag,

    /// <summary>The existing files of <c>$KUBECONFIG</c>, merged.</summary>
    Variable,

    /// <summary><c>~/.kube/config</c>.</summary>
    HomeFile,

    /// <summary>The pod's service account.</summary>
    InCluster,
}

/// <summary>The outcome of the kubeconfig search: where it came from and the files to merge (first wins), empty for in-cluster and none.</summary>
public sealed record KubeconfigResolution(KubeconfigOrigin Origin, IReadOnlyList<string> Files);

/// <summary>
/// The one place that finds and loads the client configuration, with kubectl's rules:
/// <list type="bullet">
/// <item><c>--kubeconfig FILE</c>: only that file; a missing file is an error.</item>
/// <item>otherwise a non-empty <c>$KUBECONFIG</c>: a <see cref="Path.PathSeparator"/>-separated list; files that do not exist are skipped,
/// but when none exists that is an error (never a silent fall-back to something else).</item>
/// <item>otherwise <c>~/.kube/config</c> when it exists, otherwise the pod's service account when in a cluster, otherwise nothing
/// (<see cref="KubeconfigOrigin.None"/>: the caller may fall back to a snapshot or the embedded simulator).</item>
/// </list>
/// Several files are merged as kubectl merges them: for clusters, users and contexts the first file that defines a name wins;
/// current-context comes from the first file that sets it; <c>--context</c> overrides it.
/// </summary>
public static class KubeconfigLoader
{
    /// <summary>
    /// Which files (or in-cluster, or nothing) the configuration comes from. A missing <c>--kubeconfig</c> file, or a <c>$KUBECONFIG</c> none of
    /// whose files exists, is a one-line <see cref="UserInputException"/>.
    /// </summary>
    public static KubeconfigResolution Resolve(string? explicitPath, KubeconfigEnvironment? environment = null)
    {
        var env = environment ?? KubeconfigEnvironment.Current;
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return File.Exists(explicitPath)
                ? new KubeconfigResolution(KubeconfigOrigin.Flag, [explicitPath])
                : throw new UserInputException($"kubeconfig '{explicitPath}': no such file");
        }

        var entries = env.VariableEntries;
        if (entries.Count > 0)
        {
            var existing = entries.Where(File.Exists).ToList();
            return existing.Count > 0
                ? new KubeconfigResolution(KubeconfigOrigin.Variable, existing)
                : throw new UserInputException($"KUBECONFIG={env.KubeconfigVariable}: no such file{(entries.Count > 1 ? "s" : "")} (unset KUBECONFIG to use ~/.kube/config)");
        }

        if (env.DefaultFile is { } home && File.Exists(home))
        {
            return new KubeconfigResolution(KubeconfigOrigin.HomeFile, [home]);
        }

        return new KubeconfigResolution(env.InCluster() ? KubeconfigOrigin.InCluster : KubeconfigOrigin.None, []);
    }

    /// <summary>
    /// True when a configuration was given: <c>--kubeconfig</c>, a non-empty <c>$KUBECONFIG</c> (even if its files are missing:
    /// <see cref="Load"/> then reports that), <c>~/.kube/config</c>, or in-cluster. False only when there is nothing at all, the one
    /// case where a caller may fall back to the embedded simulator.
    /// </summary>
    public static bool IsAvailable(string? explicitPath, KubeconfigEnvironment? environment = null)
    {
        var env = environment ?? KubeconfigEnvironment.Current;
        return !string.IsNullOrWhiteSpace(explicitPath)
               || env.VariableEntries.Count > 0
               || (env.DefaultFile is { } home && File.Exists(home))
               || env.InCluster();
    }

    /// <summary>Loads the configuration; a missing or malformed kubeconfig becomes a one-line <see cref="UserInputException"/> naming the file.</summary>
    public static KubernetesClientConfiguration Load(string? explicitPath, string? context, KubeconfigEnvironment? environment = null)
    {
        var resolution = Resolve(explicitPath, environment);
        return resolution.Origin switch
        {
            KubeconfigOrigin.None => throw new UserInputException("no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or use --snapshot FILE"),
            KubeconfigOrigin.InCluster => KubernetesClientConfiguration.InClusterConfig(),
            _ => FromFiles(resolution.Files, context),
        };
    }

    private static readonly IDeserializer Yaml = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).IgnoreUnmatchedProperties().Build();

    /// <summary>One kubeconfig file; see <see cref="FromFiles"/>.</summary>
    public static KubernetesClientConfiguration FromFile(string path, string? context) => FromFiles([path], context);

    /// <summary>
    /// <see cref="KubernetesClientConfiguration.BuildConfigFromConfigFile(string, string, string, bool)"/> without KubernetesYaml: its static
    /// setup reflects over every model type of KubernetesClient (three YAML (de)serializers with attribute overrides for each property,
    /// and a kind-to-type map), which costs a long-running process tens of MB of resident memory for a file of a few lines. Each
    /// kubeconfig is read with a plain YamlDotNet deserializer (the model's properties carry their own YAML names), its relative
    /// certificate and key paths are resolved against its own folder (as kubectl does), the files are merged (first wins, see
    /// <see cref="Merge"/>) and handed to <see cref="KubernetesClientConfiguration.BuildConfigFromConfigObject"/>.
    /// (<see cref="KubernetesClientConfiguration.LoadKubeConfig(FileInfo[], bool)"/> also merges first-wins, but goes through
    /// KubernetesYaml, and resolves every relative path against the first file's folder.) Errors are one line naming the file.
    /// </summary>
    public static KubernetesClientConfiguration FromFiles(IReadOnlyList<string> paths, string? context)
    {
        ArgumentOutOfRangeException.ThrowIfZero(paths.Count);
        var configs = paths.Select(p => Guard(p, context, () => Read(p))).ToList();
        var merged = Merge(configs);
        var where = paths.Count == 1 ? paths[0] : string.Join(Path.PathSeparator, paths);
        return Guard(where, context, () => KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, context));
    }

    /// <summary>
    /// kubectl's merge of several kubeconfigs: clusters, users, contexts and extensions by name, the first file that defines a name wins;
    /// current-context (and preferences) from the first file that sets them.
    /// </summary>
    public static K8SConfiguration Merge(IReadOnlyList<K8SConfiguration> configs)
    {
        if (configs.Count == 1)
        {
            return configs[0];
        }

        return new K8SConfiguration
        {
            ApiVersion = configs.Select(c => c.ApiVersion).FirstOrDefault(v => !string.IsNullOrEmpty(v)),
            Kind = configs.Select(c => c.Kind).FirstOrDefault(v => !string.IsNullOrEmpty(v)),
            CurrentContext = configs.Select(c => c.CurrentContext).FirstOrDefault(v => !string.IsNullOrEmpty(v)),
            Preferences = configs.Select(c => c.Preferences).FirstOrDefault(p => p is { Count: > 0 }),
            FileName = configs[0].FileName,
            Clusters = FirstByName(configs.Select(c => c.Clusters), c => c.Name),
            Users = FirstByName(configs.Select(c => c.Users), u => u.Name),
            Contexts = FirstByName(configs.Select(c => c.Contexts), c => c.Name),
            Extensions = FirstByName(configs.Select(c => c.Extensions), e => e.Name),
        };

        static List<T> FirstByName<T>(IEnumerable<IEnumerable<T>?> lists, Func<T, string?> name)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            return lists.SelectMany(l => l ?? []).Where(item => item is not null && seen.Add(name(item) ?? "")).ToList();
        }
    }

    private static K8SConfiguration Read(string path)
    {
        K8SConfiguration config;
        using (var reader = File.OpenText(path))
        {
            config = Yaml.Deserialize<K8SConfiguration?>(reader) ?? throw new KubeConfigException("empty kubeconfig");
        }

        config.FileName = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(config.FileName)!;
        string? Resolve(string? file) => string.IsNullOrEmpty(file) || Path.IsPathRooted(file) ? file : Path.Combine(dir, file);
        foreach (var cluster in config.Clusters ?? [])
        {
            if (cluster?.ClusterEndpoint is { } endpoint)
            {
                endpoint.CertificateAuthority = Resolve(endpoint.CertificateAuthority);
            }
        }

        foreach (var user in config.Users ?? [])
        {
            if (user?.UserCredentials is { } credentials)
            {
                credentials.ClientCertificate = Resolve(credentials.ClientCertificate);
                credentials.ClientKey = Resolve(credentials.ClientKey);
            }
        }

        return config;
    }

    private static T Guard<T>(string path, string? context, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception ex) when (ex is KubeConfigException or YamlDotNet.Core.YamlException or ArgumentException or InvalidOperationException or FormatException or NullReferenceException
                                       or KeyNotFoundException or System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            var message = ex.Message.ReplaceLineEndings(" ");
            if (ex is YamlDotNet.Core.YamlException y)
            {
                message = $"not valid YAML at line {y.Start.Line}";
            }

            throw new UserInputException($"kubeconfig '{path}'{(context is null ? "" : $" (context {context})")}: {message}", ex);
        }
    }
}
