namespace Teeceepee.IntegrationTests.Infrastructure;

/// <summary>Which link a <see cref="TestNetwork"/> gives the stack.</summary>
public enum TestNetworkKind
{
    /// <summary>A TAP device opened by the test process, moved into the peer namespace.</summary>
    Tap,
    /// <summary>A TUN device opened by the test process, moved into the peer namespace.</summary>
    Tun,
    /// <summary>A veth pair: a raw AF_PACKET socket on one end (its own namespace), the kernel peer on the other.</summary>
    Veth,
}
