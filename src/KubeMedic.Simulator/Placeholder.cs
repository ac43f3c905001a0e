namespace KubeMedic.Simulator;

internal static class AssemblyMarker;
