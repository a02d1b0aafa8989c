using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp;

/// <summary>DESIGN §14: the per-segment path allocates nothing once a transfer is running.</summary>
public class TcpAllocationTests
{
    [Fact]
    public void SteadyStateTransfer_ThroughTwoHosts_DoesNotAllocate()
    {
        var key = new byte[16];
        var a = new TcpHost(null, new IsnGenerator(key), new EphemeralPortAllocator(key), new SynCookies(key));
        var b = new TcpHost(null, new IsnGenerator(key), new EphemeralPortAllocator(key), new SynCookies(key));
        var addrA = new IPv4Address(198, 18, 0, 1);
        var addrB = new IPv4Address(198, 18, 0, 2);
        var listener = b.Listen(new TcpEndpoint(addrB, 5001));
        var now = Instant.FromMilliseconds(1);
        var client = a.Connect(now, addrA, new TcpEndpoint(addrB, 5001));
        Tcb? server = null;
        var wire = new byte[65536];
        var source = new byte[64 * 1024];
        var sink = new byte[64 * 1024];
        long received = 0;

        void Round()
        {
            client.Send(source);
            while (a.TryDispatch(now, wire, out var o))
                b.Process(now, o.LocalAddress, o.RemoteAddress, o.Segment, wire.AsSpan(0, o.Segment.PayloadLength));
            if (server is null && listener.TryAccept(out var t))
                server = t;
            if (server is not null)
            {
                int n;
                while ((n = server.Receive(sink)) > 0)
                    received += n;
            }
            while (b.TryDispatch(now, wire, out var o))
                a.Process(now, o.LocalAddress, o.RemoteAddress, o.Segment, wire.AsSpan(0, o.Segment.PayloadLength));
            now += TimeSpan.FromMilliseconds(1);
        }

        for (int i = 0; i < 2000; i++)
            Round(); // warm up: handshake, buffers rented, queues and heaps grown, JIT tiers settled
        long before = GC.GetAllocatedBytesForCurrentThread();
        long receivedBefore = received;
        for (int i = 0; i < 500; i++)
            Round();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(received - receivedBefore > 10_000_000, $"only {received - receivedBefore} bytes moved");
        Assert.Equal(0, allocated);
    }
}
