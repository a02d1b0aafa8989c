using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>An IPv4 address and TCP port.</summary>
public readonly record struct TcpEndpoint(NetAddress Address, ushort Port)
{
    /// <inheritdoc />
    public override string ToString() => $"{Address}:{Port}";
}
