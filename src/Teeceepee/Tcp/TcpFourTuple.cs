using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>The demultiplexing key of a connection (RFC 9293 §3.3.1), from the local side's view.</summary>
public readonly record struct TcpFourTuple(NetAddress LocalAddress, ushort LocalPort, NetAddress RemoteAddress, ushort RemotePort)
{
    /// <inheritdoc />
    public override int GetHashCode() =>
        HashCode.Combine(LocalAddress.Low ^ LocalAddress.High, RemoteAddress.Low ^ RemoteAddress.High, (LocalPort << 16) | RemotePort);

    /// <inheritdoc />
    public override string ToString() => $"{LocalAddress}:{LocalPort}<->{RemoteAddress}:{RemotePort}";
}
