using System.Runtime.InteropServices;

namespace Teeceepee.Interop;

/// <summary><c>struct sockaddr_ll</c> (20 bytes): the link-level address of an AF_PACKET socket.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SockAddrLl
{
    internal ushort Family;
    /// <summary>Ethertype in network byte order.</summary>
    internal ushort Protocol;
    internal int InterfaceIndex;
    internal ushort HardwareType;
    /// <summary>PACKET_HOST, PACKET_BROADCAST, ..., PACKET_OUTGOING.</summary>
    internal byte PacketType;
    internal byte AddressLength;
    internal fixed byte Address[8];
}
