namespace KubeMedic.Kubernetes;

internal static class AssemblyMarker;
