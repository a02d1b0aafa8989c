using System.Runtime.InteropServices;

namespace Teeceepee.Interop;

/// <summary>struct itimerspec: two struct timespec (64-bit time_t and long on x86-64 and arm64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ITimerSpec
{
    public long IntervalSeconds;
    public long IntervalNanoseconds;
    public long ValueSeconds;
    public long ValueNanoseconds;
}
