namespace Teeceepee.Tests.Sockets;

/// <summary>The suite over a <see cref="Links.MemoryLink"/> pair.</summary>
public sealed class TcpSocketMemoryLinkTests : TcpSocketSuite
{
    protected override TcpTestNetwork CreateNetwork() => new MemoryTcpTestNetwork();
}
