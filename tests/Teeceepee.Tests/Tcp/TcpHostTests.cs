using System.Security.Cryptography;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp;

/// <summary>The host: demux, listeners, closed-port RSTs, SYN cookies, ephemeral ports, scheduling, and whole transfers.</summary>
public class TcpHostTests
{
    private static readonly IPv4Address Local = new(198, 18, 0, 2);
    private static readonly IPv4Address Remote = new(198, 18, 0, 1);
    private static readonly byte[] Key = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

    private static TcpHost NewHost(TcpConfig? config = null) =>
        new(config, new IsnGenerator(Key), new EphemeralPortAllocator(Key), new SynCookies(Key));

    private static List<TcpOutgoing> DispatchAll(TcpHost host, Instant now)
    {
        var list = new List<TcpOutgoing>();
        var buffer = new byte[65536];
        while (host.TryDispatch(now, buffer, out var o))
            list.Add(o);
        return list;
    }

    private static readonly TcpRepr ClientSyn = new()
    {
        SourcePort = 40000,
        DestinationPort = 80,
        Control = TcpControl.Syn,
        SeqNumber = new SeqNumber(5000),
        WindowLength = 65535,
        MaxSegmentSize = 1460,
    };

    [Fact]
    public void SynToClosedPort_SendsRstAck()
    {
        var host = NewHost();
        host.Process(Instant.Zero, Remote, Local, ClientSyn, []);
        var o = Assert.Single(DispatchAll(host, Instant.Zero));
        Assert.Equal(Local, o.LocalAddress);
        Assert.Equal(Remote, o.RemoteAddress);
        Assert.Equal(new TcpRepr { SourcePort = 80, DestinationPort = 40000, Control = TcpControl.Rst, SeqNumber = new SeqNumber(0), AckNumber = new SeqNumber(5001) }, o.Segment);
        Assert.Equal(1, host.ResetsSent);
    }

    [Fact]
    public void DataWithoutAckToClosedPort_RstAcksSeqPlusLength()
    {
        var host = NewHost();
        host.Process(Instant.Zero, Remote, Local, ClientSyn with { Control = TcpControl.Fin, MaxSegmentSize = null, PayloadLength = 10 }, new byte[10]);
        var o = Assert.Single(DispatchAll(host, Instant.Zero));
        Assert.Equal(new SeqNumber(5011), o.Segment.AckNumber);
    }

    [Fact]
    public void AckToClosedPort_SendsRstWithSeqOfAck()
    {
        var host = NewHost();
        host.Process(Instant.Zero, Remote, Local, ClientSyn with { Control = TcpControl.None, AckNumber = new SeqNumber(777), MaxSegmentSize = null }, []);
        var o = Assert.Single(DispatchAll(host, Instant.Zero));
        Assert.Equal(new TcpRepr { SourcePort = 80, DestinationPort = 40000, Control = TcpControl.Rst, SeqNumber = new SeqNumber(777) }, o.Segment);
    }

    [Fact]
    public void RstToClosedPort_IsIgnored()
    {
        var host = NewHost();
        host.Process(Instant.Zero, Remote, Local, ClientSyn with { Control = TcpControl.Rst }, []);
        Assert.Empty(DispatchAll(host, Instant.Zero));
    }

    [Fact]
    public void Listener_SynThenAck_AcceptsEstablishedConnection()
    {
        var host = NewHost();
        var listener = host.Listen(new TcpEndpoint(IPv4Address.Any, 80));
        host.Process(Instant.Zero, Remote, Local, ClientSyn, []);
        var synAck = Assert.Single(DispatchAll(host, Instant.Zero)).Segment;
        Assert.Equal(TcpControl.Syn, synAck.Control);
        Assert.Equal(new SeqNumber(5001), synAck.AckNumber);
        Assert.Equal(1, listener.SynQueueLength);
        Assert.False(listener.TryAccept(out _));

        host.Process(Instant.Zero, Remote, Local, new TcpRepr
        {
            SourcePort = 40000,
            DestinationPort = 80,
            SeqNumber = new SeqNumber(5001),
            AckNumber = synAck.SeqNumber + 1,
            WindowLength = 65535,
        }, []);
        Assert.True(listener.TryAccept(out var tcb));
        Assert.Equal(TcpState.Established, tcb.State);
        Assert.Equal(0, listener.SynQueueLength);
        Assert.Equal(Local, tcb.LocalAddress);
        Assert.Equal((ushort)40000, tcb.RemotePort);
        Assert.Equal(1, host.ConnectionCount);
    }

    [Fact]
    public void Listen_SameEndpointTwice_ThrowsAddressAlreadyInUse()
    {
        var host = NewHost();
        host.Listen(new TcpEndpoint(Local, 80));
        var ex = Assert.Throws<TcpException>(() => host.Listen(new TcpEndpoint(IPv4Address.Any, 80)));
        Assert.Equal(TcpError.AddressAlreadyInUse, ex.Error);
        Assert.Throws<TcpException>(() => host.Listen(new TcpEndpoint(Local, 80)));
    }

    [Fact]
    public void Listen_PortZero_PicksFreeEphemeralPorts()
    {
        var host = NewHost();
        var first = host.Listen(new TcpEndpoint(Local, 0));
        var second = host.Listen(new TcpEndpoint(IPv4Address.Any, 0));
        var client = host.Connect(Instant.Zero, Local, new TcpEndpoint(Remote, 80));
        var third = host.Listen(new TcpEndpoint(Local, 0));
        Assert.InRange(first.LocalEndpoint.Port, 49152, 65535);
        Assert.InRange(second.LocalEndpoint.Port, 49152, 65535);
        ushort[] ports = [first.LocalEndpoint.Port, second.LocalEndpoint.Port, client.LocalPort, third.LocalEndpoint.Port];
        Assert.Equal(ports.Length, ports.Distinct().Count());
        Assert.Equal(Local, first.LocalEndpoint.Address);
    }

    [Fact]
    public void ClosedListener_FreesPortAndResetsQueuedConnections()
    {
        var host = NewHost();
        var listener = host.Listen(new TcpEndpoint(Local, 80));
        host.Process(Instant.Zero, Remote, Local, ClientSyn, []);
        DispatchAll(host, Instant.Zero);
        listener.Close();
        host.Listen(new TcpEndpoint(Local, 80));
        Assert.Contains(DispatchAll(host, Instant.Zero), o => o.Segment.Control == TcpControl.Rst);
        Assert.Equal(0, host.ConnectionCount);
    }

    [Fact]
    public void Connect_UsesEphemeralPortAndSendsSyn()
    {
        var host = NewHost();
        var tcb = host.Connect(Instant.Zero, Local, new TcpEndpoint(Remote, 80));
        Assert.InRange(tcb.LocalPort, 49152, 65535);
        Assert.Equal(TcpState.SynSent, tcb.State);
        var o = Assert.Single(DispatchAll(host, Instant.Zero));
        Assert.Equal(TcpControl.Syn, o.Segment.Control);
        Assert.Equal(tcb.LocalPort, o.Segment.SourcePort);
        var other = host.Connect(Instant.Zero, Local, new TcpEndpoint(Remote, 80));
        Assert.NotEqual(tcb.LocalPort, other.LocalPort);
    }

    [Fact]
    public void Connect_SameFourTuple_ThrowsAddressAlreadyInUse()
    {
        var host = NewHost();
        host.Connect(Instant.Zero, Local, new TcpEndpoint(Remote, 80), localPort: 50000);
        var ex = Assert.Throws<TcpException>(() => host.Connect(Instant.Zero, Local, new TcpEndpoint(Remote, 80), localPort: 50000));
        Assert.Equal(TcpError.AddressAlreadyInUse, ex.Error);
    }

    [Fact]
    public void Connect_RstFromPeer_IsRefusedAndRemoved()
    {
        var host = NewHost();
        var tcb = host.Connect(Instant.Zero, Local, new TcpEndpoint(Remote, 80));
        var syn = Assert.Single(DispatchAll(host, Instant.Zero)).Segment;
        host.Process(Instant.Zero, Remote, Local, new TcpRepr
        {
            SourcePort = 80,
            DestinationPort = tcb.LocalPort,
            Control = TcpControl.Rst,
            AckNumber = syn.SeqNumber + 1,
        }, []);
        Assert.Equal(TcpError.ConnectionRefused, tcb.Error);
        DispatchAll(host, Instant.Zero);
        Assert.Equal(0, host.ConnectionCount);
    }

    [Fact]
    public void IcmpUnreachable_FailsConnectWithHostUnreachable()
    {
        var host = NewHost();
        var tcb = host.Connect(Instant.Zero, Local, new TcpEndpoint(Remote, 80));
        var syn = Assert.Single(DispatchAll(host, Instant.Zero)).Segment;
        // RFC 5927: a quoted sequence number we never sent is ignored.
        host.OnIcmpError(Instant.Zero, new TcpFourTuple(Local, tcb.LocalPort, Remote, 80), TcpIcmpError.HostUnreachable, syn.SeqNumber + 5000);
        Assert.Equal(TcpState.SynSent, tcb.State);
        host.OnIcmpError(Instant.Zero, new TcpFourTuple(Local, tcb.LocalPort, Remote, 80), TcpIcmpError.HostUnreachable, syn.SeqNumber);
        Assert.Equal(TcpError.HostUnreachable, tcb.Error);
    }

    [Fact]
    public void SynQueueFull_AnswersWithSynCookie_AndCookieAckCompletesConnection()
    {
        var host = NewHost(TcpConfig.Default with { SynBacklog = 1 });
        var listener = host.Listen(new TcpEndpoint(Local, 80));
        host.Process(Instant.Zero, Remote, Local, ClientSyn, []);
        host.Process(Instant.Zero, Remote, Local, ClientSyn with { SourcePort = 40001, SackPermitted = true, WindowScale = 7 }, []);
        var out1 = DispatchAll(host, Instant.Zero);
        Assert.Equal(2, out1.Count);
        var cookieSynAck = out1.Single(o => o.Segment.DestinationPort == 40001).Segment;
        // Stateless: only MSS in the cookie SYN-ACK.
        Assert.Null(cookieSynAck.WindowScale);
        Assert.False(cookieSynAck.SackPermitted);
        Assert.Equal(1, listener.SynCookiesSent);
        Assert.Equal(1, host.ConnectionCount);

        host.Process(Instant.FromMilliseconds(5), Remote, Local, new TcpRepr
        {
            SourcePort = 40001,
            DestinationPort = 80,
            SeqNumber = new SeqNumber(5001),
            AckNumber = cookieSynAck.SeqNumber + 1,
            WindowLength = 1000,
            PayloadLength = 3,
        }, [7, 8, 9]);
        Assert.True(listener.TryAccept(out var tcb));
        Assert.Equal(TcpState.Established, tcb.State);
        Assert.Equal(1460, tcb.SendMss);
        var buf = new byte[10];
        Assert.Equal(3, tcb.Receive(buf));
        Assert.Equal(1, listener.SynCookiesAccepted);

        // A forged ACK with a wrong cookie gets a RST.
        host.Process(Instant.FromMilliseconds(5), Remote, Local, new TcpRepr
        {
            SourcePort = 40002,
            DestinationPort = 80,
            SeqNumber = new SeqNumber(9001),
            AckNumber = new SeqNumber(12345),
        }, []);
        Assert.Contains(DispatchAll(host, Instant.FromMilliseconds(5)), o => o.Segment.Control == TcpControl.Rst && o.Segment.DestinationPort == 40002);
    }

    [Fact]
    public void AcceptQueueFull_DropsSyn()
    {
        var host = NewHost(TcpConfig.Default with { SynCookies = false });
        var listener = host.Listen(new TcpEndpoint(Local, 80), backlog: 1);
        for (ushort p = 40000; p < 40003; p++)
        {
            host.Process(Instant.Zero, Remote, Local, ClientSyn with { SourcePort = p }, []);
            var synAck = DispatchAll(host, Instant.Zero).SingleOrDefault().Segment;
            if (synAck.Control == TcpControl.Syn)
            {
                host.Process(Instant.Zero, Remote, Local, new TcpRepr
                {
                    SourcePort = p,
                    DestinationPort = 80,
                    SeqNumber = new SeqNumber(5001),
                    AckNumber = synAck.SeqNumber + 1,
                    WindowLength = 65535,
                }, []);
            }
        }
        Assert.Equal(1, listener.AcceptQueueLength);
        Assert.Equal(2, listener.SynsDropped);
    }

    [Fact]
    public void IdleHost_PollAtIsNever_AndTimersWakeOnlyDueConnections()
    {
        var host = NewHost();
        Assert.Equal(Instant.MaxValue, host.PollAt());
        host.Connect(Instant.Zero, Local, new TcpEndpoint(Remote, 80));
        Assert.Equal(Instant.Zero, host.PollAt());
        DispatchAll(host, Instant.Zero);
        // The SYN's retransmission timer (initial RTO 1 s) is the only deadline.
        Assert.Equal(Instant.FromMilliseconds(1000), host.PollAt());
        var again = DispatchAll(host, Instant.FromMilliseconds(1000));
        Assert.Single(again);
        Assert.Equal(Instant.FromMilliseconds(3000), host.PollAt());
    }

    [Fact]
    public void TwoHosts_Handshake_DataBothWays_AndClose()
    {
        var net = new TcpLoopback(seed: 1);
        var listener = net.B.Listen(new TcpEndpoint(TcpLoopback.AddressB, 80));
        var client = net.A.Connect(net.Now, TcpLoopback.AddressA, new TcpEndpoint(TcpLoopback.AddressB, 80));
        Tcb? server = null;
        Assert.True(net.Run(() => server is not null && client.State == TcpState.Established, () => { if (server is null && listener.TryAccept(out var t)) server = t; }, 5_000));
        Assert.Equal(5, client.Send("hello"u8));
        Assert.Equal(5, server!.Send("world"u8));
        var fromClient = new byte[16];
        var fromServer = new byte[16];
        int a = 0, b = 0;
        Assert.True(net.Run(() => a == 5 && b == 5, () => { a += server.Receive(fromClient.AsSpan(a)); b += client.Receive(fromServer.AsSpan(b)); }, 5_000));
        Assert.Equal("hello"u8.ToArray(), fromClient[..5]);
        Assert.Equal("world"u8.ToArray(), fromServer[..5]);
        client.Close();
        Assert.True(net.Run(() => server.IsReceiveFinished, () => { }, 5_000));
        server.Close();
        Assert.True(net.Run(() => server.State == TcpState.Closed && client.State == TcpState.TimeWait, () => { }, 5_000));
        // The TCB was released into a TIME-WAIT record, which expires after 2×MSL.
        Assert.Equal(1, net.A.TimeWaitCount);
        Assert.True(net.Run(() => net.A.TimeWaitCount == 0, () => { }, 200_000));
        Assert.Equal(0, net.A.ConnectionCount);
        Assert.Equal(0, net.B.ConnectionCount);
    }

    [Fact]
    public void TwoHosts_ConnectToClosedPort_IsRefused()
    {
        var net = new TcpLoopback(seed: 2);
        var client = net.A.Connect(net.Now, TcpLoopback.AddressA, new TcpEndpoint(TcpLoopback.AddressB, 81));
        Assert.True(net.Run(() => client.State == TcpState.Closed, () => { }, 5_000));
        Assert.Equal(TcpError.ConnectionRefused, client.Error);
    }

    public static TheoryData<int, double> TransferCases()
    {
        var data = new TheoryData<int, double>();
        double[] losses = [0, 0.01, 0.05, 0.1, 0.2];
        for (int seed = 1; seed <= 20; seed++)
        {
            foreach (var loss in losses)
                data.Add(seed, loss);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(TransferCases))]
    public void TwoHosts_TransferOneMiB_UnderLossAndReorder_ArrivesIntact(int seed, double loss)
    {
        var net = new TcpLoopback(seed, loss, reorder: 0.05, duplicate: 0.01);
        var payload = new byte[1 << 20];
        new Random(seed).NextBytes(payload);
        var listener = net.B.Listen(new TcpEndpoint(TcpLoopback.AddressB, 5001));
        var client = net.A.Connect(net.Now, TcpLoopback.AddressA, new TcpEndpoint(TcpLoopback.AddressB, 5001));
        Tcb? server = null;
        int sent = 0;
        bool shut = false;
        var received = new MemoryStream();
        var chunk = new byte[32 * 1024];
        bool done = net.Run(
            () => server is not null && server.IsReceiveFinished,
            () =>
            {
                if (server is null && listener.TryAccept(out var t))
                    server = t;
                if (sent < payload.Length)
                    sent += client.Send(payload.AsSpan(sent));
                else if (!shut)
                {
                    client.Shutdown();
                    shut = true;
                }
                if (server is not null)
                {
                    int n;
                    while ((n = server.Receive(chunk)) > 0)
                        received.Write(chunk, 0, n);
                }
            },
            limitMs: 3_600_000);
        Assert.True(done, $"seed {seed} loss {loss}: client {client.GetInfo()} server {server?.GetInfo()}");
        Assert.Equal(TcpError.None, client.Error);
        Assert.Equal(payload.Length, received.Length);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received.ToArray()));
    }

    [Fact]
    public void TwoHosts_ThousandConnections_AllTransferAndClose()
    {
        var net = new TcpLoopback(seed: 7);
        var listener = net.B.Listen(new TcpEndpoint(TcpLoopback.AddressB, 80), backlog: 2000);
        var clients = new List<Tcb>();
        for (int i = 0; i < 1000; i++)
            clients.Add(net.A.Connect(net.Now, TcpLoopback.AddressA, new TcpEndpoint(TcpLoopback.AddressB, 80)));
        var servers = new List<Tcb>();
        var buf = new byte[100];
        long total = 0;
        bool done = net.Run(
            () => total == 1000 * 10,
            () =>
            {
                while (listener.TryAccept(out var t))
                    servers.Add(t);
                foreach (var c in clients)
                {
                    if (c.State == TcpState.Established && c.SendQueueLength == 0 && c.IsSendOpen)
                    {
                        c.Send(new byte[10]);
                        c.Shutdown();
                    }
                }
                foreach (var s in servers)
                    total += s.Receive(buf);
            },
            limitMs: 60_000);
        Assert.True(done, $"accepted {servers.Count}, bytes {total}, established clients {clients.Count(c => c.State != TcpState.SynSent)}, cookies {listener.SynCookiesSent}/{listener.SynCookiesAccepted}, dropped {listener.SynsDropped}");
        Assert.Equal(1000, servers.Count);
        Assert.Equal(1000, net.A.ConnectionCount);
    }

    [Fact]
    public void SegmentForJustClosedConnection_GetsRst()
    {
        var host = NewHost();
        var tcb = host.Connect(Instant.Zero, Local, new TcpEndpoint(Remote, 80), localPort: 50000);
        var syn = Assert.Single(DispatchAll(host, Instant.Zero)).Segment;
        host.Process(Instant.Zero, Remote, Local, new TcpRepr { SourcePort = 80, DestinationPort = 50000, Control = TcpControl.Rst, AckNumber = syn.SeqNumber + 1 }, []);
        Assert.Equal(TcpState.Closed, tcb.State);
        // Not swept yet (no dispatch in between): a stray data segment still gets §3.10.7.1's RST.
        host.Process(Instant.Zero, Remote, Local, new TcpRepr { SourcePort = 80, DestinationPort = 50000, SeqNumber = new SeqNumber(9), AckNumber = new SeqNumber(1234), PayloadLength = 1 }, [1]);
        var rst = Assert.Single(DispatchAll(host, Instant.Zero)).Segment;
        Assert.Equal(new TcpRepr { SourcePort = 50000, DestinationPort = 80, Control = TcpControl.Rst, SeqNumber = new SeqNumber(1234) }, rst);
        Assert.Equal(0, host.ConnectionCount);
    }
}
