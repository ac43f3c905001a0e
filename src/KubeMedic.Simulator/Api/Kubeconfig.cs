namespace KubeMedic.Simulator.Api;

/// <summary>Writes the kubeconfig for the simulator: one cluster, one token user (KubernetesClient rejects a user without credentials).</summary>
internal static class Kubeconfig
{
    public const string ContextName = "kubemedic-sim";

    public static void Write(string path, Uri server)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        var text = $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {{ContextName}}
              cluster:
                server: {{server.ToString().TrimEnd('/')}}
            users:
            - name: {{ContextName}}
              user:
                token: kubemedic-sim-token
            contexts:
            - name: {{ContextName}}
              context:
                cluster: {{ContextName}}
                user: {{ContextName}}
                namespace: default
            current-context: {{ContextName}}
            preferences: {}

            """;
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
