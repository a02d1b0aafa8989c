using Teeceepee.Links;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Links;

public class LinkOffloadTests
{
    private static readonly IPv4Address s_a = IPv4Address.Parse("198.18.0.1");
    private static readonly IPv4Address s_b = IPv4Address.Parse("198.18.0.2");

    [Fact]
    public void Virtio_RoundTrips_LittleEndianFields()
    {
        var offload = LinkOffload.TcpSegmentation(34, 66, 1448);
        var header = new byte[LinkOffload.VirtioHeaderLength];
        offload.WriteVirtio(header);
        Assert.Equal(new byte[] { 1, 1, 66, 0, 0xa8, 0x05, 34, 0, 16, 0 }, header);
        Assert.Equal(offload, LinkOffload.ReadVirtio(header));
    }

    [Fact]
    public void ReadVirtio_EcnBit_IsMaskedOffTheType()
    {
        var offload = LinkOffload.ReadVirtio([2, 0x81, 0, 0, 0, 0, 0, 0, 0, 0]);
        Assert.Equal(LinkGsoType.TcpV4, offload.GsoType);
        Assert.Equal(LinkOffloadFlags.DataValid, offload.Flags);
        Assert.True(offload.ChecksumTrusted);
    }

    [Fact]
    public void TryCompleteChecksum_PartialTcpChecksum_BecomesTheFullOne()
    {
        var payload = new byte[1001];
        new Random(1).NextBytes(payload);
        var tcp = new TcpRepr { SourcePort = 1, DestinationPort = 2, SeqNumber = new SeqNumber(5), AckNumber = new SeqNumber(9), WindowLength = 100, PayloadLength = payload.Length };
        var full = new byte[tcp.BufferLength];
        var partial = new byte[tcp.BufferLength];
        tcp.Emit(full, payload, s_a, s_b);
        tcp.Emit(partial, payload, s_a, s_b, partialChecksum: true);
        Assert.NotEqual(full, partial);

        Assert.True(LinkOffload.TcpChecksumPartial(0).TryCompleteChecksum(partial));
        Assert.Equal(full, partial);
    }

    [Fact]
    public void TryCompleteChecksum_OffsetsPastTheFrame_ReturnsFalse()
    {
        var frame = new byte[20];
        Assert.False(LinkOffload.TcpChecksumPartial(10).TryCompleteChecksum(frame));
        Assert.False(LinkOffload.None.TryCompleteChecksum(frame));
    }

    [Fact]
    public void LinkWithoutOffloads_DescriptorOverloads_PassPlainFramesAndRefuseOffloads()
    {
        var (a, b) = MemoryLink.CreatePair(withReadinessFd: false);
        using (a)
        using (b)
        {
            ILink first = a, second = b;
            Assert.Equal(LinkOffloads.None, first.Capabilities.Offloads);
            Assert.True(first.TrySend(Instant.Zero, new byte[60], LinkOffload.None));
            var buffer = new byte[first.Capabilities.MaxFrameLength];
            Assert.True(second.TryReceive(Instant.Zero, buffer, out int length, out var offload));
            Assert.Equal(60, length);
            Assert.True(offload.IsNone);
            Assert.Throws<NotSupportedException>(() => first.TrySend(Instant.Zero, new byte[60], LinkOffload.TcpChecksumPartial(34)));
        }
    }

    [Fact]
    public void FaultInjector_OffersOnlyTheTransmitOffloadsOfTheLinkItWraps()
    {
        // Transmit offloads are carried out in software by the injector (faults hit wire frames); received super-frames
        // are cut before the faults, so no receive offload reaches the stack.
        var caps = new LinkCapabilities(LinkMedium.Ethernet, 1500) { Offloads = LinkOffloads.TransmitSegmentation | LinkOffloads.ReceiveSegmentation };
        var (a, b) = MemoryLink.CreatePair(caps, withReadinessFd: false);
        using var injector = new FaultInjector(a, null, null);
        using (b)
        {
            Assert.Equal(LinkOffloads.TransmitSegmentation | LinkOffloads.ReceiveSegmentation, a.Capabilities.Offloads);
            Assert.Equal(LinkOffloads.TransmitSegmentation, injector.Capabilities.Offloads);
            Assert.Equal(65535 + 14, a.Capabilities.MaxOffloadFrameLength);
        }
    }
}
