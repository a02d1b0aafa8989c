using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>
/// ICMPv6 errors from a router on the path (<see cref="IPv6PathRouter"/>) reach the transports on virtual time: packet
/// too big lowers the path MTU and the MSS of a live connection (RFC 8201 §4, §5.2); destination unreachable fails a
/// connecting socket with the matching error (RFC 4443 §3.1), stays a soft error on an established connection until it
/// times out (RFC 1122 §4.2.3.9), and reaches a connected UDP socket.
/// </summary>
public class IPv6PathErrorTests
{
    private static readonly IPv6Address A6 = IPv6Address.Parse("fd00:6:4::1");
    private static readonly IPv6Address B6 = IPv6Address.Parse("fd00:6:4::2");

    private static (Simulation Sim, IPv6PathRouter Router) Create()
    {
        IPv6PathRouter? router = null;
        var sim = new Simulation(
            configureA: o => o with { IPv6Addresses = [new IPv6AddressPrefix(A6, 64)] },
            configureB: o => o with { IPv6Addresses = [new IPv6AddressPrefix(B6, 64)] },
            wrapA: link => router = new IPv6PathRouter(link));
        sim.Run(TimeSpan.FromSeconds(2)); // DAD
        return (sim, router!);
    }

    private static (Tcb Client, Tcb Server) Establish(Simulation sim)
    {
        var listener = sim.B.Tcp.Listen(new TcpEndpoint(B6, 80));
        var client = sim.A.Tcp.Connect(sim.Now, A6, new TcpEndpoint(B6, 80));
        Tcb? server = null;
        Assert.True(sim.RunUntil(() => listener.TryAccept(out server), TimeSpan.FromSeconds(10)));
        return (client, server!);
    }

    [Fact]
    public async Task Established_PacketTooBigOnThePath_LowersPathMtuAndMss_TransferArrivesIntact()
    {
        var (sim, router) = Create();
        await using var lifetime = sim;
        var (client, server) = Establish(sim);
        Assert.Equal(1500 - 60 - 12, client.SendMss);

        router.Mtu = 1280;
        var data = RandomNumberGenerator.GetBytes(200_000);
        var received = sim.Transfer(client, server, data, TimeSpan.FromSeconds(60));

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
        Assert.True(router.ErrorsSent >= 1);
        Assert.Equal(router.ErrorsSent, sim.A.Stats.Icmpv6In[(byte)Icmpv6Type.PacketTooBig]);
        Assert.Equal(1280, sim.A.PathMtu(sim.Now, B6));
        // RFC 8201 §5.2: 1280 less the IPv6 and TCP headers and the timestamps option; nothing longer left afterwards.
        Assert.Equal(1280 - 60 - 12, client.SendMss);
        Assert.InRange(router.LongestAfterTooBig, 1000, 1280);
        Assert.Equal(0, sim.A.Stats.IPv6FragmentsOut);
    }

    [Theory]
    [InlineData(Icmpv6UnreachableCode.PortUnreachable, SocketError.ConnectionRefused)]
    [InlineData(Icmpv6UnreachableCode.NoRoute, SocketError.NetworkUnreachable)]
    [InlineData(Icmpv6UnreachableCode.AddressUnreachable, SocketError.HostUnreachable)]
    [InlineData(Icmpv6UnreachableCode.AdministrativelyProhibited, SocketError.HostUnreachable)]
    public async Task Connecting_DestinationUnreachable_FailsTheConnect_WithTheMatchingError(Icmpv6UnreachableCode code, SocketError expected)
    {
        var (sim, router) = Create();
        await using var lifetime = sim;
        router.Unreachable = code;
        await using var connection = new TcpConnection(sim.A);
        var connect = connection.ConnectAsync(new IPEndPoint(B6.ToIPAddress(), 80));
        // Fails at the first error, long before a SYN retransmission (1 s).
        Assert.True(sim.RunUntil(() => connect.IsCompleted, TimeSpan.FromMilliseconds(500)), string.Join('\n', sim.Log.TakeLast(40)));

        var error = await Assert.ThrowsAsync<SocketException>(async () => await connect);
        Assert.Equal(expected, error.SocketErrorCode);
        Assert.Equal(1, router.ErrorsSent);
        Assert.Equal(1, sim.A.Stats.Icmpv6In[(byte)Icmpv6Type.DestinationUnreachable]);
    }

    [Fact]
    public async Task Connecting_ParameterProblem_FailsTheConnect_AsAProtocolError_NotRefused()
    {
        var (sim, router) = Create();
        await using var lifetime = sim;
        router.ParameterProblem = Icmpv6ParameterProblemCode.UnrecognizedNextHeader;
        await using var connection = new TcpConnection(sim.A);
        var connect = connection.ConnectAsync(new IPEndPoint(B6.ToIPAddress(), 80));
        Assert.True(sim.RunUntil(() => connect.IsCompleted, TimeSpan.FromMilliseconds(500)), string.Join('\n', sim.Log.TakeLast(40)));

        // Linux icmpv6_err_convert: parameter problem is EPROTO and fatal; the nearest SocketError, with a message saying why.
        var error = await Assert.ThrowsAsync<SocketException>(async () => await connect);
        Assert.Equal(SocketError.ProtocolNotSupported, error.SocketErrorCode);
        Assert.Contains("parameter problem", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, sim.A.Stats.Icmpv6In[(byte)Icmpv6Type.ParameterProblem]);
    }

    [Fact]
    public async Task Established_ParameterProblem_IsSoft_ReportedAsAProtocolErrorWhenTheConnectionTimesOut()
    {
        var (sim, router) = Create();
        await using var lifetime = sim;
        var (client, _) = Establish(sim);

        router.ParameterProblem = Icmpv6ParameterProblemCode.ErroneousHeaderField;
        Assert.True(client.Send(new byte[1000]) > 0);
        sim.Run(TimeSpan.FromSeconds(3));
        Assert.Equal(TcpState.Established, client.State);
        Assert.Equal(TcpIcmpError.ParameterProblem, client.LastSoftError);

        Assert.True(sim.RunUntil(() => client.State == TcpState.Closed, TimeSpan.FromHours(1)));
        Assert.Equal(TcpError.ProtocolError, client.Error);
    }

    [Fact]
    public async Task Established_AddressUnreachable_IsSoft_ReportedOnlyWhenTheConnectionTimesOut()
    {
        var (sim, router) = Create();
        await using var lifetime = sim;
        var (client, _) = Establish(sim);

        router.Unreachable = Icmpv6UnreachableCode.AddressUnreachable;
        Assert.True(client.Send(new byte[1000]) > 0);
        sim.Run(TimeSpan.FromSeconds(3));
        // RFC 1122 §4.2.3.9: a soft error does not abort an established connection.
        Assert.True(router.ErrorsSent >= 2);
        Assert.Equal(TcpState.Established, client.State);
        Assert.Equal(TcpIcmpError.HostUnreachable, client.LastSoftError);

        Assert.True(sim.RunUntil(() => client.State == TcpState.Closed, TimeSpan.FromHours(1)));
        Assert.Equal(TcpError.HostUnreachable, client.Error);
    }

    [Fact]
    public async Task ConnectedUdp_PortUnreachableOverIPv6_NextCallFailsWithConnectionRefused()
    {
        var (sim, router) = Create();
        await using var lifetime = sim;
        using var client = new UdpSocket(sim.A);
        client.Connect(new IPEndPoint(B6.ToIPAddress(), 9999));
        var receive = client.ReceiveFromAsync(new byte[100]);
        sim.Await(client.SendAsync(new byte[] { 1, 2, 3 }));
        Assert.True(sim.RunUntil(() => receive.IsCompleted, TimeSpan.FromSeconds(1)));

        // B itself answers its closed port (no router error): RFC 4443 §3.1 code 4.
        var error = await Assert.ThrowsAsync<SocketException>(async () => await receive);
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
        Assert.Equal(0, router.ErrorsSent);
        Assert.Equal(1, sim.A.Stats.Icmpv6In[(byte)Icmpv6Type.DestinationUnreachable]);
    }
}
