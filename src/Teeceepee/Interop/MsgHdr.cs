using System.Runtime.InteropServices;

namespace Teeceepee.Interop;

/// <summary><c>struct msghdr</c> (64-bit Linux layout) for recvmsg.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MsgHdr
{
    internal void* Name;
    internal uint NameLength;
    internal IoVec* Iov;
    internal nuint IovLength;
    internal void* Control;
    internal nuint ControlLength;
    internal int Flags;
}
