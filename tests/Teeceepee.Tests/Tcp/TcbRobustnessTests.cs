using Teeceepee.Tcp;
using Teeceepee.Wire;
using static Teeceepee.Tests.Tcp.TcbHarness;

namespace Teeceepee.Tests.Tcp;

/// <summary>Bad input never crashes the state machine, and the observer hook reports readiness.</summary>
public class TcbRobustnessTests
{
    private sealed class RecordingObserver : ITcbObserver
    {
        public List<string> Events { get; } = [];
        public void OnReadable(Tcb tcb) => Events.Add("readable");
        public void OnWritable(Tcb tcb) => Events.Add("writable");
        public void OnStateChanged(Tcb tcb, TcpState oldState, TcpState newState) => Events.Add($"{oldState}=>{newState}");
        public void OnError(Tcb tcb, TcpError error) => Events.Add($"error {error}");
    }

    private sealed class RecordingTrace : ITcpTraceSink
    {
        public List<string> Lines { get; } = [];
        public void Trace(Tcb tcb, string message) => Lines.Add(message);
    }

    [Fact]
    public void Observer_SeesStateChangesReadableWritableAndError()
    {
        var h = SynReceived();
        var observer = new RecordingObserver();
        h.Tcb.Observer = observer;
        h.Send(In);
        h.Tcb.Send(Bytes(10));
        h.Dispatch();
        h.Send(In with { AckNumber = LocalIsn + 11 }, Bytes(5));
        h.Send(In with { SeqNumber = RemoteIsn + 6, AckNumber = LocalIsn + 11, Control = TcpControl.Rst });
        Assert.Equal(["SynReceived=>Established", "writable", "writable", "readable", "Established=>Closed", "error ConnectionReset"], observer.Events);
    }

    [Fact]
    public void GetInfo_CountsBytesLikeSs()
    {
        var h = Established();
        h.Tcb.Send(Bytes(1000));
        h.Dispatch();
        h.Send(In with { AckNumber = LocalIsn + 1001 }, Bytes(300));
        var info = h.Tcb.GetInfo();
        Assert.Equal(1000, info.BytesSent);
        Assert.Equal(1000, info.BytesAcked);
        Assert.Equal(300, info.BytesReceived);
        Assert.Equal(TcpState.Established, info.State);
        Assert.Equal(1460, info.Mss);
        Assert.Equal(64_000, info.PeerWindow);
    }

    public static TheoryData<int> States() => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

    private static TcbHarness InState(int state) => state switch
    {
        0 => Passive(),
        1 => SynSent(),
        2 => SynReceived(),
        3 => Established(),
        4 => FinWait1(),
        5 => FinWait2(),
        6 => CloseWait(),
        7 => Closing(),
        8 => LastAck(),
        _ => TimeWait(),
    };

    [Theory]
    [MemberData(nameof(States))]
    public void AnyState_RandomSegments_NeverThrowAndStayConsistent(int state)
    {
        var rng = new Random(state * 7919 + 1);
        var payload = new byte[3000];
        rng.NextBytes(payload);
        for (int round = 0; round < 200; round++)
        {
            var h = InState(state);
            for (int i = 0; i < 50; i++)
            {
                var control = (TcpControl)rng.Next(4);
                int len = rng.Next(4) == 0 ? rng.Next(payload.Length) : 0;
                SeqNumber Near(SeqNumber s) => rng.Next(3) switch
                {
                    0 => s + rng.Next(-3, 4),
                    1 => s + rng.Next(-70_000, 70_000),
                    _ => new SeqNumber((uint)rng.NextInt64(0, 1L << 32)),
                };
                var seg = In with
                {
                    Control = control,
                    SeqNumber = Near(RemoteIsn + 1),
                    AckNumber = rng.Next(5) == 0 ? null : Near(LocalIsn + 1),
                    WindowLength = (ushort)rng.Next(65536),
                    MaxSegmentSize = control == TcpControl.Syn && rng.Next(2) == 0 ? (ushort)rng.Next(65536) : null,
                    WindowScale = control == TcpControl.Syn && rng.Next(2) == 0 ? (byte)rng.Next(256) : null,
                    Timestamp = rng.Next(3) == 0 ? new TcpTimestamp((uint)rng.NextInt64(0, 1L << 32), (uint)rng.NextInt64(0, 1L << 32)) : null,
                    SackPermitted = rng.Next(2) == 0,
                };
                h.Send(seg, payload.AsSpan(0, len), atMs: h.NowMs + rng.Next(300));
                if (rng.Next(4) == 0)
                    h.Tcb.Send(payload.AsSpan(0, rng.Next(2000)));
                if (rng.Next(4) == 0)
                    h.Tcb.Receive(new byte[rng.Next(4000)]);
                var segs = h.Dispatch();
                Assert.True(segs.Count < 1000);
                foreach (var s in segs)
                {
                    Assert.True(s.PayloadLength <= 65535);
                    Assert.Equal(LocalPort, s.SourcePort);
                }
                Assert.NotEqual(Instant.Zero, h.Tcb.PollAt()); // drained: nothing may be due "now"
            }
        }
    }
}
