using Teeceepee.Tcp;
using Teeceepee.Tests.Tcp;
using Teeceepee.Wire;
using Xunit.Abstractions;

namespace Teeceepee.Tests.Performance;

/// <summary>
/// Issue 13 item 2: a connection that lost a segment each way, recovered with SACK (RFC 6675) and went idle holds no
/// SACK scoreboard, retransmission log or out-of-order range table: they go back to the shared pool when the last
/// range, entry or hole goes, so it costs what a connection that never saw a loss costs (at most the 1,792 B per
/// connection end of <see cref="IdleConnectionMemoryTests"/>). Kept until the connection closed, as before, the three
/// came to ~800 B more per end and fail the bound.
/// </summary>
[Collection(MeasurementCollection.Name)]
public class IdleAfterLossMemoryTests(ITestOutputHelper output)
{
    private const int Mss = 1460;
    private const int WarmUp = 128;
    private const int Batch = 128;
    private const int Connections = 8 * Batch;
    private const int MaxBytesPerConnectionEnd = 1792;
    private static readonly byte[] s_message = CreateMessage(10 * Mss); // one initial window: the third segment lost leaves seven SACKed above it

    [Fact]
    public void IdleAfterSackRecoveryEachWay_TablesReturned_AtMost1792BytesPerConnectionEnd()
    {
        var net = new TcpLoopback(seed: 13);
        // The third data segment of each direction of each connection is lost once: a hole at the receiver (its
        // out-of-order table), SACK blocks at the sender (its scoreboard), a fast retransmission (its log).
        // Data segments seen per direction and client port (allocated once: the measurement counts no test bookkeeping).
        var seen = new byte[2 * 65536];
        net.DropIf = (toB, segment) =>
        {
            if (segment.PayloadLength == 0)
                return false;
            int key = (toB ? 65536 : 0) + (toB ? segment.SourcePort : segment.DestinationPort);
            if (seen[key] < byte.MaxValue)
                seen[key]++;
            return seen[key] == 3;
        };
        var listener = net.B.Listen(new TcpEndpoint(TcpLoopback.AddressB, 80), backlog: 2 * Batch);
        var clients = new List<Tcb>(WarmUp + Connections);
        var servers = new List<Tcb>(WarmUp + Connections);
        var scratch = new byte[64 * 1024];

        OpenAndExchange(net, listener, clients, servers, scratch, WarmUp);
        long baseline = Settle();
        for (int i = 0; i < Connections / Batch; i++)
            OpenAndExchange(net, listener, clients, servers, scratch, Batch);
        long after = Settle();

        double perEnd = (double)(after - baseline) / (2 * Connections);
        output.WriteLine($"baseline {baseline} B, after {Connections} more idle connections that each recovered a loss each way {after} B: {perEnd:F0} B per connection end");
        Assert.Equal(WarmUp + Connections, servers.Count);
        Assert.True(perEnd <= MaxBytesPerConnectionEnd, $"{perEnd:F0} B per idle connection end (at most {MaxBytesPerConnectionEnd})");
        Assert.All(clients.Concat(servers), t =>
        {
            Assert.Equal(TcpState.Established, t.State);
            Assert.True(t.GetInfo().FastRetransmits + t.GetInfo().RackLostSegments > 0, "every end recovered a lost segment");
            Assert.Equal(s_message.Length, t.GetInfo().BytesReceived);
            Assert.False(t.HasRecoveryStorage, "an idle connection still holds a recovery table");
            Assert.False(t.HasReceiveStorage || t.HasSendStorage, "an idle connection still holds a ring");
        });
        GC.KeepAlive(clients);
        GC.KeepAlive(servers);
    }

    /// <summary>Opens <paramref name="count"/> connections; on each, one message each way, read whole; then ACKs settle.</summary>
    private static void OpenAndExchange(TcpLoopback net, TcpListenerQueue listener, List<Tcb> clients, List<Tcb> servers, byte[] scratch, int count)
    {
        int first = clients.Count;
        int accepted = servers.Count;
        for (int i = 0; i < count; i++)
        {
            var client = net.A.Connect(net.Now, TcpLoopback.AddressA, new TcpEndpoint(TcpLoopback.AddressB, 80));
            clients.Add(client);
        }
        var sent = new int[2 * count];
        var read = new int[2 * count];
        bool done = net.Run(() => Done(read, count), () =>
        {
            while (listener.TryAccept(out var tcb))
                servers.Add(tcb);
            for (int i = 0; i < count; i++)
            {
                var client = clients[first + i];
                if (sent[i] < s_message.Length && client.State == TcpState.Established)
                    sent[i] += client.Send(s_message.AsSpan(sent[i]));
                read[count + i] += client.Receive(scratch);
                if (accepted + i < servers.Count)
                {
                    var server = servers[accepted + i];
                    if (sent[count + i] < s_message.Length)
                        sent[count + i] += server.Send(s_message.AsSpan(sent[count + i]));
                    read[i] += server.Receive(scratch);
                }
            }
        }, limitMs: 60_000);
        Assert.True(done, "the exchanges did not finish");
        // Delayed ACKs, the last SACK-less ACKs and window updates settle.
        net.Run(() => false, () => { }, limitMs: 2_000);
    }

    private static bool Done(int[] read, int count)
    {
        for (int i = 0; i < 2 * count; i++)
        {
            if (read[i] < s_message.Length)
                return false;
        }
        return true;
    }

    private static byte[] CreateMessage(int length)
    {
        var message = new byte[length];
        new Random(13).NextBytes(message);
        return message;
    }

    private static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
