using System.Net;

namespace Teeceepee.Cli.Network;

/// <summary>A UDP socket of an <see cref="INetwork"/> (SOCKS5 UDP ASSOCIATE relays through one).</summary>
internal interface IDatagramSocket : IDisposable
{
    /// <summary>The bound address and port.</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>Sends one datagram.</summary>
    ValueTask SendToAsync(ReadOnlyMemory<byte> datagram, IPEndPoint remote, CancellationToken cancellationToken);

    /// <summary>Waits for one datagram; returns its length (cut to the buffer) and its sender.</summary>
    ValueTask<(int Length, IPEndPoint From)> ReceiveFromAsync(Memory<byte> buffer, CancellationToken cancellationToken);
}
