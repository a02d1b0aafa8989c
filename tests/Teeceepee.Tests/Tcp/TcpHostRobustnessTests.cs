using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp;

/// <summary>Issue 4 item 10: garbage aimed at a host with listeners and live connections never crashes it.</summary>
public class TcpHostRobustnessTests
{
    [Fact]
    public void RandomSegmentsAtLiveHost_NeverThrow_AndLiveTransferStillCompletes()
    {
        var net = new TcpLoopback(77, loss: 0.02, reorder: 0.02);
        var listener = net.B.Listen(new TcpEndpoint(TcpLoopback.AddressB, 80), backlog: 8);
        var client = net.A.Connect(net.Now, TcpLoopback.AddressA, new TcpEndpoint(TcpLoopback.AddressB, 80), localPort: 6000);
        var rng = new Random(77);
        var junk = new byte[2000];
        rng.NextBytes(junk);
        var payload = new byte[200_000];
        rng.NextBytes(payload);
        Tcb? server = null;
        int sent = 0;
        var received = new MemoryStream();
        var chunk = new byte[8192];
        var buffer = new byte[65536];
        int injected = 0;
        bool done = net.Run(
            () => received.Length == payload.Length,
            () =>
            {
                // Attack traffic: random ports and sequence numbers, occasionally aimed at the live 4-tuple.
                for (int i = 0; i < 3; i++)
                {
                    bool live = rng.Next(4) == 0;
                    int len = rng.Next(3) == 0 ? rng.Next(junk.Length) : 0;
                    var seg = new TcpRepr
                    {
                        SourcePort = live ? (ushort)6000 : (ushort)rng.Next(1, 65536),
                        DestinationPort = live || rng.Next(2) == 0 ? (ushort)80 : (ushort)rng.Next(1, 65536),
                        Control = (TcpControl)rng.Next(4),
                        SeqNumber = new SeqNumber((uint)rng.NextInt64(0, 1L << 32)),
                        AckNumber = rng.Next(3) == 0 ? null : new SeqNumber((uint)rng.NextInt64(0, 1L << 32)),
                        WindowLength = (ushort)rng.Next(65536),
                        MaxSegmentSize = rng.Next(2) == 0 ? (ushort)rng.Next(65536) : null,
                        WindowScale = rng.Next(2) == 0 ? (byte)rng.Next(256) : null,
                        SackPermitted = rng.Next(2) == 0,
                        Timestamp = rng.Next(2) == 0 ? new TcpTimestamp((uint)rng.Next(), (uint)rng.Next()) : null,
                        PayloadLength = len,
                    };
                    net.B.Process(net.Now, TcpLoopback.AddressA, TcpLoopback.AddressB, seg, junk.AsSpan(0, len));
                    injected++;
                }
                while (listener.TryAccept(out var t))
                {
                    if (t.RemotePort == 6000 && server is null)
                        server = t;
                    else
                        t.Abort();
                }
                if (sent < payload.Length)
                    sent += client.Send(payload.AsSpan(sent));
                if (server is not null)
                {
                    int n;
                    while ((n = server.Receive(chunk)) > 0)
                        received.Write(chunk, 0, n);
                }
            },
            limitMs: 600_000);
        Assert.True(injected > 100);
        // RFC 5961 makes a blind reset a 1-in-2^32 guess per try: the stream survives, byte for byte.
        Assert.True(done, $"client {client.GetInfo()}");
        Assert.Equal(payload, received.ToArray());
        Assert.True(net.B.ConnectionCount < 100);
        while (net.B.TryDispatch(net.Now, buffer, out _))
        {
        }
    }
}
