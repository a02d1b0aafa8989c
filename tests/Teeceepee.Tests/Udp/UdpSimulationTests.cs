using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Tests.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Udp;

public class UdpSimulationTests
{
    private static IPEndPoint At(IPv4Address address, int port) => new(address.ToIPAddress(), port);

    [Fact]
    public async Task RoundTrip_DeliversBytesAndSourceEndpoint()
    {
        await using var sim = new Simulation();
        using var server = new UdpSocket(sim.B, 7000);
        using var client = new UdpSocket(sim.A);
        var payload = RandomNumberGenerator.GetBytes(1000);
        var buffer = new byte[2000];

        var receive = server.ReceiveFromAsync(buffer);
        Assert.Equal(1000, sim.Await(client.SendToAsync(payload, At(Simulation.AddressB, 7000))));
        var got = sim.Await(receive);

        Assert.Equal(1000, got.ReceivedBytes);
        Assert.False(got.Truncated);
        Assert.Equal(payload, buffer.AsSpan(0, 1000).ToArray());
        Assert.Equal(Simulation.AddressA, got.RemoteAddress);
        Assert.Equal(client.LocalEndPoint.Port, got.RemotePort);
        Assert.InRange(client.LocalEndPoint.Port, 49152, 65535);

        // And back to the sender's ephemeral port.
        var echoBuffer = new byte[2000];
        var back = client.ReceiveFromAsync(echoBuffer);
        sim.Await(server.SendToAsync(buffer.AsMemory(0, got.ReceivedBytes), got.RemoteEndPoint));
        var echoed = sim.Await(back);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(echoBuffer.AsSpan(0, echoed.ReceivedBytes)));
        Assert.Equal(2, sim.A.Stats.UdpDatagramsOut + sim.B.Stats.UdpDatagramsOut);
        Assert.Equal(2, sim.A.Stats.UdpDatagramsIn + sim.B.Stats.UdpDatagramsIn);
    }

    [Fact]
    public async Task LargeDatagram_IsFragmented_AndArrivesWhole()
    {
        await using var sim = new Simulation();
        using var server = new UdpSocket(sim.B, 7001);
        using var client = new UdpSocket(sim.A);
        var payload = RandomNumberGenerator.GetBytes(UdpSocket.MaxDatagramSize);
        var buffer = new byte[70000];
        var receive = server.ReceiveFromAsync(buffer);
        sim.Await(client.SendToAsync(payload, At(Simulation.AddressB, 7001)));
        var got = sim.Await(receive);
        Assert.Equal(payload.Length, got.ReceivedBytes);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(buffer.AsSpan(0, got.ReceivedBytes)));
        Assert.Equal(45, sim.A.Stats.FragmentsOut);
    }

    [Fact]
    public async Task DatagramsArrivingBeforeReceive_AreQueued_InOrder()
    {
        await using var sim = new Simulation();
        using var server = new UdpSocket(sim.B, 7002);
        using var client = new UdpSocket(sim.A);
        for (byte i = 0; i < 5; i++)
            sim.Await(client.SendToAsync(new[] { i }, At(Simulation.AddressB, 7002)));
        var buffer = new byte[10];
        for (byte i = 0; i < 5; i++)
        {
            var r = sim.Await(server.ReceiveFromAsync(buffer));
            Assert.Equal(1, r.ReceivedBytes);
            Assert.Equal(i, buffer[0]);
        }
    }

    [Fact]
    public async Task FullReceiveQueue_DropsAndCounts()
    {
        await using var sim = new Simulation(configureB: o => o with { UdpReceiveQueueCapacity = 3 });
        using var server = new UdpSocket(sim.B, 7003);
        using var client = new UdpSocket(sim.A);
        for (int i = 0; i < 5; i++)
            sim.Await(client.SendToAsync(new byte[10], At(Simulation.AddressB, 7003)));
        Assert.Equal(2, sim.B.Stats.Drops[DropReason.ReceiveQueueFull]);
        Assert.Equal(3, sim.B.Stats.UdpDatagramsIn);
    }

    [Fact]
    public async Task ShortBuffer_TruncatesAndFlags()
    {
        await using var sim = new Simulation();
        using var server = new UdpSocket(sim.B, 7004);
        using var client = new UdpSocket(sim.A);
        sim.Await(client.SendToAsync(new byte[100], At(Simulation.AddressB, 7004)));
        var r = sim.Await(server.ReceiveFromAsync(new byte[10]));
        Assert.Equal(10, r.ReceivedBytes);
        Assert.True(r.Truncated);
    }

    [Fact]
    public async Task ClosedPort_SendsPortUnreachable_AndConnectedSocketGetsConnectionRefused()
    {
        await using var sim = new Simulation();
        using var client = new UdpSocket(sim.A);
        client.Connect(At(Simulation.AddressB, 9999));
        var receive = client.ReceiveFromAsync(new byte[100]);
        sim.Await(client.SendAsync(new byte[] { 1, 2, 3 }));
        sim.RunUntil(() => receive.IsCompleted, TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<SocketException>(async () => await receive);
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
        Assert.Equal(1, sim.B.Stats.Drops[DropReason.PortUnreachable]);
        Assert.Equal(1, sim.B.Stats.IcmpOut.DestinationUnreachable);
        Assert.Equal(1, sim.A.Stats.IcmpIn.DestinationUnreachable);
    }

    [Fact]
    public async Task ClosedPort_ErrorIsReportedOnTheNextSend_WhenNobodyReceives()
    {
        await using var sim = new Simulation();
        using var client = new UdpSocket(sim.A);
        client.Connect(At(Simulation.AddressB, 9999));
        sim.Await(client.SendAsync(new byte[] { 1 }));
        sim.Run(TimeSpan.FromMilliseconds(10));
        var error = await Assert.ThrowsAsync<SocketException>(async () => await sim.AwaitTask(client.SendAsync(new byte[] { 2 })));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
        // Reported once, then cleared.
        Assert.Equal(1, sim.Await(client.SendAsync(new byte[] { 3 })));
    }

    [Fact]
    public async Task PortUnreachable_IsRateLimited()
    {
        await using var sim = new Simulation(configureB: o => o with { IcmpErrorBurst = 3, IcmpErrorsPerSecond = 1 });
        using var client = new UdpSocket(sim.A);
        for (int i = 0; i < 10; i++)
            sim.Await(client.SendToAsync(new byte[1], At(Simulation.AddressB, 9999)));
        Assert.Equal(3, sim.B.Stats.IcmpOut.DestinationUnreachable);
        Assert.Equal(7, sim.B.Stats.Drops[DropReason.IcmpRateLimited]);
        sim.Run(TimeSpan.FromSeconds(2));
        sim.Await(client.SendToAsync(new byte[1], At(Simulation.AddressB, 9999)));
        Assert.Equal(4, sim.B.Stats.IcmpOut.DestinationUnreachable);
    }

    [Fact]
    public async Task BindingATakenPort_ThrowsAddressAlreadyInUse_AndDisposeFreesIt()
    {
        await using var sim = new Simulation();
        var first = new UdpSocket(sim.A, 5000);
        var error = Assert.Throws<SocketException>(() => new UdpSocket(sim.A, 5000));
        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
        first.Dispose();
        using var second = new UdpSocket(sim.A, 5000);
        Assert.Equal(5000, second.LocalEndPoint.Port);
    }

    [Fact]
    public async Task OversizeDatagram_ThrowsMessageSize()
    {
        await using var sim = new Simulation();
        using var client = new UdpSocket(sim.A);
        var error = await Assert.ThrowsAsync<SocketException>(async () =>
            await client.SendToAsync(new byte[UdpSocket.MaxDatagramSize + 1], At(Simulation.AddressB, 1)));
        Assert.Equal(SocketError.MessageSize, error.SocketErrorCode);
    }

    [Fact]
    public async Task SendOffLinkWithoutGateway_ThrowsNetworkUnreachable()
    {
        await using var sim = new Simulation();
        using var client = new UdpSocket(sim.A);
        var error = await Assert.ThrowsAsync<SocketException>(async () =>
            await sim.AwaitTask(client.SendToAsync(new byte[1], At(IPv4Address.Parse("198.19.0.9"), 1))));
        Assert.Equal(SocketError.NetworkUnreachable, error.SocketErrorCode);
    }

    [Fact]
    public async Task Receive_Cancelled_ThrowsAndLeavesTheSocketUsable()
    {
        await using var sim = new Simulation();
        using var server = new UdpSocket(sim.B, 7005);
        using var client = new UdpSocket(sim.A);
        using var cts = new CancellationTokenSource();
        var pending = server.ReceiveFromAsync(new byte[10], cts.Token);
        sim.Step();
        cts.Cancel();
        sim.Step();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);

        var next = server.ReceiveFromAsync(new byte[10]);
        sim.Await(client.SendToAsync(new byte[] { 42 }, At(Simulation.AddressB, 7005)));
        Assert.Equal(1, sim.Await(next).ReceivedBytes);
    }

    [Fact]
    public async Task Dispose_AbortsPendingReceive()
    {
        await using var sim = new Simulation();
        var server = new UdpSocket(sim.B, 7006);
        var pending = server.ReceiveFromAsync(new byte[10]);
        sim.Step();
        server.Dispose();
        var error = await Assert.ThrowsAsync<SocketException>(async () => await pending);
        Assert.Equal(SocketError.OperationAborted, error.SocketErrorCode);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await server.ReceiveFromAsync(new byte[1]));
    }

    [Fact]
    public async Task ConnectedSocket_IgnoresOtherSenders()
    {
        await using var sim = new Simulation();
        using var server = new UdpSocket(sim.B, 7007);
        server.Connect(At(Simulation.AddressA, 1111));
        using var stranger = new UdpSocket(sim.A, 2222);
        sim.Await(stranger.SendToAsync(new byte[1], At(Simulation.AddressB, 7007)));
        Assert.Equal(1, sim.B.Stats.Drops[DropReason.PortUnreachable]);
        Assert.Equal(0, sim.B.Stats.UdpDatagramsIn);
    }

    [Fact]
    public async Task DontFragment_OverTheMtu_ThrowsMessageSize()
    {
        await using var sim = new Simulation();
        using var server = new UdpSocket(sim.B, 7008);
        using var client = new UdpSocket(sim.A) { DontFragment = true };
        var error = await Assert.ThrowsAsync<SocketException>(async () =>
            await sim.AwaitTask(client.SendToAsync(new byte[1473], At(Simulation.AddressB, 7008))));
        Assert.Equal(SocketError.MessageSize, error.SocketErrorCode);
        Assert.Equal(1, sim.A.Stats.Drops[DropReason.FragmentationNeeded]);
        var receive = server.ReceiveFromAsync(new byte[2000]);
        sim.Await(client.SendToAsync(new byte[1472], At(Simulation.AddressB, 7008)));
        Assert.Equal(1472, sim.Await(receive).ReceivedBytes);
    }

    [Fact]
    public async Task Ttl_AndDontFragment_AppearOnTheWire()
    {
        await using var peer = new RawPeer();
        peer.Introduce();
        using var socket = new UdpSocket(peer.Stack) { Ttl = 9, DontFragment = true };
        var send = socket.SendToAsync(new byte[] { 1 }, RawPeer.PeerAddress, 53);
        peer.Stack.Poll(peer.Now);
        Assert.Equal(1, await send);
        var packet = Assert.Single(RawPeer.IPv4Packets(peer.Received()));
        Assert.True(IPv4Packet.TryParse(packet, out var ip, out _));
        Assert.Equal(9, ip.TimeToLive);
        Assert.True(ip.DontFragment);
    }
}
