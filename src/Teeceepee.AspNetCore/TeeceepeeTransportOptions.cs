using Teeceepee.Sockets;

namespace Teeceepee.AspNetCore;

/// <summary>Settings of the Teeceepee Kestrel transport.</summary>
public sealed class TeeceepeeTransportOptions
{
    /// <summary>Options of every accepted connection (NoDelay defaults to true, as Kestrel's socket transport does).</summary>
    public TcpConnectionOptions ConnectionOptions { get; set; } = new() { NoDelay = true };

    /// <summary>Accept queue bound of each listener.</summary>
    public int Backlog { get; set; } = 512;

    /// <summary>Received bytes buffered for the application before reading pauses (backpressure into TCP's window).</summary>
    public long MaxReadBufferSize { get; set; } = 1024 * 1024;

    /// <summary>Bytes the application may write ahead of the connection before its writes wait.</summary>
    public long MaxWriteBufferSize { get; set; } = 64 * 1024;
}
