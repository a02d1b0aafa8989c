using System.Buffers.Binary;
using Teeceepee.Links;

namespace Teeceepee.Stack;

/// <summary>
/// The SYNs of one loop turn, set aside while the turn's other frames are processed (issue 13 item 3): a bare SYN
/// (SYN without ACK, RST or FIN) asks for new state, every other frame serves a flow that exists or is completing its
/// handshake (a SYN-cookie ACK is a frame for an unknown flow and is never deferred). Frames are copied into fixed
/// slots (a SYN is under 100 octets); nothing is allocated after construction but the <see cref="ShedSynFilter"/>,
/// at the first shed SYN.
/// </summary>
/// <remarks>
/// When an overloaded turn can answer only some of its SYNs, it answers the likeliest real clients first
/// (<see cref="Rank"/>): a SYN repeating one shed 2–4 s ago (a client's retransmission: same addresses, ports and ISN),
/// then SYNs to ports other than the one most of the turn's SYNs went to (a flood aimed at one service leaves the
/// others their share, as Linux's per-listener SYN queues do), then SYNs with TCP options (every common stack's SYN
/// carries an MSS option, RFC 9293 §3.7.1; a flood tool's bare 20-octet header does not). Ties keep arrival order.
/// </remarks>
internal sealed class SynDeferral
{
    /// <summary>Octets per slot: Ethernet + IPv6 + TCP with every option is 94; a larger SYN (Fast Open data) is not deferred.</summary>
    public const int SlotLength = 160;

    /// <summary>Score of a SYN repeating one shed recently (<see cref="ShedSynFilter"/>).</summary>
    public const int RetransmissionScore = 4;

    /// <summary>Score of a SYN to a port other than the turn's majority port.</summary>
    public const int OtherPortScore = 2;

    /// <summary>Score of a SYN that carries TCP options.</summary>
    public const int OptionsScore = 1;

    private const byte Taken = 0x80; // marks a chosen SYN's score

    private readonly byte[] _slots;
    private readonly int[] _lengths;
    private readonly bool[] _trusted;
    private readonly byte[] _scores;
    private readonly ushort[] _ports;
    private readonly ulong[] _hashes;
    private readonly int _ipOffset;
    private readonly ulong _hashKey;

    /// <summary>Room for <paramref name="capacity"/> SYNs per turn, frames of a link whose IP header starts after <paramref name="linkHeaderLength"/> octets; <paramref name="hashKey"/> keys the shed-SYN hash.</summary>
    public SynDeferral(int capacity, int linkHeaderLength, ulong hashKey = 0x5EED_5EED_0123_4567)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _slots = new byte[capacity * SlotLength];
        _lengths = new int[capacity];
        _trusted = new bool[capacity];
        _scores = new byte[capacity];
        _ports = new ushort[capacity];
        _hashes = new ulong[capacity];
        _ipOffset = linkHeaderLength;
        _hashKey = hashKey;
    }

    /// <summary>SYNs held.</summary>
    public int Count { get; private set; }

    /// <summary>The most SYNs held at once.</summary>
    public int Capacity => _lengths.Length;

    /// <summary>The SYNs shed recently.</summary>
    public ShedSynFilter Shed { get; } = new();

    /// <summary>
    /// Holds <paramref name="frame"/> when it is a bare TCP SYN (IPv4 unfragmented, or IPv6 with TCP as the first next
    /// header) that fits a slot and room is left; false otherwise (the caller processes the frame at once). Looks at a
    /// few octets only: whatever else is wrong with the frame is found when it is processed.
    /// </summary>
    public bool TryDefer(Instant now, ReadOnlySpan<byte> frame, in LinkOffload offload)
    {
        if (Count == _lengths.Length || frame.Length > SlotLength || offload.GsoType != LinkGsoType.None || !TryFindBareSyn(frame, _ipOffset, out int tcp))
            return false;
        frame.CopyTo(_slots.AsSpan(Count * SlotLength));
        _lengths[Count] = frame.Length;
        _trusted[Count] = offload.ChecksumTrusted;
        ulong hash = Hash(frame, tcp);
        _hashes[Count] = hash;
        _ports[Count] = BinaryPrimitives.ReadUInt16BigEndian(frame[(tcp + 2)..]);
        int score = (frame[tcp + 12] >> 4) > 5 ? OptionsScore : 0;
        if (Shed.Contains(now, hash))
            score += RetransmissionScore;
        _scores[Count] = (byte)score;
        Count++;
        return true;
    }

    /// <summary>
    /// Picks at most <paramref name="take"/> SYNs to answer of the <see cref="Count"/> held (all when there is room), of
    /// which at most <paramref name="unrankedTake"/> with a score of 0, and writes their indexes, best first, into
    /// <paramref name="chosen"/>; the rest are shed (<see cref="IsChosen"/> false).
    /// </summary>
    public int Rank(int take, int unrankedTake, Span<int> chosen)
    {
        int count = Count;
        if (take >= count)
        {
            for (int i = 0; i < count; i++)
                chosen[i] = i;
            return count;
        }
        // Boyer–Moore majority vote: the port more than half the turn's SYNs went to, if there is one.
        int candidate = -1, votes = 0;
        for (int i = 0; i < count; i++)
        {
            if (votes == 0)
            {
                candidate = _ports[i];
                votes = 1;
            }
            else
            {
                votes += _ports[i] == candidate ? 1 : -1;
            }
        }
        int majority = 0;
        for (int i = 0; i < count; i++)
            majority += _ports[i] == candidate ? 1 : 0;
        if (majority * 2 > count)
        {
            for (int i = 0; i < count; i++)
                if (_ports[i] != candidate)
                    _scores[i] += OtherPortScore;
        }
        int taken = 0;
        for (int score = RetransmissionScore + OtherPortScore + OptionsScore; score >= 0 && taken < take; score--)
        {
            int limit = score == 0 ? Math.Min(take, taken + unrankedTake) : take;
            for (int i = 0; i < count && taken < limit; i++)
            {
                if (_scores[i] == score)
                {
                    _scores[i] |= Taken;
                    chosen[taken++] = i;
                }
            }
        }
        return taken;
    }

    /// <summary>True when <see cref="Rank"/> chose the <paramref name="index"/>th SYN.</summary>
    public bool IsChosen(int index) => (_scores[index] & Taken) != 0;

    /// <summary>The <paramref name="index"/>th SYN's score (valid after <see cref="Rank"/> chose among them).</summary>
    public int ScoreOf(int index) => _scores[index] & ~Taken;

    /// <summary>The <paramref name="index"/>th SYN's hash of addresses, ports and ISN.</summary>
    public ulong HashOf(int index) => _hashes[index];

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
    public static bool IsBareSyn(ReadOnlySpan<byte> frame, int ipOffset) => TryFindBareSyn(frame, ipOffset, out _);

    private static bool TryFindBareSyn(ReadOnlySpan<byte> frame, int ipOffset, out int tcp)
    {
        tcp = 0;
        if (frame.Length < ipOffset + 20)
            return false;
        int version = frame[ipOffset] >> 4;
        if (ipOffset >= 14)
        {
            ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
            if (etherType != 0x0800 && etherType != 0x86DD || (etherType == 0x86DD) != (version == 6))
                return false;
        }
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
            if (frame.Length < ipOffset + 40 || frame[ipOffset + 6] != 6)
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

    /// <summary>A keyed hash of the SYN's addresses, ports and ISN (what its retransmission repeats).</summary>
    private ulong Hash(ReadOnlySpan<byte> frame, int tcp)
    {
        int ip = _ipOffset;
        bool v6 = frame[ip] >> 4 == 6;
        // IPv4: source and destination at 12..20; IPv6: at 8..40 (RFC 791 §3.1, RFC 8200 §3).
        var addresses = v6 ? frame.Slice(ip + 8, 32) : frame.Slice(ip + 12, 8);
        ulong h = _hashKey;
        for (int i = 0; i < addresses.Length; i += 8)
            h = Mix(h, BinaryPrimitives.ReadUInt64LittleEndian(addresses[i..]));
        // Ports and sequence number: the TCP header's first 8 octets.
        h = Mix(h, BinaryPrimitives.ReadUInt64LittleEndian(frame[tcp..]));
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9;
        return h ^ (h >> 32);
    }

    private static ulong Mix(ulong h, ulong word)
    {
        h ^= word;
        h *= 0x9E3779B97F4A7C15;
        return h ^ (h >> 31);
    }
}
