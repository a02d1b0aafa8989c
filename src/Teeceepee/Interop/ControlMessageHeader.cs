using System.Runtime.InteropServices;

namespace Teeceepee.Interop;

/// <summary><c>struct cmsghdr</c> (64-bit Linux); data follows at the next 8-byte boundary.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ControlMessageHeader
{
    internal nuint Length;
    internal int Level;
    internal int Type;
}
