namespace Teeceepee.Cli.Plot;

/// <summary>One direction of a captured TCP connection: the segments its sender sent and the ACKs that came back.</summary>
internal sealed class CaptureFlow
{
    private const long Wrap = 1L << 32;

    private readonly List<PendingSample> _pending = [];
    private int _pendingHead;
    private long _lastAck = long.MinValue;

    public CaptureFlow(string sender, string receiver)
    {
        Sender = sender;
        Receiver = receiver;
    }

    /// <summary>The sending endpoint ("198.18.0.1:40000").</summary>
    public string Sender { get; }

    /// <summary>The receiving endpoint.</summary>
    public string Receiver { get; }

    /// <summary>Segments that occupy sequence space, in capture order.</summary>
    public List<CaptureSegment> Segments { get; } = [];

    /// <summary>The receiver's ACKs of this flow's data, in capture order.</summary>
    public List<CaptureAck> Acks { get; } = [];

    /// <summary>Round-trip samples: data segment to the first ACK covering it, never for retransmitted data (Karn).</summary>
    public List<(double Time, double Seconds)> RttSamples { get; } = [];

    /// <summary>Segments whose sequence space had been sent before.</summary>
    public int Retransmissions { get; private set; }

    /// <summary>Payload octets sent, retransmissions included.</summary>
    public long PayloadBytes { get; private set; }

    /// <summary>The highest sequence number sent, relative (the unique octets sent plus SYN and FIN).</summary>
    public long HighestSeq { get; private set; }

    /// <summary>The window-scale shift the sender announced in its SYN, if it did.</summary>
    public byte? AnnouncedShift { get; set; }

    /// <summary>True once the sender's initial sequence number (or first seen one) is known.</summary>
    public bool HasBase { get; private set; }

    private uint Base { get; set; }

    private long LastSeq { get; set; }

    /// <summary>Learns the sender's initial sequence number (a SYN, or the first segment seen).</summary>
    public void SetBase(uint isn)
    {
        if (HasBase)
            return;
        HasBase = true;
        Base = isn;
    }

    /// <summary>A sequence number of this flow's space, relative to its base, unwrapped near the last one seen.</summary>
    public long Relative(uint seq)
    {
        long rel = (uint)(seq - Base) + (LastSeq & ~(Wrap - 1));
        if (rel - LastSeq > Wrap / 2)
            rel -= Wrap;
        else if (LastSeq - rel > Wrap / 2)
            rel += Wrap;
        return rel;
    }

    /// <summary>A segment of this flow occupying <paramref name="length"/> in sequence space.</summary>
    public void OnSegment(double time, long seq, int length, int payload)
    {
        LastSeq = Math.Max(LastSeq, seq);
        PayloadBytes += payload;
        if (length <= 0)
            return;
        long end = seq + length;
        bool retransmission = seq < HighestSeq && Segments.Count > 0;
        Segments.Add(new CaptureSegment(time, seq, length, retransmission));
        if (retransmission)
        {
            Retransmissions++;
            // Karn (RFC 6298 §3): an ACK of octets sent twice cannot tell which copy it answers.
            for (int i = _pendingHead; i < _pending.Count; i++)
            {
                var p = _pending[i];
                if (p.Start < end && p.End > seq)
                    p.Ambiguous = true;
            }
        }
        else
        {
            _pending.Add(new PendingSample { Start = seq, End = end, Time = time });
        }
        HighestSeq = Math.Max(HighestSeq, end);
    }

    /// <summary>An ACK of this flow's data from the receiver.</summary>
    public void OnAck(double time, long ack, long window, (long Left, long Right)[] sack)
    {
        Acks.Add(new CaptureAck(time, ack, ack + window, sack));
        if (ack <= _lastAck)
            return;
        _lastAck = ack;
        // The newest segment this ACK covers gives the sample; the older ones it covers were acknowledged late.
        PendingSample? newest = null;
        while (_pendingHead < _pending.Count && _pending[_pendingHead].End <= ack)
            newest = _pending[_pendingHead++];
        if (newest is { Ambiguous: false })
            RttSamples.Add((time, time - newest.Time));
        if (_pendingHead > 1024 && _pendingHead * 2 > _pending.Count)
        {
            _pending.RemoveRange(0, _pendingHead);
            _pendingHead = 0;
        }
    }

    private sealed class PendingSample
    {
        public long Start;
        public long End;
        public double Time;
        public bool Ambiguous;
    }
}
