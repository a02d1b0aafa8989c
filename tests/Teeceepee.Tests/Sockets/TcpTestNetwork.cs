using System.Net;
using Teeceepee.Stack;

namespace Teeceepee.Tests.Sockets;

/// <summary>
/// What the socket API suite runs on: two started stacks that can reach each other (a client and a
/// server), and an address where nothing answers. Link kinds subclass it (MemoryLink here, TAP
/// through a kernel router in the integration tests).
/// </summary>
public abstract class TcpTestNetwork : IAsyncDisposable
{
    /// <summary>The stack that connects.</summary>
    public abstract NetworkStack Client { get; }

    /// <summary>The stack that listens.</summary>
    public abstract NetworkStack Server { get; }

    /// <summary>The server stack's address as seen from the client.</summary>
    public abstract IPAddress ServerAddress { get; }

    /// <summary>An address the client can send to where nothing ever answers.</summary>
    public abstract IPAddress SilentAddress { get; }

    /// <summary>A label for messages.</summary>
    public abstract string Kind { get; }

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();
}
