using System.Buffers.Binary;
using Teeceepee.Links;

namespace Teeceepee.Stack;

/// <summary>
/// The SYNs of one loop turn, set aside while the turn's other frames are processed (issue 13 item 3): a bare SYN
/// (SYN without ACK, RST or FIN) asks for new state, every other frame serves a flow that exists or is completing its
/// handshake (a SYN-cookie ACK is a frame for an unknown flow and is never deferred). Frames are copied into fixed
/// slots (a SYN is under 100 octets); nothing is allocated after construction.
/// </summary>
internal sealed class SynDeferral
{
    /// <summary>Octets per slot: Ethernet + IPv6 + TCP with every option is 94; a larger SYN (Fast Open data) is not deferred.</summary>
    public const int SlotLength = 160;

    private readonly byte[] _slots;
    private readonly int[] _lengths;
    private readonly bool[] _trusted;
    private readonly int _ipOffset;

    /// <summary>Room for <paramref name="capacity"/> SYNs per turn, frames of a link whose IP header starts after <paramref name="linkHeaderLength"/> octets.</summary>
    public SynDeferral(int capacity, int linkHeaderLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _slots = new byte[capacity * SlotLength];
        _lengths = new int[capacity];
        _trusted = new bool[capacity];
        _ipOffset = linkHeaderLength;
    }

    /// <summary>SYNs held.</summary>
    public int Count { get; private set; }

    /// <summary>The most SYNs held at once.</summary>
    public int Capacity => _lengths.Length;

    /// <summary>
    /// Holds <paramref name="frame"/> when it is a bare TCP SYN (IPv4 unfragmented, or IPv6 with TCP as the first next
    /// header) that fits a slot and room is left; false otherwise (the caller processes the frame at once). Looks at a
    /// few octets only: whatever else is wrong with the frame is found when it is processed.
    /// </summary>
    public bool TryDefer(ReadOnlySpan<byte> frame, in LinkOffload offload)
    {
        if (Count == _lengths.Length || frame.Length > SlotLength || offload.GsoType != LinkGsoType.None || !IsBareSyn(frame, _ipOffset))
            return false;
        frame.CopyTo(_slots.AsSpan(Count * SlotLength));
        _lengths[Count] = frame.Length;
        _trusted[Count] = offload.ChecksumTrusted;
        Count++;
        return true;
    }

    /// <summary>The <paramref name="index"/>th SYN held (valid until <see cref="Clear"/>).</summary>
    public Span<byte> Frame(int index) => _slots.AsSpan(index * SlotLength, _lengths[index]);

    /// <summary>True when the link vouched for the <paramref name="index"/>th SYN's checksum.</summary>
    public bool ChecksumTrusted(int index) => _trusted[index];

    /// <summary>Forgets every SYN held.</summary>
    public void Clear() => Count = 0;

    /// <summary>
    /// True for a TCP segment with SYN set and ACK, RST and FIN clear (RFC 9293 §3.1 control bits) in a frame whose IP
    /// header starts at <paramref name="ipOffset"/> (14 on Ethernet, where the EtherType must be IPv4 or IPv6; 0 on a
    /// bare IP link, where the version nibble decides).
    /// </summary>
    public static bool IsBareSyn(ReadOnlySpan<byte> frame, int ipOffset)
    {
        if (frame.Length < ipOffset + 20)
            return false;
        int version = frame[ipOffset] >> 4;
        if (ipOffset >= 14)
        {
            ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
            if (etherType != 0x0800 && etherType != 0x86DD || (etherType == 0x86DD) != (version == 6))
                return false;
        }
        int tcp;
        if (version == 4)
        {
            // RFC 791 §3.1: protocol 6, not a fragment (MF clear, offset 0).
            int ihl = (frame[ipOffset] & 0x0F) * 4;
            if (ihl < 20 || frame[ipOffset + 9] != 6 || (BinaryPrimitives.ReadUInt16BigEndian(frame[(ipOffset + 6)..]) & 0x3FFF) != 0)
                return false;
            tcp = ipOffset + ihl;
        }
        else if (version == 6)
        {
            // RFC 8200 §3: TCP right after the fixed header (a SYN behind extension headers takes the normal path).
            if (frame[ipOffset + 6] != 6)
                return false;
            tcp = ipOffset + 40;
        }
        else
        {
            return false;
        }
        if (frame.Length < tcp + 20)
            return false;
        // Flags octet: CWR ECE URG ACK PSH RST SYN FIN.
        return (frame[tcp + 13] & 0x17) == 0x02;
    }
}
