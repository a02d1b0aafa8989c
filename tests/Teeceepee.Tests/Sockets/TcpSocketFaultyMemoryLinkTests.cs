using Teeceepee.Links;

namespace Teeceepee.Tests.Sockets;

/// <summary>
/// The suite over a <see cref="MemoryLink"/> pair with faults on the client's link both ways
/// (1 % loss, 1 % duplicates, 1 % reordering, 0.5 % corruption): the API stays byte-exact while
/// TCP retransmits underneath.
/// </summary>
public sealed class TcpSocketFaultyMemoryLinkTests : TcpSocketSuite
{
    protected override TcpTestNetwork CreateNetwork() => new MemoryTcpTestNetwork(faults: new FaultOptions
    {
        Loss = 0.01,
        Duplicate = 0.01,
        Reorder = 0.01,
        Corrupt = 0.005,
    }, seed: 7);
}
