using System.Net;

namespace Teeceepee.Wire;

/// <summary>An address of either family and a port, without allocating (<see cref="IPEndPoint"/> only at the API edge).</summary>
public readonly record struct NetEndPoint(NetAddress Address, ushort Port)
{
    /// <summary>Converts from <see cref="IPEndPoint"/>; IPv4-mapped IPv6 becomes IPv4.</summary>
    public static NetEndPoint FromIPEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return new(NetAddress.FromIPAddress(endPoint.Address), checked((ushort)endPoint.Port));
    }

    /// <summary>Converts to <see cref="IPEndPoint"/>.</summary>
    public IPEndPoint ToIPEndPoint() => new(Address.ToIPAddress(), Port);

    /// <summary>a.b.c.d:port or [v6]:port.</summary>
    public override string ToString() => Address.IsIPv4 ? $"{Address}:{Port}" : $"[{Address}]:{Port}";
}
