using Teeceepee.Tcp;
using static Teeceepee.Tests.Tcp.TcbHarness;

namespace Teeceepee.Tests.Tcp;

/// <summary>ICMP errors on an open connection are soft (RFC 1122 §4.2.3.9): kept, and reported only if the connection then gives up.</summary>
public class TcbSoftErrorTests
{
    [Fact]
    public void Established_HostUnreachable_StaysOpen()
    {
        var h = Established();
        h.Tcb.OnIcmpError(h.Now, TcpIcmpError.HostUnreachable);
        Assert.Equal(TcpState.Established, h.Tcb.State);
        Assert.Equal(TcpIcmpError.HostUnreachable, h.Tcb.LastSoftError);
    }

    [Fact]
    public void Established_SoftHostUnreachable_ThenRetriesRunOut_ReportsHostUnreachable()
    {
        var h = Established(DefaultConfig with { MaxRetransmissions = 3 });
        h.Tcb.Send(Bytes(100));
        h.Dispatch();
        h.Tcb.OnIcmpError(h.Now, TcpIcmpError.HostUnreachable);
        h.RunUntil(10_000);
        Assert.Equal(TcpState.Closed, h.Tcb.State);
        Assert.Equal(TcpError.HostUnreachable, h.Tcb.Error);
    }

    [Fact]
    public void Established_SoftNetworkUnreachable_ThenRetriesRunOut_ReportsNetworkUnreachable()
    {
        var h = Established(DefaultConfig with { MaxRetransmissions = 2 });
        h.Tcb.Send(Bytes(100));
        h.Dispatch();
        h.Tcb.OnIcmpError(h.Now, TcpIcmpError.NetworkUnreachable);
        h.RunUntil(10_000);
        Assert.Equal(TcpError.NetworkUnreachable, h.Tcb.Error);
    }

    [Fact]
    public void Established_SoftErrorThenNewDataAcked_LaterTimeoutSaysTimedOut()
    {
        var h = Established(DefaultConfig with { MaxRetransmissions = 3 });
        h.Tcb.Send(Bytes(100));
        h.Dispatch();
        h.Tcb.OnIcmpError(h.Now, TcpIcmpError.HostUnreachable);
        h.Send(In with { AckNumber = LocalIsn + 101 }, atMs: 50);
        Assert.Null(h.Tcb.LastSoftError);
        h.Tcb.Send(Bytes(100));
        h.Dispatch();
        h.RunUntil(20_000);
        Assert.Equal(TcpError.TimedOut, h.Tcb.Error);
    }
}
