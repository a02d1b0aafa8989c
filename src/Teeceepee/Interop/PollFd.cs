using System.Runtime.InteropServices;

namespace Teeceepee.Interop;

/// <summary><c>struct pollfd</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    internal const short POLLIN = 0x1;
    internal const short POLLOUT = 0x4;
    internal const short POLLERR = 0x8;
    internal const short POLLHUP = 0x10;

    internal int Fd;
    internal short Events;
    internal short ReturnedEvents;
}
