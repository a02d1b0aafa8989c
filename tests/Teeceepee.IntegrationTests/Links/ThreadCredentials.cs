using System.Runtime.InteropServices;
using Teeceepee.Interop;

namespace Teeceepee.IntegrationTests.Links;

/// <summary>Drops the calling thread (only) to the unprivileged user nobody.</summary>
/// <remarks>
/// The raw setresuid/setresgid system calls change one thread's credentials (glibc's wrappers change
/// the whole process); leaving uid 0 also clears that thread's capabilities. Use on a thread that ends
/// afterwards (TestNetwork.InNamespace runs on a fresh one).
/// </remarks>
internal static class ThreadCredentials
{
    private const int Nobody = 65534;

    public static void DropToNobody()
    {
        (int setresgid, int setresuid) = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => (119, 117),
            Architecture.Arm64 => (149, 147),
            _ => throw new PlatformNotSupportedException("Per-thread credential drop is wired for x86-64 and arm64 only."),
        };
        if (Libc.Syscall3(setresgid, Nobody, Nobody, Nobody) != 0)
            throw new InvalidOperationException($"setresgid failed: errno {Errno.Last}");
        if (Libc.Syscall3(setresuid, Nobody, Nobody, Nobody) != 0)
            throw new InvalidOperationException($"setresuid failed: errno {Errno.Last}");
    }
}
