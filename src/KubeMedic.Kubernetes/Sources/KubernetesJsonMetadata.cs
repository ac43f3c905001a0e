using System.Text.Json.Serialization.Metadata;

namespace KubeMedic.Kubernetes.Sources;

/// <summary>How KubernetesClient's models get their System.Text.Json metadata in this process.</summary>
public static class KubernetesJsonMetadata
{
    /// <summary>
    /// KubernetesClient resolves JSON metadata through its source-generated context first. The context's <c>GetTypeInfo</c> is one
    /// method with a <c>typeof</c> test for each of the ~1,500 model types: JIT-compiling it takes about a second on the first
    /// (de)serialization - and again when tiering recompiles it - while every other thread that reads a model waits on the metadata
    /// lock (the autopilot benchmark's 1-2 s stalls), and it loads every model type (~10 MB resident). The reflection resolver
    /// builds metadata only for the types actually read. Call once at startup, before any KubernetesClient JSON use.
    /// </summary>
    public static void UseReflection() => k8s.KubernetesJson.AddJsonOptions(o => o.TypeInfoResolver = new DefaultJsonTypeInfoResolver());
}
