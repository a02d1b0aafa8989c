using System.Net;
using Teeceepee.Dhcp;
using Teeceepee.Links;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Dhcp;

/// <summary>
/// The DHCP driver on a real-time stack that starts without an address, against a fake server on a
/// second stack (198.18.0.1) over a MemoryLink pair. The server broadcasts its replies.
/// </summary>
public sealed class DhcpServiceTests : IAsyncDisposable
{
    private static readonly IPv4Address s_server = IPv4Address.Parse("198.18.0.1");
    private static readonly IPv4Address s_offered = IPv4Address.Parse("198.18.0.77");
    private readonly MemoryLink _clientLink;
    private readonly MemoryLink _serverLink;
    private readonly NetworkStack _client;
    private readonly NetworkStack _server;

    public DhcpServiceTests()
    {
        (_clientLink, _serverLink) = MemoryLink.CreatePair();
        _client = new NetworkStack(_clientLink, new NetworkStackOptions { Address = IPv4Address.Any, Name = "dhcp-client", Seed = 1 });
        _server = new NetworkStack(_serverLink, new NetworkStackOptions { Address = s_server, Name = "dhcp-server", Seed = 2 });
        _client.Start();
        _server.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
        _clientLink.Dispose();
        _serverLink.Dispose();
    }

    /// <summary>Answers DISCOVER with OFFER and REQUEST with ACK, broadcast, while <paramref name="answer"/> says so.</summary>
    private async Task ServeAsync(UdpSocket socket, uint leaseSeconds, Func<bool> answer, List<DhcpMessage> seen, CancellationToken token)
    {
        var buffer = new byte[1500];
        while (!token.IsCancellationRequested)
        {
            UdpReceiveFromResult r;
            try
            {
                r = await socket.ReceiveFromAsync(buffer, token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (!DhcpMessage.TryParse(buffer.AsSpan(0, r.ReceivedBytes), out var request, out _))
                continue;
            lock (seen)
                seen.Add(request);
            if (!answer())
                continue;
            var reply = new DhcpMessage
            {
                IsReply = true,
                TransactionId = request.TransactionId,
                ClientHardwareAddress = request.ClientHardwareAddress,
                YourAddress = s_offered,
                MessageType = request.MessageType == DhcpMessageType.Discover ? DhcpMessageType.Offer : DhcpMessageType.Ack,
                ServerIdentifier = s_server,
                SubnetMask = IPv4Address.Parse("255.255.255.0"),
                Routers = [s_server],
                DnsServers = [s_server],
                LeaseTime = leaseSeconds,
            };
            await socket.SendToAsync(reply.ToArray(), new IPEndPoint(IPAddress.Broadcast, DhcpMessage.ClientPort), token);
        }
    }

    [Fact]
    public async Task Lease_ConfiguresTheStack_WhichThenAnswersPing()
    {
        using var socket = new UdpSocket(_server, DhcpMessage.ServerPort);
        using var stop = new CancellationTokenSource();
        var seen = new List<DhcpMessage>();
        var serve = ServeAsync(socket, 3600, () => true, seen, stop.Token);
        await using var dhcp = DhcpService.Start(_client);
        DhcpLease? changed = null;
        dhcp.LeaseChanged += l => changed = l;

        var lease = await dhcp.WaitForLeaseAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);

        Assert.Equal(s_offered, lease.Address);
        Assert.Same(lease, changed);
        Assert.Equal(DhcpState.Bound, dhcp.State);
        Assert.Equal(s_offered, _client.Address);
        Assert.Equal(24, _client.PrefixLength);
        Assert.Equal(s_server, _client.Gateway);
        Assert.Equal(DhcpMessageType.Discover, seen[0].MessageType);
        Assert.Equal(DhcpMessageType.Request, seen[1].MessageType);
        // The stack now owns the address: the server can reach it (ARP answered for the new address).
        var reply = await _server.PingAsync(s_offered, 56, TimeSpan.FromSeconds(5));
        Assert.Equal(PingStatus.Success, reply.Status);
        stop.Cancel();
        await serve;
    }

    [Fact]
    public async Task ServerGoesSilent_LeaseExpires_AndTheAddressIsDropped()
    {
        using var socket = new UdpSocket(_server, DhcpMessage.ServerPort);
        using var stop = new CancellationTokenSource();
        bool answering = true;
        var seen = new List<DhcpMessage>();
        var serve = ServeAsync(socket, 2, () => Volatile.Read(ref answering), seen, stop.Token);
        await using var dhcp = DhcpService.Start(_client, new DhcpClientOptions { MinimumRenewRetransmit = TimeSpan.FromMilliseconds(200) });
        var lost = new TaskCompletionSource();
        dhcp.LeaseChanged += l =>
        {
            if (l is null)
                lost.TrySetResult();
        };
        await dhcp.WaitForLeaseAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
        Volatile.Write(ref answering, false);

        await lost.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(_client.Address.IsUnspecified);
        Assert.Null(dhcp.Lease);
        lock (seen)
        {
            // After the lease: a unicast renewal at T1 (1 s) and a broadcast rebind at T2 (1.75 s), both with ciaddr.
            Assert.Contains(seen, m => m.MessageType == DhcpMessageType.Request && m.ClientAddress == s_offered);
        }
        stop.Cancel();
        await serve;
    }
}
