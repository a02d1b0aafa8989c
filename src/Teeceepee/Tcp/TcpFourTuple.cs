using System.Runtime.InteropServices;
using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>The demultiplexing key of a connection (RFC 9293 §3.3.1), from the local side's view.</summary>
/// <remarks>Auto layout puts the two ports together: 40 octets instead of 48 in every demux entry (issue 13 item 2).</remarks>
[StructLayout(LayoutKind.Auto)]
public readonly record struct TcpFourTuple(NetAddress LocalAddress, ushort LocalPort, NetAddress RemoteAddress, ushort RemotePort)
{
    /// <inheritdoc />
    public override int GetHashCode() =>
        HashCode.Combine(LocalAddress.Low ^ LocalAddress.High, RemoteAddress.Low ^ RemoteAddress.High, (LocalPort << 16) | RemotePort);

    /// <inheritdoc />
    public override string ToString() => $"{LocalAddress}:{LocalPort}<->{RemoteAddress}:{RemotePort}";
}
