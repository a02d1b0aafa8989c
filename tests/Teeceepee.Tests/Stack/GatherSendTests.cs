using System.Security.Cryptography;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Tests.Links;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>
/// Gather send (issue 9 item 3): a TCP data segment reaches the link as its headers plus slices of the send ring, not
/// copied into the frame buffer first; complete checksums are summed over the pieces (odd split points included).
/// </summary>
public class GatherSendTests
{
    /// <summary>Counts how the frames a stack sends are shaped, then passes them on.</summary>
    private sealed class ShapeRecorder(ILink inner) : PassThroughLink(inner)
    {
        public int Gathered { get; private set; }      // headers + ring slices
        public int Wrapped { get; private set; }       // ... in two slices (the ring wrapped inside the segment)
        public int OddSplits { get; private set; }     // ... the second slice starting at an odd octet of the payload
        public int ContiguousData { get; private set; } // a data-carrying frame in one piece

        public override bool TrySend(Instant now, in LinkFrame frame)
        {
            if (!frame.IsContiguous)
            {
                Gathered++;
                if (!frame.Payload2.IsEmpty)
                {
                    Wrapped++;
                    if (frame.Payload.Length % 2 == 1)
                        OddSplits++;
                }
            }
            else if (frame.Length > 200)
            {
                ContiguousData++;
            }
            return Inner.TrySend(now, frame);
        }
    }

    private static async Task<ShapeRecorder> TransferAsync(bool gather, int mtu, int size)
    {
        ShapeRecorder? shapes = null;
        // A path delay keeps data in flight, so ACKs free the ring piece by piece and it wraps (a ring drained whole starts over).
        await using var sim = new Simulation(mtu: mtu, wrapA: link => shapes = new ShapeRecorder(link),
            configureA: o => o with { GatherSend = gather }, faults: new FaultOptions { Delay = TimeSpan.FromMilliseconds(2) });
        var listener = sim.B.Tcp.Listen(new TcpEndpoint(Simulation.AddressB, 80));
        var client = sim.A.Tcp.Connect(sim.Now, Simulation.AddressA, new TcpEndpoint(Simulation.AddressB, 80));
        Tcb? server = null;
        Assert.True(sim.RunUntil(() => listener.TryAccept(out server), TimeSpan.FromSeconds(10)));
        var data = RandomNumberGenerator.GetBytes(size);
        var received = sim.Transfer(client, server!, data, TimeSpan.FromSeconds(60));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
        Assert.Equal(0, sim.B.Stats.Drops[DropReason.BadChecksum]);
        return shapes!;
    }

    [Fact]
    public async Task Transfer_GatherOn_DataLeavesAsHeadersPlusRingSlices_ChecksumsValid()
    {
        // MTU 1501: an odd MSS (1449), so segments start at odd ring offsets and some wrap at an odd octet.
        var shapes = await TransferAsync(gather: true, mtu: 1501, size: 3_000_000);
        Assert.True(shapes.Gathered > 2000, $"{shapes.Gathered} gathered frames");
        Assert.Equal(0, shapes.ContiguousData);
        Assert.True(shapes.Wrapped > 0, "the ring never wrapped inside a segment");
        Assert.True(shapes.OddSplits > 0, "no segment wrapped at an odd octet");
    }

    [Fact]
    public async Task Transfer_GatherOff_DataLeavesInOnePiece()
    {
        var shapes = await TransferAsync(gather: false, mtu: 1500, size: 500_000);
        Assert.Equal(0, shapes.Gathered);
        Assert.True(shapes.ContiguousData > 300);
    }

    [Fact]
    public async Task Loopback_WithGather_TheWholeSegmentLoopsBack()
    {
        // To our own address the segment is parsed by us: the payload is copied behind the headers (MaterializeGather).
        ShapeRecorder? shapes = null;
        await using var sim = new Simulation(wrapA: link => shapes = new ShapeRecorder(link));
        var listener = sim.A.Tcp.Listen(new TcpEndpoint(Simulation.AddressA, 80));
        var client = sim.A.Tcp.Connect(sim.Now, Simulation.AddressA, new TcpEndpoint(Simulation.AddressA, 80));
        Tcb? server = null;
        Assert.True(sim.RunUntil(() => listener.TryAccept(out server), TimeSpan.FromSeconds(10)));
        var data = RandomNumberGenerator.GetBytes(300_000);
        var received = sim.Transfer(client, server!, data, TimeSpan.FromSeconds(60));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
        Assert.Equal(0, shapes!.Gathered);
        Assert.Equal(0, sim.A.Stats.Drops[DropReason.BadChecksum]);
    }
}
