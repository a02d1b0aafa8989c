using Teeceepee.Tcp;
using Teeceepee.Wire;
using static Teeceepee.Tests.Tcp.TcbHarness;

namespace Teeceepee.Tests.Tcp;

/// <summary>
/// RFC 9293 §3.10.7.4 answers an unacceptable segment with an ACK; without data such answers are throttled to one
/// per <see cref="TcpConfig.InvalidAckInterval"/> (500 ms, Linux tcp_invalid_ratelimit; RFC 5961 §7's spirit),
/// so two confused stacks cannot ping-pong ACKs and a blind sender learns little.
/// </summary>
public class TcbInvalidAckRateLimitTests
{
    private static readonly TcpRepr OutOfWindowAck = In with { SeqNumber = RemoteIsn + 200_000 };

    [Fact]
    public void Established_OutOfWindowPureAcks_AnsweredOncePerInterval()
    {
        var h = Established();
        h.Send(OutOfWindowAck, atMs: 1000);
        h.Expect(Out);
        h.Send(OutOfWindowAck, atMs: 1100);
        h.ExpectNothing();
        h.Send(OutOfWindowAck, atMs: 1499);
        h.ExpectNothing();
        Assert.Equal(2, h.Tcb.InvalidAcksSuppressed);
        h.Send(OutOfWindowAck, atMs: 1500);
        h.Expect(Out);
        Assert.Equal(TcpState.Established, h.Tcb.State);
    }

    [Fact]
    public void Established_OutOfWindowData_AlwaysAnswered()
    {
        // An old retransmission whose ACK was lost: its sender needs the ACK, every time.
        var h = Established();
        h.Send(In, Bytes(100), atMs: 1000);
        h.Dispatch();
        for (int i = 0; i < 3; i++)
        {
            h.Send(In, Bytes(100), atMs: 1001 + i);
            var ack = Assert.Single(h.Dispatch());
            Assert.Equal(RemoteIsn + 101, ack.AckNumber);
        }
        Assert.Equal(0, h.Tcb.InvalidAcksSuppressed);
    }

    [Fact]
    public void Established_OutOfWindowSyn_SharesTheLimit()
    {
        var h = Established();
        h.Send(OutOfWindowAck, atMs: 1000);
        h.Expect(Out);
        h.Send(Syn with { SeqNumber = RemoteIsn + 300_000 }, atMs: 1010);
        h.ExpectNothing();
        Assert.Equal(1, h.Tcb.InvalidAcksSuppressed);
    }

    [Fact]
    public void Established_PawsRejectedPureAcks_AreLimitedToo()
    {
        var config = DefaultConfig with { Timestamps = true };
        var h = Passive(config);
        h.Send(Syn with { Timestamp = new TcpTimestamp(1000, 0) });
        var synAck = Assert.Single(h.Dispatch());
        h.Send(In with { Timestamp = new TcpTimestamp(1001, synAck.Timestamp!.Value.Value) });
        var old = In with { Timestamp = new TcpTimestamp(900, 0) };
        h.Send(old, atMs: 1000);
        Assert.Single(h.Dispatch());
        h.Send(old, atMs: 1001);
        h.ExpectNothing();
        Assert.Equal(1, h.Tcb.InvalidAcksSuppressed);
    }

    [Fact]
    public void ZeroInterval_AnswersEveryOne()
    {
        var h = Established(DefaultConfig with { InvalidAckInterval = TimeSpan.Zero });
        for (int i = 0; i < 3; i++)
        {
            h.Send(OutOfWindowAck, atMs: 1000 + i);
            h.Expect(Out);
        }
        Assert.Equal(0, h.Tcb.InvalidAcksSuppressed);
    }

    [Fact]
    public void NegativeInterval_IsRejected()
    {
        var config = DefaultConfig with { InvalidAckInterval = TimeSpan.FromMilliseconds(-1) };
        Assert.Throws<ArgumentException>(config.Validate);
    }
}
