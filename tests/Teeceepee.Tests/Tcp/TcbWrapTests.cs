using System.Security.Cryptography;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp;

/// <summary>Sequence numbers wrap modulo 2^32 (RFC 9293 §3.4): transfers across the wrap, with loss, stay exact.</summary>
public class TcbWrapTests
{
    [Theory]
    [InlineData(0xFFFF_FF00u, 0xFFFF_0000u, 0)]
    [InlineData(0x7FFF_FFF0u, 0xFFFF_FFFEu, 7)]
    [InlineData(0xFFFF_F000u, 0x0000_0010u, 5)]
    public void TwoTcbs_TransferAcrossSequenceWrap_ArrivesIntact(uint clientIss, uint serverIss, int dropEvery)
    {
        var a = new IPv4Address(198, 18, 0, 1);
        var b = new IPv4Address(198, 18, 0, 2);
        var config = TcpConfig.Default with { ReceiveBufferSize = 64 * 1024, SendBufferSize = 64 * 1024 };
        var client = new Tcb(config, a, 40000, b, 80);
        var server = new Tcb(config, b, 80, a, 40000);
        // The server opens passively from the first SYN that arrives, as TcpHost's listener does.
        var now = Instant.FromMilliseconds(1);
        client.Connect(now, new SeqNumber(clientIss));

        var up = RandomNumberGenerator.GetBytes(1 << 20);
        var down = RandomNumberGenerator.GetBytes(300_000);
        var gotUp = new MemoryStream();
        var gotDown = new MemoryStream();
        var wire = new byte[65536];
        var chunk = new byte[16384];
        int sentUp = 0, sentDown = 0, counter = 0;
        for (int step = 0; step < 200_000 && (gotUp.Length < up.Length || gotDown.Length < down.Length); step++)
        {
            if (sentUp < up.Length)
                sentUp += client.Send(up.AsSpan(sentUp));
            if (server.State >= TcpState.Established && sentDown < down.Length)
                sentDown += server.Send(down.AsSpan(sentDown));
            while (client.TryDispatch(now, wire, out var seg))
            {
                if (dropEvery != 0 && ++counter % dropEvery == 0)
                    continue;
                if (server.State == TcpState.Closed && seg.Control == TcpControl.Syn && seg.AckNumber is null)
                    server.AcceptSyn(now, seg, new SeqNumber(serverIss));
                else
                    server.Process(now, seg, wire.AsSpan(0, seg.PayloadLength));
            }
            while (server.TryDispatch(now, wire, out var seg))
            {
                if (dropEvery == 0 || ++counter % dropEvery != 0)
                    client.Process(now, seg, wire.AsSpan(0, seg.PayloadLength));
            }
            int n;
            while ((n = server.Receive(chunk)) > 0)
                gotUp.Write(chunk, 0, n);
            while ((n = client.Receive(chunk)) > 0)
                gotDown.Write(chunk, 0, n);
            var next = Instant.Min(client.PollAt(), server.PollAt());
            now = next > now && next != Instant.MaxValue ? next : now + TimeSpan.FromMilliseconds(1);
        }
        Assert.Equal(SHA256.HashData(up), SHA256.HashData(gotUp.ToArray()));
        Assert.Equal(SHA256.HashData(down), SHA256.HashData(gotDown.ToArray()));
        Assert.Equal(TcpState.Established, client.State);
        Assert.Equal(TcpState.Established, server.State);
    }
}
