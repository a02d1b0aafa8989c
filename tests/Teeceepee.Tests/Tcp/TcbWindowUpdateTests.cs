using Teeceepee.Tcp;
using Teeceepee.Wire;
using static Teeceepee.Tests.Tcp.TcbHarness;

namespace Teeceepee.Tests.Tcp;

/// <summary>
/// The peer reopens a closed window (RFC 9293 §3.8.6.1, §3.10.7.4 fifth): data resumes at the window update,
/// not at the next persist or retransmission timer. A receiver with a zero window drops the probe octet, so
/// its window update acknowledges only what it had before (as Linux does).
/// </summary>
public class TcbWindowUpdateTests
{
    [Fact]
    public void ZeroWindow_UpdateWithoutProbeAcked_SendsAtOnceFromSndUna()
    {
        var h = Established();
        h.Send(In with { WindowLength = 0 });
        h.Tcb.Send(Bytes(100));
        var probes = h.RunUntil(250);
        Assert.Equal([(200L, Out with { PayloadLength = 1 })], probes.Select(p => (p.AtMs, p.Segment with { Push = false })));

        // The peer dropped the probe octet; later its reader drains and it opens the window at 300 ms.
        h.Send(In with { AckNumber = LocalIsn + 1, WindowLength = 0 }, atMs: 201);
        h.Send(In with { AckNumber = LocalIsn + 1, WindowLength = 65535 }, atMs: 300);

        // All 100 octets leave now, from SND.UNA (the dropped probe octet included), not at the next probe (600 ms).
        h.Expect(Out with { Push = true, PayloadLength = 100 });
        Assert.Equal(Bytes(100), h.Payloads[^1]);
    }

    [Fact]
    public void ZeroWindow_UpdateWithoutProbeAcked_LargeSendFillsTheWindow()
    {
        var h = Established();
        h.Send(In with { WindowLength = 0 });
        h.Tcb.Send(Bytes(10_000));
        h.RunUntil(250);
        h.Send(In with { AckNumber = LocalIsn + 1, WindowLength = 4380 }, atMs: 300);
        var sent = h.Dispatch();
        Assert.Equal(3, sent.Count);
        Assert.Equal(LocalIsn + 1, sent[0].SeqNumber);
        Assert.Equal(4380, sent.Sum(s => s.PayloadLength));
        Assert.Equal(Bytes(10_000).AsSpan(0, 1460).ToArray(), h.Payloads[^3]);
    }

    [Fact]
    public void ZeroWindow_UpdateAckingTheProbe_SendsTheRest()
    {
        var h = Established();
        h.Send(In with { WindowLength = 0 });
        h.Tcb.Send(Bytes(100));
        h.RunUntil(250);
        h.Send(In with { AckNumber = LocalIsn + 2, WindowLength = 65535 }, atMs: 300);
        h.Expect(Out with { SeqNumber = LocalIsn + 2, Push = true, PayloadLength = 99 });
    }
}
