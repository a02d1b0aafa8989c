using Teeceepee.Links;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Links;

/// <summary>
/// The fault injector on a link with receive offloads (a TAP with a virtio-net header): descriptors reach
/// the stack with their frames, held ones included, and a corrupted frame is no longer vouched for.
/// </summary>
public class FaultInjectorOffloadTests
{
    private static readonly IPv4Address s_source = IPv4Address.Parse("198.18.0.1");
    private static readonly IPv4Address s_destination = IPv4Address.Parse("198.18.0.2");
    private const int TcpStart = EthernetRepr.HeaderLength + IPv4Repr.HeaderLength;
    private static readonly LinkOffload s_superFrame = LinkOffload.TcpSegmentation(TcpStart, TcpStart + 20, 1448);

    /// <summary>A TCP/IPv4 super-frame as the kernel hands it over: 20 000 payload octets, partial checksum.</summary>
    private static byte[] SuperFrame()
    {
        var payload = new byte[20_000];
        new Random(3).NextBytes(payload);
        var tcp = new TcpRepr { SourcePort = 5001, DestinationPort = 40000, SeqNumber = new SeqNumber(7), AckNumber = new SeqNumber(9), WindowLength = 500, PayloadLength = payload.Length };
        var ip = new IPv4Repr { Source = s_source, Destination = s_destination, Protocol = IpProtocol.Tcp, PayloadLength = tcp.BufferLength, TimeToLive = 64 };
        var frame = new byte[TcpStart + tcp.BufferLength];
        new EthernetRepr { Source = MacAddress.Parse("02:00:00:00:00:01"), Destination = MacAddress.Parse("02:00:00:00:00:02"), EtherType = EtherType.IPv4 }.Emit(frame);
        ip.Emit(frame.AsSpan(EthernetRepr.HeaderLength));
        tcp.Emit(frame.AsSpan(TcpStart), payload, s_source, s_destination, partialChecksum: true);
        return frame;
    }

    private static bool TcpChecksumVerifies(ReadOnlySpan<byte> frame) =>
        TcpSegment.TryParse(frame[TcpStart..], out var segment, out _) && segment.VerifyChecksum(s_source, s_destination);

    [Fact]
    public void Capabilities_PassReceiveOffloads_AndTransmitOnes_DoneInSoftware()
    {
        // (Merged with branch tso: transmit offloads are offered and carried out by the injector, see SoftwareOffloadTests.)
        using var injector = new FaultInjector(new OffloadingLink(), null, null);
        Assert.Equal(LinkOffloads.ReceiveChecksum | LinkOffloads.ReceiveSegmentation | LinkOffloads.TransmitChecksum | LinkOffloads.TransmitSegmentation,
            injector.Capabilities.Offloads);
        Assert.Equal(65535 + 14, injector.Capabilities.MaxOffloadFrameLength);
    }

    [Fact]
    public void NoFaults_SuperFrameArrivesWholeWithItsDescriptor()
    {
        var inner = new OffloadingLink();
        var frame = SuperFrame();
        inner.Enqueue(frame, s_superFrame);
        using var injector = new FaultInjector(inner, new FaultOptions { Loss = 0 }, null);
        var buffer = new byte[injector.Capabilities.MaxOffloadFrameLength];
        Assert.True(injector.TryReceive(Instant.Zero, buffer, out int length, out var offload));
        Assert.Equal(frame, buffer[..length]);
        Assert.Equal(s_superFrame, offload);
    }

    [Fact]
    public void Delay_HeldSuperFrameKeepsItsDescriptor()
    {
        var inner = new OffloadingLink();
        var frame = SuperFrame();
        inner.Enqueue(frame, s_superFrame);
        inner.Enqueue(TestFrames.Numbered(2), LinkOffload.None);
        using var injector = new FaultInjector(inner, new FaultOptions { Delay = TimeSpan.FromMilliseconds(10) }, null);
        var buffer = new byte[injector.Capabilities.MaxOffloadFrameLength];
        Assert.False(injector.TryReceive(Instant.Zero, buffer, out _, out _));
        Assert.Equal(2, injector.HeldFrames);

        var later = Instant.Zero + TimeSpan.FromMilliseconds(10);
        Assert.True(injector.TryReceive(later, buffer, out int length, out var offload));
        Assert.Equal(frame, buffer[..length]);
        Assert.Equal(s_superFrame, offload);
        Assert.True(injector.TryReceive(later, buffer, out length, out offload));
        Assert.Equal(2, TestFrames.IdOf(buffer.AsSpan(0, length)));
        Assert.True(offload.IsNone);
    }

    [Fact]
    public void Duplicate_CopyOfASuperFrameKeepsItsDescriptor()
    {
        var inner = new OffloadingLink();
        inner.Enqueue(SuperFrame(), s_superFrame);
        using var injector = new FaultInjector(inner, new FaultOptions { Duplicate = 1 }, null);
        var buffer = new byte[injector.Capabilities.MaxOffloadFrameLength];
        Assert.True(injector.TryReceive(Instant.Zero, buffer, out _, out var first));
        Assert.True(injector.TryReceive(Instant.Zero, buffer, out int length, out var copy));
        Assert.Equal(s_superFrame, first);
        Assert.Equal(s_superFrame, copy);
        Assert.Equal(SuperFrame(), buffer[..length]);
        Assert.Equal(1, injector.Inbound.Duplicated);
    }

    [Fact]
    public void Corrupt_TrustedFrame_LosesTrustSoTheStackVerifiesAndFindsTheDamage()
    {
        var inner = new OffloadingLink();
        var pristine = SuperFrame();
        inner.Enqueue(pristine, s_superFrame);
        using var injector = new FaultInjector(inner, new FaultOptions { Corrupt = 1 }, null, seed: 5);
        var buffer = new byte[injector.Capabilities.MaxOffloadFrameLength];
        Assert.True(injector.TryReceive(Instant.Zero, buffer, out int length, out var offload));
        Assert.False(offload.ChecksumTrusted);
        Assert.Equal(LinkGsoType.TcpV4, offload.GsoType); // still one super-frame
        Assert.Equal(1, injector.Inbound.Corrupted);
        var received = buffer.AsSpan(0, length);

        // Exactly one bit differs from the frame with its checksum completed, and the checksum catches it
        // (unless the bit landed in the Ethernet header or IP header, which IPv4 or Ethernet parsing checks).
        var completed = pristine.ToArray();
        Assert.True(s_superFrame.TryCompleteChecksum(completed));
        Assert.True(TcpChecksumVerifies(completed));
        int differing = 0, at = -1;
        for (int i = 0; i < length; i++)
        {
            if (received[i] != completed[i])
            {
                differing++;
                at = i;
            }
        }
        Assert.Equal(1, differing);
        if (at >= TcpStart)
            Assert.False(TcpChecksumVerifies(received));
    }

    [Fact]
    public void Corrupt_DataValidFrame_LosesTrust()
    {
        var inner = new OffloadingLink();
        inner.Enqueue(TestFrames.Numbered(1, 200), new LinkOffload(LinkOffloadFlags.DataValid, LinkGsoType.None, 0, 0, 0, 0));
        using var injector = new FaultInjector(inner, new FaultOptions { Corrupt = 1 }, null);
        var buffer = new byte[injector.Capabilities.MaxOffloadFrameLength];
        Assert.True(injector.TryReceive(Instant.Zero, buffer, out _, out var offload));
        Assert.False(offload.ChecksumTrusted);
    }

    [Fact]
    public void PlainTryReceive_UsesThePlainPathOfTheInnerLink()
    {
        var inner = new OffloadingLink();
        inner.Enqueue(SuperFrame(), s_superFrame);
        using var injector = new FaultInjector(inner, new FaultOptions { Delay = TimeSpan.FromMilliseconds(1) }, null);
        var buffer = new byte[injector.Capabilities.MaxOffloadFrameLength];
        Assert.False(injector.TryReceive(Instant.Zero, buffer, out _));
        Assert.True(injector.TryReceive(Instant.Zero + TimeSpan.FromMilliseconds(1), buffer, out int length));
        Assert.True(TcpChecksumVerifies(buffer.AsSpan(0, length))); // the inner link completed the checksum
        Assert.Equal(1, inner.PlainReads);
    }

    /// <summary>A link that hands over queued frames with descriptors, like a TAP with a virtio-net header.</summary>
    private sealed class OffloadingLink : ILink
    {
        private readonly Queue<(byte[] Frame, LinkOffload Offload)> _frames = new();

        public int PlainReads { get; private set; }

        public LinkCapabilities Capabilities { get; } = new(LinkMedium.Ethernet, 1500)
        {
            Offloads = LinkOffloads.ReceiveChecksum | LinkOffloads.ReceiveSegmentation | LinkOffloads.TransmitChecksum | LinkOffloads.TransmitSegmentation,
        };

        public int ReadinessFd => -1;

        public void Enqueue(byte[] frame, LinkOffload offload) => _frames.Enqueue((frame.ToArray(), offload));

        public bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload)
        {
            if (!_frames.TryDequeue(out var next))
            {
                length = 0;
                offload = LinkOffload.None;
                return false;
            }
            next.Frame.CopyTo(buffer);
            length = next.Frame.Length;
            offload = next.Offload;
            return true;
        }

        public bool TryReceive(Instant now, Span<byte> buffer, out int length)
        {
            if (!TryReceive(now, buffer, out length, out var offload))
                return false;
            PlainReads++;
            offload.TryCompleteChecksum(buffer[..length]);
            return true;
        }

        public bool TrySend(Instant now, ReadOnlySpan<byte> frame) => true;

        public void Dispose()
        {
        }
    }
}
