using System.Net;
using Teeceepee.Tcp;

namespace Teeceepee.Cli.Network;

/// <summary>One TCP connection: a byte stream plus the socket-level controls the commands need.</summary>
internal interface IConnection : IAsyncDisposable
{
    /// <summary>The data stream; a read of 0 bytes means the peer sent FIN.</summary>
    Stream Stream { get; }

    /// <summary>Our end.</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>The peer's end.</summary>
    IPEndPoint RemoteEndPoint { get; }

    /// <summary>Half-close: sends FIN after the queued data; reading continues.</summary>
    void ShutdownSend();

    /// <summary>Ends the connection with RST (discarding queued data).</summary>
    void Abort();

    /// <summary>The stack's TCP counters for this connection (retransmits, bytes), or null on the kernel.</summary>
    TcpInfo? GetTcpInfo() => null;
}
