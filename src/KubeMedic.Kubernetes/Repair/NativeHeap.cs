using System.Runtime.InteropServices;

namespace KubeMedic.Kubernetes.Repair;

/// <summary>
/// Gives the C heap's free pages back to the OS (glibc <c>malloc_trim</c>). The runtime's native allocations (HTTP/TLS
/// buffers, compression state, thread arenas) are freed after each autopilot pass, but glibc keeps the pages resident.
/// A no-op where it is not available (not Linux, or a C library without it, such as musl).
/// </summary>
internal static class NativeHeap
{
    private static volatile bool _unavailable = !OperatingSystem.IsLinux();

    public static void Trim()
    {
        if (_unavailable)
        {
            return;
        }

        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            _unavailable = true;
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
