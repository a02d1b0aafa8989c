using System.Buffers.Binary;
using CsCheck;
using PacketDotNet;
using PacketDotNet.Tcp;
using PacketDotNet.Utils;
using IPv4Packet = PacketDotNet.IPv4Packet;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Wire;

/// <summary>Differential tests: PacketDotNet, an independent implementation, reads what we write and vice versa.</summary>
public class TcpPacketDotNetTests
{
    private static readonly IPv4Address Source = IPv4Address.Parse("198.18.7.1");
    private static readonly IPv4Address Destination = IPv4Address.Parse("198.18.7.2");

    // An IPv4 header in front of the TCP bytes, so PacketDotNet can check the pseudo-header checksum.
    private static byte[] WrapInIPv4(byte[] tcp, IPv4Address source, IPv4Address destination)
    {
        var ip = new IPv4Repr
        {
            Source = source,
            Destination = destination,
            Protocol = IpProtocol.Tcp,
            PayloadLength = tcp.Length,
            TimeToLive = IPv4Repr.DefaultTimeToLive,
        };
        var packet = new byte[ip.BufferLength];
        tcp.CopyTo(packet, IPv4Repr.HeaderLength);
        ip.Emit(packet);
        return packet;
    }

    [Fact]
    public void OurEmit_ReadByPacketDotNet_SameFieldsAndValidChecksum()
    {
        Gen.Select(TcpPropertyTests.GenRepr, Gen.Byte).Sample((repr, seed) =>
        {
            var tcpBytes = TcpPropertyTests.EmitWithPayload(repr, seed, Source, Destination);
            var ip = new IPv4Packet(new ByteArraySegment(WrapInIPv4(tcpBytes, Source, Destination)));
            var tcp = Assert.IsType<TcpPacket>(ip.PayloadPacket);

            Assert.True(tcp.ValidTcpChecksum);
            Assert.Equal(repr.SourcePort, tcp.SourcePort);
            Assert.Equal(repr.DestinationPort, tcp.DestinationPort);
            Assert.Equal(repr.SeqNumber.Value, tcp.SequenceNumber);
            Assert.Equal(repr.AckNumber.HasValue, tcp.Acknowledgment);
            Assert.Equal(repr.AckNumber.GetValueOrDefault().Value, tcp.AcknowledgmentNumber);
            Assert.Equal(repr.Control == TcpControl.Syn, tcp.Synchronize);
            Assert.Equal(repr.Control == TcpControl.Fin, tcp.Finished);
            Assert.Equal(repr.Control == TcpControl.Rst, tcp.Reset);
            Assert.Equal(repr.Push, tcp.Push);
            Assert.Equal(repr.UrgentPointer.HasValue, tcp.Urgent);
            Assert.Equal(repr.UrgentPointer.GetValueOrDefault(), (ushort)tcp.UrgentPointer);
            Assert.Equal(repr.EcnEcho, tcp.ExplicitCongestionNotificationEcho);
            Assert.Equal(repr.CongestionWindowReduced, tcp.CongestionWindowReduced);
            Assert.Equal(repr.WindowLength, (ushort)tcp.WindowSize);
            Assert.Equal(repr.HeaderLength / 4, tcp.DataOffset);
            Assert.Equal(repr.PayloadLength, tcp.PayloadData?.Length ?? 0);

            ushort? mss = null;
            byte? scale = null;
            bool sackPermitted = false;
            TcpTimestamp? timestamp = null;
            int sackBlocks = 0;
            // PacketDotNet 1.4.8 throws NotImplementedException reading options when URG is set.
            foreach (var option in repr.UrgentPointer.HasValue ? [] : tcp.OptionsCollection ?? [])
            {
                switch (option)
                {
                    case MaximumSegmentSizeOption m: mss = m.Value; break;
                    case WindowScaleFactorOption w: scale = w.ScaleFactor; break;
                    case SelectiveAcknowledgmentPermittedOption: sackPermitted = true; break;
                    case TimeStampOption t: timestamp = new TcpTimestamp(t.Value, t.EchoReply); break;
                    case SelectiveAcknowledgmentOption s: sackBlocks = (s.Length - 2) / 8; break;
                }
            }
            if (repr.UrgentPointer.HasValue)
                return;
            Assert.Equal(repr.MaxSegmentSize, mss);
            Assert.Equal(repr.WindowScale, scale);
            Assert.Equal(repr.SackPermitted, sackPermitted);
            Assert.Equal(repr.Timestamp, timestamp);
            Assert.Equal(repr.EmittedSackBlockCount, sackBlocks);
        }, iter: 5_000);
    }

    [Fact]
    public void PacketDotNetBuild_ReadByUs_SameFields()
    {
        Gen.Select(Gen.Select(Gen.UShort[1, ushort.MaxValue], Gen.UShort[1, ushort.MaxValue], Gen.UInt, Gen.UInt, Gen.UShort, Gen.UShort),
                   Gen.Select(Gen.Int[0, 3], Gen.Bool, Gen.Bool, Gen.Bool, Gen.Bool, Gen.Byte.Array[0, 200], Gen.UShort.Nullable()))
            .Sample((a, b) =>
        {
            // PacketDotNet cannot grow the options of a packet it made, so start from a header that has room for MSS.
            var header = new byte[b.Item7.HasValue ? 24 : 20];
            header[TcpSegment.Field.DataOffset] = (byte)(header.Length / 4 << 4);
            if (b.Item7 is ushort m)
            {
                header[20] = 2;
                header[21] = 4;
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(22), m);
            }
            var tcp = new TcpPacket(new ByteArraySegment(header))
            {
                SourcePort = a.Item1,
                DestinationPort = a.Item2,
                SequenceNumber = a.Item3,
                AcknowledgmentNumber = a.Item4,
                WindowSize = a.Item5,
                UrgentPointer = a.Item6,
                Synchronize = b.Item1 == 1,
                Finished = b.Item1 == 2,
                Reset = b.Item1 == 3,
                Push = b.Item2,
                Acknowledgment = b.Item3,
                Urgent = b.Item4,
                CongestionWindowReduced = b.Item5,
                PayloadData = b.Item6,
            };
            var ip = new IPv4Packet(Source.ToIPAddress(), Destination.ToIPAddress()) { PayloadPacket = tcp };
            tcp.UpdateTcpChecksum();
            ip.UpdateIPChecksum();
            var tcpBytes = ip.Bytes.AsSpan(20);

            Assert.True(TcpSegment.TryParse(tcpBytes, out var segment, out var reason), reason.ToString());
            Assert.True(TcpRepr.TryParse(segment, Source, Destination, true, out var repr, out reason), reason.ToString());
            Assert.Equal(a.Item1, repr.SourcePort);
            Assert.Equal(a.Item2, repr.DestinationPort);
            Assert.Equal(a.Item3, repr.SeqNumber.Value);
            Assert.Equal(b.Item3 ? new SeqNumber(a.Item4) : null, repr.AckNumber);
            Assert.Equal(a.Item5, repr.WindowLength);
            Assert.Equal(b.Item4 ? a.Item6 : null, repr.UrgentPointer);
            Assert.Equal((TcpControl)b.Item1, repr.Control);
            Assert.Equal(b.Item2, repr.Push);
            Assert.Equal(b.Item5, repr.CongestionWindowReduced);
            Assert.Equal(b.Item6.Length, repr.PayloadLength);
            Assert.Equal(b.Item6, segment.Payload.ToArray());
            Assert.Equal(b.Item7, repr.MaxSegmentSize);
        }, iter: 5_000);
    }
}
