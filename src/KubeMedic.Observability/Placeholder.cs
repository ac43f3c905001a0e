namespace KubeMedic.Observability;

internal static class AssemblyMarker;
