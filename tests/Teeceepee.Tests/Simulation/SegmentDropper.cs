using Teeceepee.Links;
using Teeceepee.Tests.Links;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Simulations;

/// <summary>
/// A link decorator for exact loss patterns: every outgoing IPv4 TCP data segment is shown to a rule that may drop it
/// (it is then lost on the wire: the send reports success), and every transmission of each sequence number is counted,
/// so a test can assert how often loss recovery sent each range.
/// </summary>
internal sealed class SegmentDropper(ILink inner, Func<SegmentDropper.Transmission, bool> drop) : PassThroughLink(inner)
{
    private readonly byte[] _scratch = new byte[LinkFrame.MaxLength];
    private SeqNumber _highestEnd;
    private bool _anySent;
    private int _dataSegments;

    /// <summary>One data segment on its way out.</summary>
    /// <param name="Seq">Its first sequence number.</param>
    /// <param name="Length">Its payload octets.</param>
    /// <param name="TransmissionCount">1 for the first time this sequence number leaves, 2 for its first retransmission, ...</param>
    /// <param name="NewData">True when it reaches past everything sent before (not a retransmission).</param>
    /// <param name="Index">Data segments sent before this one (dropped ones included).</param>
    internal readonly record struct Transmission(SeqNumber Seq, int Length, int TransmissionCount, bool NewData, int Index);

    /// <summary>Transmissions per first sequence number (raw value), dropped ones included.</summary>
    public Dictionary<uint, int> Sent { get; } = [];

    /// <summary>What the rule dropped, in order.</summary>
    public List<Transmission> Dropped { get; } = [];

    /// <summary>Every data transmission, in order.</summary>
    public List<Transmission> All { get; } = [];

    public override bool TrySend(Instant now, in LinkFrame frame)
    {
        var bytes = frame.Flatten(_scratch);
        if (EthernetFrame.TryParse(bytes, out var eth, out _) && eth.EtherType == EtherType.IPv4
            && IPv4Packet.TryParse(eth.Payload, out var ip, out _) && ip.Protocol == IpProtocol.Tcp
            && TcpSegment.TryParse(ip.Payload, out var tcp, out _) && tcp.Payload.Length > 0)
        {
            var seq = tcp.SeqNumber;
            int length = tcp.Payload.Length;
            Sent[seq.Value] = Sent.TryGetValue(seq.Value, out int n) ? n + 1 : 1;
            bool newData = !_anySent || seq + length > _highestEnd;
            if (newData)
                _highestEnd = seq + length;
            _anySent = true;
            var t = new Transmission(seq, length, Sent[seq.Value], newData, _dataSegments++);
            All.Add(t);
            if (drop(t))
            {
                Dropped.Add(t);
                return true;
            }
        }
        return Inner.TrySend(now, frame);
    }
}
