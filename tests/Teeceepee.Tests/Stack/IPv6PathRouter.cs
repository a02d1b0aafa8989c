using Teeceepee.Links;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>
/// A router on the path out of a stack, as middleware on the stack's link: IPv6 packets longer than <see cref="Mtu"/>
/// are dropped and answered with an ICMPv6 packet too big (RFC 4443 §3.2), and while <see cref="Unreachable"/> is set
/// every TCP or UDP packet is dropped and answered with that destination unreachable code (§3.1), while
/// <see cref="ParameterProblem"/> is set with that parameter problem (§3.4). The errors come
/// from <see cref="Address"/> and quote as much of the packet as fits in 1280 octets.
/// </summary>
internal sealed class IPv6PathRouter(ILink inner) : ILink
{
    public static readonly IPv6Address Address = IPv6Address.Parse("fd00:6:ff::1");

    private readonly Queue<byte[]> _errors = new();
    private Instant _errorsSince = Instant.MaxValue;

    /// <summary>The next hop's MTU (0: no limit).</summary>
    public int Mtu { get; set; }

    /// <summary>Set: every TCP/UDP packet is refused with this code.</summary>
    public Icmpv6UnreachableCode? Unreachable { get; set; }

    /// <summary>Set: every TCP/UDP packet is refused with a parameter problem of this code, pointing at the next header field (RFC 4443 §3.4).</summary>
    public Icmpv6ParameterProblemCode? ParameterProblem { get; set; }

    /// <summary>Errors sent back so far.</summary>
    public int ErrorsSent { get; private set; }

    /// <summary>The longest IPv6 packet passed on after the first packet too big.</summary>
    public int LongestAfterTooBig { get; private set; }

    public LinkCapabilities Capabilities => inner.Capabilities;
    public int ReadinessFd => -1;
    public Instant NextDeadline => Instant.Min(inner.NextDeadline, _errorsSince);

    public bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload)
    {
        if (_errors.TryDequeue(out var error))
        {
            error.CopyTo(buffer);
            length = error.Length;
            offload = LinkOffload.None;
            if (_errors.Count == 0)
                _errorsSince = Instant.MaxValue;
            return true;
        }
        return inner.TryReceive(now, buffer, out length, out offload);
    }

    private readonly byte[] _flat = new byte[LinkFrame.MaxLength];

    public bool TrySend(Instant now, in LinkFrame linkFrame)
    {
        // A test double looks at whole frames: gather sends are flattened into its own buffer.
        var frame = linkFrame.Flatten(_flat);
        if (EthernetFrame.TryParse(frame, out var eth, out _) && eth.EtherType == EtherType.IPv6 && IPv6Packet.TryParse(eth.Payload, out var ip, out _))
        {
            var packet = eth.Payload[..(IPv6Repr.HeaderLength + ip.Payload.Length)];
            bool transport = ip.NextHeader is IpProtocol.Tcp or IpProtocol.Udp;
            if (Unreachable is { } code && transport)
            {
                Answer(now, frame, packet, Icmpv6Repr.DestinationUnreachable(code, Quote(packet)));
                return true;
            }
            if (ParameterProblem is { } problem && transport)
            {
                Answer(now, frame, packet, Icmpv6Repr.ParameterProblem(problem, IPv6Packet.Field.NextHeader, Quote(packet)));
                return true;
            }
            if (Mtu > 0 && packet.Length > Mtu)
            {
                Answer(now, frame, packet, Icmpv6Repr.PacketTooBig((uint)Mtu, Quote(packet)));
                return true;
            }
            if (ErrorsSent > 0 && transport)
                LongestAfterTooBig = Math.Max(LongestAfterTooBig, packet.Length);
        }
        return inner.TrySend(now, linkFrame);
    }

    private static int Quote(ReadOnlySpan<byte> packet) => Math.Min(packet.Length, Icmpv6Repr.MaxErrorLength - Icmpv6Repr.HeaderLength);

    private void Answer(Instant now, ReadOnlySpan<byte> frame, ReadOnlySpan<byte> packet, Icmpv6Repr icmp)
    {
        var to = IPv6Address.Read(packet[IPv6Packet.Field.Source..]);
        var message = new byte[icmp.BufferLength];
        icmp.Emit(message, packet[..icmp.DataLength], Address, to);
        var ip = Ipv6Peer.Packet(Address, to, IpProtocol.Icmpv6, message);
        var reply = new byte[EthernetRepr.HeaderLength + ip.Length];
        // Back to the sender's MAC, from the router's (the frame's destination).
        new EthernetRepr(MacAddress.Read(frame), MacAddress.Read(frame[6..]), EtherType.IPv6).Emit(reply);
        ip.CopyTo(reply.AsSpan(EthernetRepr.HeaderLength));
        _errors.Enqueue(reply);
        _errorsSince = Instant.Min(_errorsSince, now);
        ErrorsSent++;
    }

    public void Dispose() => inner.Dispose();
}
