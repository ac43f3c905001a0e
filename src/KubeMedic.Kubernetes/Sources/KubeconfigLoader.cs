using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using KubeMedic.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace KubeMedic.Kubernetes.Sources;

/// <summary>Finds and loads the client configuration: --kubeconfig, then $KUBECONFIG, then ~/.kube/config, then in-cluster.</summary>
public static class KubeconfigLoader
{
    /// <summary>The kubeconfig path that would be used, or null when there is none (in-cluster may still apply).</summary>
    public static string? ResolvePath(string? explicitPath)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return explicitPath;
        }

        var env = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(env))
        {
            var first = env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(File.Exists);
            if (first is not null)
            {
                return first;
            }
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var defaultPath = Path.Combine(home, ".kube", "config");
        return File.Exists(defaultPath) ? defaultPath : null;
    }

    /// <summary>True when a kubeconfig exists or the process runs inside a cluster.</summary>
    public static bool IsAvailable(string? explicitPath) => ResolvePath(explicitPath) is not null || KubernetesClientConfiguration.IsInCluster();

    /// <summary>Loads the configuration; a missing or malformed kubeconfig becomes a one-line <see cref="UserInputException"/>.</summary>
    public static KubernetesClientConfiguration Load(string? explicitPath, string? context)
    {
        var path = ResolvePath(explicitPath);
        if (path is null)
        {
            if (KubernetesClientConfiguration.IsInCluster())
            {
                return KubernetesClientConfiguration.InClusterConfig();
            }

            throw new UserInputException("no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or use --snapshot FILE");
        }

        if (!File.Exists(path))
        {
            throw new UserInputException($"kubeconfig '{path}': no such file");
        }

        try
        {
            return FromFile(path, context);
        }
        catch (Exception ex) when (ex is KubeConfigException or YamlDotNet.Core.YamlException or ArgumentException or InvalidOperationException or FormatException or NullReferenceException
                                       or KeyNotFoundException or System.Security.Cryptography.CryptographicException)
        {
            var message = ex.Message.ReplaceLineEndings(" ");
            if (ex is YamlDotNet.Core.YamlException y)
            {
                message = $"not valid YAML at line {y.Start.Line}";
            }

            throw new UserInputException($"kubeconfig '{path}'{(context is null ? "" : $" (context {context})")}: {message}", ex);
        }
    }

    private static readonly IDeserializer Yaml = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).IgnoreUnmatchedProperties().Build();

    /// <summary>
    /// <see cref="KubernetesClientConfiguration.BuildConfigFromConfigFile(string, string, string, bool)"/> without KubernetesYaml: its static
    /// setup reflects over every model type of KubernetesClient (three YAML (de)serializers with attribute overrides for each property,
    /// and a kind-to-type map), which costs a long-running process tens of MB of resident memory for a file of a few lines. The
    /// kubeconfig model is read with a plain YamlDotNet deserializer (its properties carry their own YAML names) and handed to
    /// <see cref="KubernetesClientConfiguration.BuildConfigFromConfigObject"/>; relative certificate and token paths are resolved
    /// against the kubeconfig's folder, as kubectl does.
    /// </summary>
    public static KubernetesClientConfiguration FromFile(string path, string? context)
    {
        K8SConfiguration config;
        using (var reader = File.OpenText(path))
        {
            config = Yaml.Deserialize<K8SConfiguration?>(reader) ?? throw new KubeConfigException("empty kubeconfig");
        }

        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string? Resolve(string? file) => string.IsNullOrEmpty(file) || Path.IsPathRooted(file) ? file : Path.Combine(dir, file);
        foreach (var cluster in config.Clusters ?? [])
        {
            if (cluster.ClusterEndpoint is { } endpoint)
            {
                endpoint.CertificateAuthority = Resolve(endpoint.CertificateAuthority);
            }
        }

        foreach (var user in config.Users ?? [])
        {
            if (user.UserCredentials is { } credentials)
            {
                credentials.ClientCertificate = Resolve(credentials.ClientCertificate);
                credentials.ClientKey = Resolve(credentials.ClientKey);
            }
        }

        return KubernetesClientConfiguration.BuildConfigFromConfigObject(config, context);
    }
}
