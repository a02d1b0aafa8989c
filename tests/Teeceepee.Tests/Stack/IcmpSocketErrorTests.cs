using System.Net;
using System.Net.Sockets;
using Teeceepee.Sockets;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>
/// ICMP (IPv4) destination unreachable quoting our SYN reaches the connecting socket as the matching
/// <see cref="SocketError"/> (RFC 1122 §4.2.3.9 hard errors while opening; RFC 792 codes), on a hand-driven peer.
/// </summary>
public class IcmpSocketErrorTests
{
    [Theory]
    [InlineData(IcmpUnreachableCode.PortUnreachable, SocketError.ConnectionRefused)]
    [InlineData(IcmpUnreachableCode.ProtocolUnreachable, SocketError.ConnectionRefused)]
    [InlineData(IcmpUnreachableCode.HostUnreachable, SocketError.HostUnreachable)]
    [InlineData(IcmpUnreachableCode.NetUnreachable, SocketError.NetworkUnreachable)]
    public async Task Connecting_IcmpUnreachableQuotingTheSyn_FailsTheConnect_WithTheMatchingError(IcmpUnreachableCode code, SocketError expected)
    {
        await using var peer = new RawPeer();
        peer.Introduce();
        await using var connection = new TcpConnection(peer.Stack);
        var connect = connection.ConnectAsync(new IPEndPoint(RawPeer.PeerAddress.ToIPAddress(), 80));
        peer.Advance(TimeSpan.Zero);
        var syn = RawPeer.IPv4Packets(peer.Received()).Single(p => p[IPv4Packet.Field.Protocol] == (byte)IpProtocol.Tcp);

        // RFC 792: the error quotes the IP header and the first 8 octets of the datagram (ports and sequence number).
        var icmp = IcmpRepr.DestinationUnreachable(code, IPv4Repr.HeaderLength + 8);
        var message = new byte[icmp.BufferLength];
        icmp.Emit(message, syn.AsSpan(0, IPv4Repr.HeaderLength + 8));
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, message)));

        Assert.True(connect.IsCompleted);
        var error = await Assert.ThrowsAsync<SocketException>(async () => await connect);
        Assert.Equal(expected, error.SocketErrorCode);
    }

    [Fact]
    public async Task Connecting_IcmpParameterProblemQuotingTheSyn_FailsTheConnect_AsAProtocolError()
    {
        await using var peer = new RawPeer();
        peer.Introduce();
        await using var connection = new TcpConnection(peer.Stack);
        var connect = connection.ConnectAsync(new IPEndPoint(RawPeer.PeerAddress.ToIPAddress(), 80));
        peer.Advance(TimeSpan.Zero);
        var syn = RawPeer.IPv4Packets(peer.Received()).Single(p => p[IPv4Packet.Field.Protocol] == (byte)IpProtocol.Tcp);

        // RFC 792 parameter problem: type 12, code 0, the pointer (here: the protocol field) in the first octet after the
        // checksum, then the quoted header and 8 octets. Linux icmp_err_convert: EPROTO, fatal.
        var message = new byte[IcmpPacket.HeaderLength + IPv4Repr.HeaderLength + 8];
        message[IcmpPacket.Field.Type] = (byte)IcmpType.ParameterProblem;
        message[IcmpPacket.Field.Identifier] = IPv4Packet.Field.Protocol;
        syn.AsSpan(0, IPv4Repr.HeaderLength + 8).CopyTo(message.AsSpan(IcmpPacket.HeaderLength));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(IcmpPacket.Field.Checksum), Checksum.Compute(message));
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, message)));

        Assert.True(connect.IsCompleted);
        var error = await Assert.ThrowsAsync<SocketException>(async () => await connect);
        Assert.Equal(SocketError.ProtocolNotSupported, error.SocketErrorCode);
        Assert.Contains("parameter problem", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, peer.Stack.Stats.IcmpIn[(byte)IcmpType.ParameterProblem]);
    }
}
