using k8s;
using k8s.Exceptions;
using KubeMedic.Core;

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
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(path, currentContext: context);
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
}
