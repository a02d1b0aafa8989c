using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp;

/// <summary>RFC 9293 §3.10.7.2 LISTEN, as the host's listener runs it (a TCB is never itself in LISTEN).</summary>
public class TcpHostListenTests
{
    private static readonly IPv4Address Local = TcbHarness.LocalAddress;
    private static readonly IPv4Address Remote = TcbHarness.RemoteAddress;
    private static readonly byte[] Key = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    private static readonly TcpRepr Syn = TcbHarness.Syn;
    private static readonly TcpRepr In = TcbHarness.In;

    private static (TcpHost Host, TcpListenerQueue Listener) Listening(ITcpTraceSink? trace = null)
    {
        var host = new TcpHost(TcbHarness.DefaultConfig, new IsnGenerator(Key), new EphemeralPortAllocator(Key), new SynCookies(Key)) { Trace = trace };
        var listener = host.Listen(new TcpEndpoint(Local, TcbHarness.LocalPort));
        return (host, listener);
    }

    private static List<TcpRepr> DispatchAll(TcpHost host, Instant now)
    {
        var list = new List<TcpRepr>();
        var buffer = new byte[65536];
        while (host.TryDispatch(now, buffer, out var o))
            list.Add(o.Segment);
        return list;
    }

    private static Tcb Connection(TcpHost host) =>
        host.Find(new TcpFourTuple(Local, TcbHarness.LocalPort, Remote, TcbHarness.RemotePort))!;

    [Fact]
    public void Listen_Syn_SendsSynAckAndBecomesSynReceived()
    {
        var (host, _) = Listening();
        host.Process(Instant.Zero, Remote, Local, Syn, []);
        var sent = Assert.Single(DispatchAll(host, Instant.Zero));
        Assert.Equal(TcpControl.Syn, sent.Control);
        Assert.Equal(TcbHarness.RemoteIsn + 1, sent.AckNumber);
        var tcb = Connection(host);
        Assert.Equal(TcpState.SynReceived, tcb.State);
        Assert.Equal(TcbHarness.RemotePort, tcb.RemotePort);
    }

    [Fact]
    public void Listen_Ack_SendsRstWithSeqOfAck()
    {
        var (host, listener) = Listening();
        host.Process(Instant.Zero, Remote, Local, In with { AckNumber = TcbHarness.LocalIsn + 7 }, []);
        var rst = Assert.Single(DispatchAll(host, Instant.Zero));
        Assert.Equal(TcpControl.Rst, rst.Control);
        Assert.Equal(TcbHarness.LocalIsn + 7, rst.SeqNumber);
        Assert.Equal(0, host.ConnectionCount);
        Assert.False(listener.IsClosed);
    }

    [Fact]
    public void Listen_Rst_IsIgnored()
    {
        var (host, listener) = Listening();
        host.Process(Instant.Zero, Remote, Local, In with { Control = TcpControl.Rst, AckNumber = null }, []);
        Assert.Empty(DispatchAll(host, Instant.Zero));
        Assert.Equal(0, host.ConnectionCount);
        Assert.False(listener.IsClosed);
        Assert.Equal(1, host.Drops[TcpDropReason.ResetToListener]);
    }

    [Fact]
    public void Listen_PlainSegment_IsDropped()
    {
        var (host, listener) = Listening();
        host.Process(Instant.Zero, Remote, Local, In with { AckNumber = null, PayloadLength = 3 }, [1, 2, 3]);
        Assert.Empty(DispatchAll(host, Instant.Zero));
        Assert.Equal(0, host.ConnectionCount);
        Assert.False(listener.IsClosed);
        Assert.Equal(1, host.Drops[TcpDropReason.NoSynToListener]);
    }

    [Fact]
    public void SynReceived_Rst_ReturnsToListen()
    {
        // §3.10.7.4 second: a passive open's RST "returns this connection to the LISTEN state": the connection
        // goes and the listener answers the next SYN.
        var (host, listener) = Listening();
        host.Process(Instant.Zero, Remote, Local, Syn, []);
        DispatchAll(host, Instant.Zero);
        var tcb = Connection(host);
        host.Process(Instant.Zero, Remote, Local, In with { Control = TcpControl.Rst, AckNumber = null }, []);
        Assert.Empty(DispatchAll(host, Instant.Zero));
        Assert.Equal(TcpState.Closed, tcb.State);
        Assert.Equal(0, listener.SynQueueLength);
        host.Process(Instant.FromMilliseconds(10), Remote, Local, Syn, []);
        var synAck = Assert.Single(DispatchAll(host, Instant.FromMilliseconds(10)));
        Assert.Equal(TcpControl.Syn, synAck.Control);
        Assert.Equal(TcpState.SynReceived, Connection(host).State);
    }

    [Fact]
    public void Trace_RecordsOldToNewStates()
    {
        var trace = new RecordingTrace();
        var (host, _) = Listening(trace);
        host.Process(Instant.Zero, Remote, Local, Syn, []);
        var synAck = Assert.Single(DispatchAll(host, Instant.Zero));
        host.Process(Instant.Zero, Remote, Local, In with { AckNumber = synAck.SeqNumber + 1 }, []);
        Assert.Equal(["Closed=>SynReceived", "SynReceived=>Established"], trace.Lines.Where(l => l.Contains("=>", StringComparison.Ordinal)));
    }

    private sealed class RecordingTrace : ITcpTraceSink
    {
        public List<string> Lines { get; } = [];

        public void Trace(Tcb tcb, string message) => Lines.Add(message);
    }
}
