using System.Reflection;
using Teeceepee.Links;

namespace Teeceepee.Tests.Links;

/// <summary>
/// <see cref="ILink"/> has one receive and one send, both carrying the offload descriptor, and no default bodies; every
/// link and middleware implements each once, so a decorator cannot forward one overload and forget another.
/// </summary>
public class LinkContractTests
{
    private static readonly Type[] s_links = typeof(ILink).Assembly.GetTypes()
        .Where(t => typeof(ILink).IsAssignableFrom(t) && t.IsClass && !t.IsAbstract)
        .ToArray();

    [Fact]
    public void ILink_OneReceiveAndOneSend_WithDescriptors_NoDefaultBodies()
    {
        var methods = typeof(ILink).GetMethods();
        Assert.All(methods, m => Assert.True(m.IsAbstract, $"{m.Name} has a default body"));
        var receive = Assert.Single(methods, m => m.Name == nameof(ILink.TryReceive));
        var send = Assert.Single(methods, m => m.Name == nameof(ILink.TrySend));
        Assert.Equal(typeof(LinkOffload).MakeByRefType(), receive.GetParameters()[^1].ParameterType);
        Assert.True(receive.GetParameters()[^1].IsOut);
        // Send takes a gather descriptor (headers + payload slices) that carries the offload request.
        Assert.Equal(typeof(LinkFrame).MakeByRefType(), send.GetParameters()[^1].ParameterType);
        Assert.True(send.GetParameters()[^1].IsIn);
        Assert.Equal(typeof(LinkOffload), typeof(LinkFrame).GetProperty(nameof(LinkFrame.Offload))!.PropertyType);
    }

    public static TheoryData<string> Middleware => new() { "none", "faults-passthrough", "faults-delay", "pcap", "tracer", "gso" };

    private static ILink Wrap(string kind, ILink inner) => kind switch
    {
        "none" => inner,
        "faults-passthrough" => new FaultInjector(inner, null, null),
        "faults-delay" => new FaultInjector(inner, null, new FaultOptions { Loss = 0.000001 }, seed: 3),
        "pcap" => new PcapWriter(inner, new MemoryStream()),
        "tracer" => new Tracer(inner, TextWriter.Null),
        "gso" => new SoftwareOffloadLink(inner),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Middleware))]
    public void FrameInPieces_ThroughMiddleware_ArrivesAsTheWholeFrame(string kind)
    {
        var (a, b) = MemoryLink.CreatePair(withReadinessFd: false);
        using var link = Wrap(kind, a);
        using var peer = b;
        var frame = new byte[1200];
        new Random(9).NextBytes(frame);
        // Headers, then a payload split where a send ring wraps (at an odd octet), then the rest.
        Assert.True(link.TrySend(Instant.Zero, new LinkFrame(frame.AsSpan(0, 54), frame.AsSpan(54, 333), frame.AsSpan(387))));
        Assert.True(link.TrySend(Instant.Zero, new LinkFrame(frame.AsSpan(0, 54), frame.AsSpan(54), default)));
        var buffer = new byte[2048];
        for (int i = 0; i < 2; i++)
        {
            Assert.True(peer.TryReceive(Instant.Zero, buffer, out int length));
            Assert.Equal(frame, buffer.AsSpan(0, length).ToArray());
        }
        Assert.False(peer.TryReceive(Instant.Zero, buffer, out _));
    }

    [Fact]
    public void LinkFrame_Flatten_ContiguousIsNotCopied_PiecesAreJoined()
    {
        var frame = new byte[100];
        new Random(2).NextBytes(frame);
        var scratch = new byte[100];
        var whole = new LinkFrame(frame);
        Assert.True(whole.IsContiguous);
        Assert.True(whole.Flatten(scratch) == frame.AsSpan()); // the same memory, no copy
        var pieces = new LinkFrame(frame.AsSpan(0, 10), frame.AsSpan(10, 45), frame.AsSpan(55), LinkOffload.TcpChecksumPartial(34));
        Assert.False(pieces.IsContiguous);
        Assert.Equal(100, pieces.Length);
        Assert.Equal(frame, pieces.Flatten(scratch).ToArray());
        Assert.True(pieces.Flatten(new byte[99]).IsEmpty); // does not fit: nothing
        Assert.Equal(LinkOffload.TcpChecksumPartial(34), pieces.Offload);
    }

    [Fact]
    public void EveryLink_ImplementsOneReceiveAndOneSend()
    {
        Assert.Contains(typeof(TapLink), s_links);
        Assert.Contains(typeof(FaultInjector), s_links);
        foreach (var link in s_links)
        {
            var methods = link.GetMethods(BindingFlags.Public | BindingFlags.Instance);
            Assert.Single(methods, m => m.Name == nameof(ILink.TryReceive));
            Assert.Single(methods, m => m.Name == nameof(ILink.TrySend));
        }
    }

    [Fact]
    public void TapLink_OverridesTheSharedTunTapMethods()
    {
        Assert.True(typeof(TapLink).GetMethod(nameof(ILink.TryReceive))!.GetBaseDefinition().DeclaringType == typeof(TunTapLink));
        Assert.Equal(typeof(TapLink), typeof(TapLink).GetMethod(nameof(ILink.TryReceive))!.DeclaringType);
        Assert.Equal(typeof(TapLink), typeof(TapLink).GetMethod(nameof(ILink.TrySend))!.DeclaringType);
    }
}
