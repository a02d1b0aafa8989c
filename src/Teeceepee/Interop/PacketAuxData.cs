using System.Runtime.InteropServices;

namespace Teeceepee.Interop;

/// <summary><c>struct tpacket_auxdata</c>: per-frame metadata of an AF_PACKET socket (PACKET_AUXDATA control message).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PacketAuxData
{
    internal uint Status;
    internal uint Length;
    internal uint SnapLength;
    internal ushort MacOffset;
    internal ushort NetOffset;
    internal ushort VlanTci;
    internal ushort VlanTpid;
}
