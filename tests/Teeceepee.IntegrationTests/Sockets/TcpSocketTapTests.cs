using Teeceepee.Tests.Sockets;

namespace Teeceepee.IntegrationTests.Sockets;

/// <summary>The socket API suite over two TAP links with the kernel routing between them.</summary>
public sealed class TcpSocketTapTests : TcpSocketSuite
{
    protected override TcpTestNetwork CreateNetwork() => new TapRoutedTcpTestNetwork();
}
