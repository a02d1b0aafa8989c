using System.Security.Cryptography;
using Teeceepee.Links;
using Teeceepee.Tcp;

namespace Teeceepee.Tests.Simulations;

/// <summary>
/// Small deterministic reproductions of faults the seeded sweep found, each named after the rule it checks.
/// </summary>
public class TcpBugReproTests
{
    private static readonly TcpConfig s_config = TcpConfig.Default with { Msl = TimeSpan.FromSeconds(1) };

    [Fact(Skip = SeededTransferTests.FragmentBug)]
    public async Task BidirectionalTransfer_WithSackBlocks_NeverExceedsMtu_NoIpFragments()
    {
        // RFC 9293 §3.7.1: Eff.snd.MSS = min(SendMSS + 20, MMS_S) - TCPhdrsize, where TCPhdrsize counts the
        // options of the segment; SACK blocks (RFC 2018) on a data segment must shrink its payload, not push
        // the datagram past the MTU into IP fragmentation.
        var faults = new FaultOptions { Reorder = 0.05, ReorderDelay = TimeSpan.FromMilliseconds(3), Delay = TimeSpan.FromMilliseconds(2) };
        await using var net = new SimNetwork(21, faults, s_config);
        var listener = net.TcpB.Listen(new TcpEndpoint(SimNetwork.AddressB, 80));
        var client = net.TcpA.Connect(net.Now, SimNetwork.AddressA, new TcpEndpoint(SimNetwork.AddressB, 80));
        using var transfer = new DuplexTransfer(client, RandomNumberGenerator.GetBytes(400_000), RandomNumberGenerator.GetBytes(400_000));
        var scratch = new byte[65536];
        net.RunUntilOrFail(() =>
        {
            if (transfer.Server is null && listener.TryAccept(out var server))
                transfer.AttachServer(server);
            transfer.Pump(scratch);
            return transfer.Complete || transfer.Failed;
        }, TimeSpan.FromMinutes(5), "transfer");

        Assert.True(transfer.Complete, transfer.Describe());
        Assert.True(client.GetInfo().Sack, "SACK was negotiated");
        Assert.Equal(0, net.A.Stats.FragmentsOut);
        Assert.Equal(0, net.B.Stats.FragmentsOut);
    }

    [Fact]
    public async Task BothSidesTimeOut_AfterAckBlackout_AcksStayAcceptable_TransferResumes()
    {
        // Both ends send a window of data; the data arrives, then the wire goes dark so every ACK is lost.
        // Both retransmission timers fire and (go-back-N) pull SND.NXT back to SND.UNA, below what the peer
        // has already received. When the wire returns, each end's ACKs must still be acceptable to the other
        // (RFC 9293 §3.10.7.4: SEG.SEQ of an ACK-only segment must fall in RCV.NXT..RCV.NXT+RCV.WND), i.e. they
        // must carry SEQ = the highest sequence number sent (SND.MAX), as Linux does. Otherwise each end drops
        // the other's ACKs as unacceptable, answers each with an ACK of its own (an ACK war) and the
        // connection never advances until the user timeout kills it.
        var faults = new FaultOptions { Delay = TimeSpan.FromMilliseconds(10) };
        await using var net = new SimNetwork(22, faults, s_config with { NoDelay = true });
        net.WarmUpArp();
        var listener = net.TcpB.Listen(new TcpEndpoint(SimNetwork.AddressB, 80));
        var client = net.TcpA.Connect(net.Now, SimNetwork.AddressA, new TcpEndpoint(SimNetwork.AddressB, 80));
        Tcb? server = null;
        net.RunUntilOrFail(() =>
        {
            if (server is null && listener.TryAccept(out var s))
                server = s;
            return server is not null && client.State == TcpState.Established;
        }, TimeSpan.FromSeconds(5), "handshake");

        var up = new StreamLeg(RandomNumberGenerator.GetBytes(10 * 1448), shutdownWhenSent: false);
        var down = new StreamLeg(RandomNumberGenerator.GetBytes(10 * 1448), shutdownWhenSent: false);
        var scratch = new byte[65536];
        up.Pump(client, server, scratch);
        down.Pump(server, client, scratch);
        // The initial windows leave now and land 10 ms later; cut the wire just after they landed.
        var sent = net.Now;
        net.RunUntil(() => net.Now > sent + TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1));
        net.Blackout = true;
        net.Run(TimeSpan.FromSeconds(2));
        Assert.True(client.GetInfo().Timeouts > 0 && server!.GetInfo().Timeouts > 0, "both retransmission timers fired");
        net.Blackout = false;

        var resumed = net.Now;
        long segmentsBefore = net.A.Stats.TcpSegmentsOut + net.B.Stats.TcpSegmentsOut;
        net.RunUntilOrFail(() =>
        {
            up.Pump(client, server, scratch);
            down.Pump(server, client, scratch);
            return up.Received == up.Data.Length && down.Received == down.Data.Length
                && client.SendQueueLength == 0 && server!.SendQueueLength == 0;
        }, TimeSpan.FromSeconds(30), "recovery after the blackout");
        Assert.Equal(TcpError.None, client.Error);
        Assert.Equal(TcpError.None, server!.Error);
        // Recovery is a handful of segments, not an ACK war.
        long segments = net.A.Stats.TcpSegmentsOut + net.B.Stats.TcpSegmentsOut - segmentsBefore;
        Assert.InRange(segments, 1, 100);
        Assert.InRange(net.Now - resumed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }
}
