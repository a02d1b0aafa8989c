using Teeceepee.Dhcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Dhcp;

/// <summary>The sans-I/O client on an explicit clock (RFC 2131 §4.4): times in seconds from t0.</summary>
public class DhcpClientTests
{
    private static readonly MacAddress s_mac = MacAddress.Parse("02:00:5e:00:53:01");
    private static readonly IPv4Address s_server = IPv4Address.Parse("198.18.0.1");
    private static readonly IPv4Address s_offered = IPv4Address.Parse("198.18.0.100");
    private static readonly Instant s_t0 = Instant.FromMilliseconds(1_000_000);

    private static Instant At(double seconds) => s_t0 + TimeSpan.FromSeconds(seconds);

    private static DhcpClient Client(DhcpClientOptions? options = null) => new(s_mac, options, new Random(3));

    private static DhcpOutgoing Dispatch(DhcpClient client, Instant now)
    {
        Assert.True(client.TryDispatch(now, out var outgoing), $"nothing to send in {client.State}");
        Assert.False(client.TryDispatch(now, out _));
        return outgoing;
    }

    private static DhcpMessage Reply(in DhcpMessage request, DhcpMessageType type, uint lease = 120, uint? t1 = null, uint? t2 = null) => new()
    {
        IsReply = true,
        TransactionId = request.TransactionId,
        ClientHardwareAddress = request.ClientHardwareAddress,
        YourAddress = type == DhcpMessageType.Nak ? default : s_offered,
        MessageType = type,
        ServerIdentifier = s_server,
        SubnetMask = IPv4Address.Parse("255.255.255.0"),
        Routers = [s_server],
        DnsServers = [IPv4Address.Parse("198.18.0.53")],
        LeaseTime = type == DhcpMessageType.Nak ? null : lease,
        RenewalTime = t1,
        RebindingTime = t2,
    };

    /// <summary>DISCOVER, OFFER, REQUEST, ACK at t0; returns the bound client.</summary>
    private static DhcpClient Bound(DhcpClientOptions? options = null, uint lease = 120)
    {
        var client = Client(options);
        client.Start(s_t0);
        var discover = Dispatch(client, s_t0).Message;
        Assert.True(client.Process(s_t0, Reply(discover, DhcpMessageType.Offer, lease)));
        var request = Dispatch(client, s_t0).Message;
        Assert.True(client.Process(s_t0, Reply(request, DhcpMessageType.Ack, lease)));
        Assert.True(client.TryTakeLeaseChange(out _));
        return client;
    }

    [Fact]
    public void FullDora_BindsWithTheLeaseParameters()
    {
        var client = Client(new DhcpClientOptions { HostName = "stack" });
        Assert.Equal(DhcpState.Stopped, client.State);
        client.Start(s_t0);

        var discover = Dispatch(client, s_t0);
        Assert.Equal(DhcpState.Selecting, client.State);
        Assert.Equal(IPv4Address.Broadcast, discover.Destination);
        Assert.Equal(DhcpMessageType.Discover, discover.Message.MessageType);
        Assert.True(discover.Message.Broadcast);
        Assert.False(discover.Message.IsReply);
        Assert.Equal(s_mac, discover.Message.ClientHardwareAddress);
        Assert.Equal(new byte[] { 1, 2, 0, 0x5e, 0, 0x53, 1 }, discover.Message.ClientIdentifier);
        Assert.Equal(new byte[] { 1, 3, 6, 26, 51, 58, 59 }, discover.Message.ParameterRequestList);
        Assert.Equal("stack", discover.Message.HostName);

        Assert.True(client.Process(At(0.1), Reply(discover.Message, DhcpMessageType.Offer)));
        var request = Dispatch(client, At(0.1));
        Assert.Equal(DhcpState.Requesting, client.State);
        Assert.Equal(IPv4Address.Broadcast, request.Destination);
        Assert.Equal(DhcpMessageType.Request, request.Message.MessageType);
        Assert.Equal(discover.Message.TransactionId, request.Message.TransactionId); // §4.4.1: same xid
        Assert.Equal(s_offered, request.Message.RequestedAddress);
        Assert.Equal(s_server, request.Message.ServerIdentifier);
        Assert.True(request.Message.ClientAddress.IsUnspecified);
        Assert.False(client.TryTakeLeaseChange(out _));

        Assert.True(client.Process(At(0.2), Reply(request.Message, DhcpMessageType.Ack)));
        Assert.Equal(DhcpState.Bound, client.State);
        Assert.True(client.TryTakeLeaseChange(out var lease));
        Assert.False(client.TryTakeLeaseChange(out _));
        Assert.NotNull(lease);
        Assert.Equal(s_offered, lease.Address);
        Assert.Equal(24, lease.PrefixLength);
        Assert.Equal(s_server, lease.Router);
        Assert.Equal([IPv4Address.Parse("198.18.0.53")], lease.DnsServers);
        Assert.Equal(s_server, lease.ServerIdentifier);
        // Times count from the REQUEST (§4.4.1); T1, T2 default to 1/2 and 7/8 of the lease (§4.4.5).
        Assert.Equal(At(0.1), lease.Start);
        Assert.Equal(At(60.1), lease.RenewAt);
        Assert.Equal(At(105.1), lease.RebindAt);
        Assert.Equal(At(120.1), lease.ExpiresAt);
        Assert.Equal(At(60.1), client.PollAt());
        Assert.False(client.TryDispatch(At(60), out _));
    }

    [Fact]
    public void Discover_Retransmits_WithDoublingWaits_AndJitter_CappedAt64s()
    {
        var client = Client();
        client.Start(s_t0);
        var first = Dispatch(client, s_t0).Message;
        var now = s_t0;
        // RFC 2131 §4.1: 4, 8, 16, 32, 64, 64 s, each ± 1 s.
        foreach (double expected in new double[] { 4, 8, 16, 32, 64, 64 })
        {
            var wait = client.PollAt() - now;
            Assert.InRange(wait.TotalSeconds, expected - 1, expected + 1);
            Assert.False(client.TryDispatch(client.PollAt() - TimeSpan.FromMilliseconds(1), out _));
            now = client.PollAt();
            var again = Dispatch(client, now).Message;
            Assert.Equal(DhcpMessageType.Discover, again.MessageType);
            Assert.Equal(first.TransactionId, again.TransactionId);
            Assert.Equal((ushort)(now - s_t0).TotalSeconds, again.Seconds); // secs: since the exchange began
        }
    }

    [Fact]
    public void Jitter_IsRandom_NotAFixedOffset()
    {
        var waits = new HashSet<long>();
        for (int seed = 0; seed < 10; seed++)
        {
            var client = new DhcpClient(s_mac, null, new Random(seed));
            client.Start(s_t0);
            Dispatch(client, s_t0);
            waits.Add((client.PollAt() - s_t0).Ticks);
        }
        Assert.True(waits.Count >= 8);
    }

    [Fact]
    public void Requesting_WithoutAck_StartsOverAfterFourRequests()
    {
        var client = Client();
        client.Start(s_t0);
        var discover = Dispatch(client, s_t0).Message;
        client.Process(s_t0, Reply(discover, DhcpMessageType.Offer));
        Dispatch(client, s_t0);
        for (int i = 1; i < 4; i++)
        {
            var request = Dispatch(client, client.PollAt()).Message;
            Assert.Equal(DhcpMessageType.Request, request.MessageType);
        }
        var restart = Dispatch(client, client.PollAt()).Message;
        Assert.Equal(DhcpMessageType.Discover, restart.MessageType);
        Assert.NotEqual(discover.TransactionId, restart.TransactionId);
        Assert.Equal(DhcpState.Selecting, client.State);
    }

    [Fact]
    public void RepliesForOthers_AreIgnored()
    {
        var client = Client();
        client.Start(s_t0);
        var discover = Dispatch(client, s_t0).Message;
        var offer = Reply(discover, DhcpMessageType.Offer);
        Assert.False(client.Process(s_t0, offer with { TransactionId = discover.TransactionId + 1 }));
        Assert.False(client.Process(s_t0, offer with { ClientHardwareAddress = MacAddress.Parse("02:00:00:00:00:99") }));
        Assert.False(client.Process(s_t0, offer with { IsReply = false }));
        Assert.False(client.Process(s_t0, offer with { ServerIdentifier = null }));
        Assert.False(client.Process(s_t0, Reply(discover, DhcpMessageType.Ack))); // an ACK while selecting
        Assert.Equal(5, client.Ignored);
        Assert.Equal(DhcpState.Selecting, client.State);
    }

    [Fact]
    public void NakWhileRequesting_StartsOver()
    {
        var client = Client();
        client.Start(s_t0);
        var discover = Dispatch(client, s_t0).Message;
        client.Process(s_t0, Reply(discover, DhcpMessageType.Offer));
        var request = Dispatch(client, s_t0).Message;
        Assert.True(client.Process(At(1), Reply(request, DhcpMessageType.Nak)));
        var again = Dispatch(client, At(1)).Message;
        Assert.Equal(DhcpMessageType.Discover, again.MessageType);
        Assert.NotEqual(discover.TransactionId, again.TransactionId);
        Assert.False(client.TryTakeLeaseChange(out _)); // there was no lease to lose
    }

    [Fact]
    public void Bound_RenewsAtT1_ByUnicast_AndTheAckExtendsTheLease()
    {
        var client = Bound();
        var bindXid = client.TransactionId;
        var renew = Dispatch(client, At(60));
        Assert.Equal(DhcpState.Renewing, client.State);
        Assert.Equal(s_server, renew.Destination);
        Assert.Equal(DhcpMessageType.Request, renew.Message.MessageType);
        Assert.Equal(s_offered, renew.Message.ClientAddress);
        Assert.Null(renew.Message.ServerIdentifier);   // §4.3.2: not in RENEWING
        Assert.Null(renew.Message.RequestedAddress);
        Assert.False(renew.Message.Broadcast);
        Assert.NotEqual(bindXid, renew.Message.TransactionId);

        Assert.True(client.Process(At(60.5), Reply(renew.Message, DhcpMessageType.Ack)));
        Assert.Equal(DhcpState.Bound, client.State);
        Assert.True(client.TryTakeLeaseChange(out var lease));
        Assert.Equal(At(60), lease!.Start);
        Assert.Equal(At(120), client.PollAt());
    }

    [Fact]
    public void Renewing_WithoutAnswer_RebindsAtT2_ByBroadcast()
    {
        // A long lease so the renewal retransmission (half the time to T2) is visible.
        var client = Bound(lease: 1000); // T1 500, T2 875
        var renew = Dispatch(client, At(500)).Message;
        Assert.Equal(At(500 + 187.5), client.PollAt()); // §4.4.5: half of the 375 s left to T2
        var again = Dispatch(client, At(687.5));
        Assert.Equal(s_server, again.Destination);
        Assert.Equal(renew.TransactionId, again.Message.TransactionId);
        Assert.Equal(At(687.5 + 93.75), client.PollAt());
        Dispatch(client, At(781.25));
        Assert.Equal(At(781.25 + 60), client.PollAt()); // half of 93.75 s is below the 60 s minimum
        Dispatch(client, At(841.25));
        Assert.Equal(At(875), client.PollAt()); // the next 60 s would pass T2: T2 comes first

        var rebind = Dispatch(client, At(875));
        Assert.Equal(DhcpState.Rebinding, client.State);
        Assert.Equal(IPv4Address.Broadcast, rebind.Destination);
        Assert.Equal(s_offered, rebind.Message.ClientAddress);
        Assert.Equal(At(875 + 62.5), client.PollAt()); // half of the 125 s left to expiry

        Assert.True(client.Process(At(880), Reply(rebind.Message, DhcpMessageType.Ack, lease: 1000)));
        Assert.Equal(DhcpState.Bound, client.State);
        Assert.True(client.TryTakeLeaseChange(out var lease));
        Assert.Equal(At(875), lease!.Start);
    }

    [Fact]
    public void RenewalRetransmissions_WaitAtLeast60s()
    {
        var client = Bound(); // T1 60, T2 105: 45 s between them
        Dispatch(client, At(60));
        Assert.Equal(At(105), client.PollAt()); // 60 s minimum is past T2, so T2 is next
    }

    [Fact]
    public void Expiry_DropsTheAddress_AndStartsOver()
    {
        var client = Bound();
        Dispatch(client, At(60));   // renew
        Dispatch(client, At(105));  // rebind
        Assert.Equal(At(120), client.PollAt());
        Assert.False(client.TryDispatch(At(119.9), out _));
        Assert.NotNull(client.Lease);

        var discover = Dispatch(client, At(120));
        Assert.Equal(DhcpMessageType.Discover, discover.Message.MessageType);
        Assert.Equal(DhcpState.Selecting, client.State);
        Assert.Null(client.Lease);
        Assert.True(client.TryTakeLeaseChange(out var lost));
        Assert.Null(lost);
    }

    [Fact]
    public void NakWhileRenewing_DropsTheLease()
    {
        var client = Bound();
        var renew = Dispatch(client, At(60)).Message;
        Assert.True(client.Process(At(61), Reply(renew, DhcpMessageType.Nak)));
        Assert.True(client.TryTakeLeaseChange(out var lost));
        Assert.Null(lost);
        Assert.Equal(DhcpMessageType.Discover, Dispatch(client, At(61)).Message.MessageType);
    }

    [Fact]
    public void ServerTimes_T1T2_AreUsed_AndClamped()
    {
        var client = Client();
        client.Start(s_t0);
        var discover = Dispatch(client, s_t0).Message;
        client.Process(s_t0, Reply(discover, DhcpMessageType.Offer));
        var request = Dispatch(client, s_t0).Message;
        client.Process(s_t0, Reply(request, DhcpMessageType.Ack, lease: 100, t1: 30, t2: 500));
        Assert.Equal(TimeSpan.FromSeconds(30), client.Lease!.RenewalTime);
        Assert.Equal(TimeSpan.FromSeconds(100), client.Lease.RebindingTime); // T2 past the lease: clamped
    }

    [Fact]
    public void InfiniteLease_NeverRenews()
    {
        var client = Bound(lease: uint.MaxValue);
        Assert.Equal(TimeSpan.MaxValue, client.Lease!.Duration);
        Assert.Equal(Instant.MaxValue, client.PollAt());
    }

    [Fact]
    public void Stop_ReportsTheLossAndGoesQuiet()
    {
        var client = Bound();
        client.Stop();
        Assert.Equal(DhcpState.Stopped, client.State);
        Assert.True(client.TryTakeLeaseChange(out var lost));
        Assert.Null(lost);
        Assert.Equal(Instant.MaxValue, client.PollAt());
        Assert.False(client.TryDispatch(At(1000), out _));
    }
}
