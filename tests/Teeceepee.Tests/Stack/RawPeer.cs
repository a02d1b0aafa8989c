using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>
/// A stack on one end of a memory link and hand-made frames on the other: for feeding the stack
/// exactly the bytes a test wants (fragments, malformed headers) and reading what it answers.
/// </summary>
internal sealed class RawPeer : IAsyncDisposable
{
    public static readonly IPv4Address StackAddress = IPv4Address.Parse("198.18.0.2");
    public static readonly IPv4Address PeerAddress = IPv4Address.Parse("198.18.0.1");
    public static readonly MacAddress StackMac = MacAddress.Parse("02:00:00:00:00:02");
    public static readonly MacAddress PeerMac = MacAddress.Parse("02:00:00:00:00:01");

    private readonly MemoryLink _peer;
    private readonly MemoryLink _stackEnd;
    private readonly byte[] _rx = new byte[70000];
    private ushort _nextId = 100;

    public RawPeer(Func<NetworkStackOptions, NetworkStackOptions>? configure = null, int mtu = 1500, string? interfaceName = null)
    {
        (_peer, _stackEnd) = MemoryLink.CreatePair(new LinkCapabilities(LinkMedium.Ethernet, mtu) { InterfaceName = interfaceName }, withReadinessFd: false);
        var options = new NetworkStackOptions { Address = StackAddress, HardwareAddress = StackMac, Seed = 7, Trace = Log.Add, SendGratuitousArp = false };
        Stack = new NetworkStack(_stackEnd, configure is null ? options : configure(options));
        Stack.DriveManually();
    }

    public NetworkStack Stack { get; }

    /// <summary>The peer's end of the wire.</summary>
    public MemoryLink Link => _peer;
    public Instant Now { get; set; } = Instant.FromMilliseconds(1000);
    public List<string> Log { get; } = [];

    /// <summary>Sends a raw frame into the stack and polls it.</summary>
    public void Send(ReadOnlySpan<byte> frame)
    {
        Assert.True(_peer.TrySend(Now, frame));
        Stack.Poll(Now);
    }

    /// <summary>Advances virtual time and polls.</summary>
    public void Advance(TimeSpan by)
    {
        Now += by;
        Stack.Poll(Now);
    }

    /// <summary>Throws away what the stack sent; returns how many frames (allocates nothing).</summary>
    public int Discard()
    {
        int n = 0;
        while (_peer.TryReceive(Now, _rx, out _))
            n++;
        return n;
    }

    /// <summary>Everything the stack sent since the last call.</summary>
    public List<byte[]> Received()
    {
        var frames = new List<byte[]>();
        while (_peer.TryReceive(Now, _rx, out int length))
            frames.Add(_rx.AsSpan(0, length).ToArray());
        return frames;
    }

    /// <summary>An Ethernet frame from the peer to the stack.</summary>
    public static byte[] Ethernet(EtherType type, ReadOnlySpan<byte> payload, MacAddress? destination = null)
    {
        var frame = new byte[EthernetRepr.HeaderLength + payload.Length];
        new EthernetRepr(PeerMac, destination ?? StackMac, type).Emit(frame);
        payload.CopyTo(frame.AsSpan(EthernetRepr.HeaderLength));
        return frame;
    }

    /// <summary>An IPv4 packet (header + payload) from the peer to the stack.</summary>
    public byte[] IPv4(IpProtocol protocol, ReadOnlySpan<byte> payload, int fragmentOffset = 0, bool moreFragments = false,
        ushort? identification = null, IPv4Address? destination = null, IPv4Address? source = null)
    {
        var repr = new IPv4Repr
        {
            Source = source ?? PeerAddress,
            Destination = destination ?? StackAddress,
            Protocol = protocol,
            PayloadLength = payload.Length,
            TimeToLive = 64,
            Identification = identification ?? _nextId++,
            FragmentOffset = fragmentOffset,
            MoreFragments = moreFragments,
        };
        var packet = new byte[repr.BufferLength];
        repr.Emit(packet);
        payload.CopyTo(packet.AsSpan(IPv4Repr.HeaderLength));
        return packet;
    }

    /// <summary>An ICMP echo request (header + data) with a recognisable pattern.</summary>
    public static byte[] EchoRequest(ushort identifier, ushort sequence, int dataLength)
    {
        var icmp = IcmpRepr.EchoRequest(identifier, sequence, dataLength);
        var bytes = new byte[icmp.BufferLength];
        for (int i = 0; i < dataLength; i++)
            bytes[IcmpRepr.HeaderLength + i] = (byte)(i * 7 + 3);
        icmp.Emit(bytes);
        return bytes;
    }

    /// <summary>A UDP datagram (header + payload) from the peer.</summary>
    public static byte[] Udp(ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload, IPv4Address? destination = null)
    {
        var udp = new UdpRepr(sourcePort, destinationPort, payload.Length);
        var bytes = new byte[udp.BufferLength];
        udp.Emit(bytes, payload, PeerAddress, destination ?? StackAddress);
        return bytes;
    }

    /// <summary>Teaches the stack our MAC (an ARP request for its address), and discards its reply.</summary>
    public void Introduce()
    {
        var arp = new ArpRepr
        {
            Operation = ArpOperation.Request,
            SenderHardwareAddress = PeerMac,
            SenderProtocolAddress = PeerAddress,
            TargetHardwareAddress = MacAddress.Zero,
            TargetProtocolAddress = StackAddress,
        };
        var bytes = new byte[ArpRepr.HeaderLength];
        arp.Emit(bytes);
        Send(Ethernet(EtherType.Arp, bytes, MacAddress.Broadcast));
        Received();
    }

    /// <summary>The IPv4 packets (Ethernet payloads) among <paramref name="frames"/>.</summary>
    public static List<byte[]> IPv4Packets(List<byte[]> frames)
    {
        var list = new List<byte[]>();
        foreach (var f in frames)
        {
            if (EthernetFrame.TryParse(f, out var eth, out _) && eth.EtherType == EtherType.IPv4)
                list.Add(eth.Payload.ToArray());
        }
        return list;
    }

    /// <summary>Splits an IPv4 payload into fragments of <paramref name="size"/> octets (last may be shorter).</summary>
    public List<(int Offset, bool More, byte[] Data)> Split(byte[] payload, int size)
    {
        var list = new List<(int, bool, byte[])>();
        for (int off = 0; off < payload.Length; off += size)
        {
            int n = Math.Min(size, payload.Length - off);
            list.Add((off, off + n < payload.Length, payload.AsSpan(off, n).ToArray()));
        }
        return list;
    }

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync();
        _peer.Dispose();
        _stackEnd.Dispose();
    }
}
