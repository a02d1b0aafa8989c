namespace Teeceepee.Wire;

/// <summary>An Ethernet II header. The payload follows it in the same buffer.</summary>
public readonly record struct EthernetRepr
{
    /// <summary>Octets in the header.</summary>
    public const int HeaderLength = 14;

    /// <summary>Source MAC address.</summary>
    public MacAddress Source { get; init; }

    /// <summary>Destination MAC address.</summary>
    public MacAddress Destination { get; init; }

    /// <summary>What the payload is.</summary>
    public EtherType EtherType { get; init; }

    /// <summary>Octets <see cref="Emit"/> writes: the header only.</summary>
    public int BufferLength => HeaderLength;

    /// <summary>Builds a header.</summary>
    public EthernetRepr(MacAddress source, MacAddress destination, EtherType etherType)
    {
        Source = source;
        Destination = destination;
        EtherType = etherType;
    }

    /// <summary>Reads a parsed frame; EtherTypes other than IPv4, ARP and IPv6 are <see cref="WireError.UnsupportedEtherType"/>.</summary>
    public static bool TryParse(in EthernetFrame frame, out EthernetRepr repr, out WireError reason)
    {
        var type = frame.EtherType;
        if (type is not (EtherType.IPv4 or EtherType.Arp or EtherType.IPv6))
        {
            repr = default;
            reason = WireError.UnsupportedEtherType;
            return false;
        }
        repr = new EthernetRepr(frame.Source, frame.Destination, type);
        reason = WireError.None;
        return true;
    }

    /// <summary>Writes the 14-octet header at the start of <paramref name="buffer"/>; the payload after it is left alone.</summary>
    public void Emit(Span<byte> buffer)
    {
        Destination.WriteTo(buffer[EthernetFrame.Field.Destination..]);
        Source.WriteTo(buffer[EthernetFrame.Field.Source..]);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(buffer[EthernetFrame.Field.EtherType..], (ushort)EtherType);
    }
}
