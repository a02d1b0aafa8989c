namespace Teeceepee.Stack;

/// <summary>
/// IPv4 fragment reassembly (RFC 791 §3.2, RFC 815) with bounded memory: a fixed number of datagrams
/// in progress, a cap on the octets held, a per-datagram fragment limit and a timeout. A fragment that
/// overlaps another (other than an exact duplicate) discards the whole datagram, in the spirit of
/// RFC 5722; later fragments of a discarded datagram are dropped until its timeout. Pure: time is passed in.
/// </summary>
internal sealed class FragmentReassembler
{
    /// <summary>Largest IPv4 payload: 65535 minus the minimal header.</summary>
    public const int MaxPayload = 65535 - 20;

    private readonly Reassembly[] _slots;
    private readonly int _maxBytes;
    private readonly TimeSpan _timeout;
    private Reassembly? _completed;
    private int _evictions;

    /// <summary>Creates a reassembler.</summary>
    public FragmentReassembler(int maxDatagrams, int maxBytes, int maxFragmentsPerDatagram, TimeSpan timeout)
    {
        _slots = new Reassembly[maxDatagrams];
        for (int i = 0; i < _slots.Length; i++)
            _slots[i] = new Reassembly(maxFragmentsPerDatagram);
        _maxBytes = maxBytes;
        _timeout = timeout;
    }

    /// <summary>Octets of fragment data held right now.</summary>
    public int HeldBytes { get; private set; }

    /// <summary>Datagrams in progress (including discarded ones waiting out their timeout).</summary>
    public int ActiveCount
    {
        get
        {
            int n = 0;
            foreach (var s in _slots)
                n += s.InUse ? 1 : 0;
            return n;
        }
    }

    /// <summary>
    /// Adds one fragment. <paramref name="quote"/> is the fragment's IP header plus up to 8 payload
    /// octets, kept from the first fragment for an ICMP time exceeded message. On
    /// <see cref="ReassemblyOutcome.Complete"/>, <paramref name="datagram"/> holds the whole payload
    /// until <see cref="ReleaseCompleted"/> or the next call.
    /// </summary>
    public ReassemblyOutcome Add(Instant now, in FragmentKey key, int offset, bool moreFragments,
        ReadOnlySpan<byte> payload, ReadOnlySpan<byte> quote, out ReadOnlySpan<byte> datagram, out DropReason reason)
    {
        ReleaseCompleted();
        datagram = default;
        int end = offset + payload.Length;
        var slot = Find(key);

        // RFC 791: every fragment but the last carries a multiple of 8 octets.
        if (moreFragments && (payload.Length == 0 || (payload.Length & 7) != 0))
            return Drop(DropReason.BogusFragment, out reason);

        if (slot is not null && slot.Discarded)
            return Drop(DropReason.FragmentOfDiscardedDatagram, out reason);

        if (end > MaxPayload)
        {
            // "Ping of death": the datagram could never be legal.
            if (slot is not null)
                Discard(slot);
            return Drop(DropReason.OversizeDatagram, out reason);
        }

        if (slot is null)
        {
            // Full: make room by evicting the oldest datagram in progress (like Linux's frag
            // evictor), so stale incomplete datagrams cannot lock out new ones for a whole timeout.
            slot = Allocate() ?? EvictOldest(except: null);
            if (slot is null)
                return Drop(DropReason.ReassemblyLimit, out reason);
            slot.InUse = true;
            slot.Key = key;
            slot.Deadline = now + _timeout;
        }

        // A final fragment fixes the length; everything must agree with it.
        if (!moreFragments)
        {
            if (slot.TotalLength >= 0 && slot.TotalLength != end)
                return DiscardAndDrop(slot, DropReason.BogusFragment, out reason);
            for (int i = 0; i < slot.Count; i++)
            {
                if (slot.Ends[i] > end)
                    return DiscardAndDrop(slot, DropReason.BogusFragment, out reason);
            }
        }
        else if (slot.TotalLength >= 0 && end > slot.TotalLength)
        {
            return DiscardAndDrop(slot, DropReason.BogusFragment, out reason);
        }

        for (int i = 0; i < slot.Count; i++)
        {
            if (offset < slot.Ends[i] && slot.Starts[i] < end)
            {
                // Network duplication is legitimate: an identical fragment is ignored, any other overlap is not.
                if (offset == slot.Starts[i] && end == slot.Ends[i])
                    return Drop(DropReason.DuplicateFragment, out reason);
                return DiscardAndDrop(slot, DropReason.FragmentOverlap, out reason);
            }
        }

        if (slot.Count == slot.Starts.Length)
            return DiscardAndDrop(slot, DropReason.TooManyFragments, out reason);
        while (HeldBytes + payload.Length > _maxBytes && EvictOldest(except: slot) is not null)
        {
        }
        if (HeldBytes + payload.Length > _maxBytes)
        {
            if (slot.Count == 0)
                slot.Clear();
            return Drop(DropReason.ReassemblyLimit, out reason);
        }

        slot.EnsureCapacity(end);
        payload.CopyTo(slot.Buffer.AsSpan(offset));
        slot.Starts[slot.Count] = offset;
        slot.Ends[slot.Count] = end;
        slot.Count++;
        slot.ReceivedBytes += payload.Length;
        HeldBytes += payload.Length;
        if (!moreFragments)
            slot.TotalLength = end;
        if (offset == 0)
        {
            int n = Math.Min(quote.Length, Reassembly.QuoteCapacity);
            quote[..n].CopyTo(slot.FirstQuote);
            slot.FirstQuoteLength = n;
        }

        reason = DropReason.None;
        if (slot.TotalLength < 0 || slot.ReceivedBytes != slot.TotalLength)
            return ReassemblyOutcome.Held;

        // Ranges are disjoint and inside [0, total), so equal sums mean full coverage.
        HeldBytes -= slot.ReceivedBytes;
        datagram = slot.Buffer.AsSpan(0, slot.TotalLength);
        _completed = slot;
        return ReassemblyOutcome.Complete;
    }

    /// <summary>Datagrams evicted to make room since the last call (each one a drop to count).</summary>
    public int TakeEvictions()
    {
        int n = _evictions;
        _evictions = 0;
        return n;
    }

    /// <summary>Frees the datagram returned by the last completing <see cref="Add"/>.</summary>
    public void ReleaseCompleted()
    {
        if (_completed is null)
            return;
        _completed.Clear();
        _completed = null;
    }

    /// <summary>The earliest timeout of a datagram in progress, or <see cref="Instant.MaxValue"/>.</summary>
    public Instant PollAt()
    {
        var at = Instant.MaxValue;
        foreach (var s in _slots)
        {
            if (s.InUse && s != _completed && s.Deadline < at)
                at = s.Deadline;
        }
        return at;
    }

    /// <summary>
    /// Frees one datagram whose time is up. <paramref name="quote"/> receives its first fragment's
    /// header and 8 octets (length 0 if the first fragment never came, or the datagram had been
    /// discarded) for an ICMP time exceeded, code 1 (RFC 792). Returns false when none expired.
    /// </summary>
    public bool TryExpire(Instant now, Span<byte> quote, out int quoteLength, out FragmentKey key, out bool wasDiscarded)
    {
        foreach (var s in _slots)
        {
            if (!s.InUse || s == _completed || s.Deadline > now)
                continue;
            key = s.Key;
            wasDiscarded = s.Discarded;
            quoteLength = s.Discarded ? 0 : Math.Min(s.FirstQuoteLength, quote.Length);
            s.FirstQuote.AsSpan(0, quoteLength).CopyTo(quote);
            HeldBytes -= s.Discarded ? 0 : s.ReceivedBytes;
            s.Clear();
            return true;
        }
        key = default;
        quoteLength = 0;
        wasDiscarded = false;
        return false;
    }

    private Reassembly? Find(in FragmentKey key)
    {
        foreach (var s in _slots)
        {
            if (s.InUse && s.Key == key && s != _completed)
                return s;
        }
        return null;
    }

    private Reassembly? Allocate()
    {
        foreach (var s in _slots)
        {
            if (!s.InUse)
                return s;
        }
        return null;
    }

    private Reassembly? EvictOldest(Reassembly? except)
    {
        Reassembly? oldest = null;
        foreach (var s in _slots)
        {
            if (s.InUse && s != except && s != _completed && (oldest is null || s.Deadline < oldest.Deadline))
                oldest = s;
        }
        if (oldest is null)
            return null;
        if (!oldest.Discarded)
        {
            HeldBytes -= oldest.ReceivedBytes;
            _evictions++;
        }
        oldest.Clear();
        return oldest;
    }

    private void Discard(Reassembly slot)
    {
        HeldBytes -= slot.ReceivedBytes;
        slot.ReceivedBytes = 0;
        slot.Count = 0;
        slot.ReleaseBuffer();
        slot.Discarded = true;
    }

    private ReassemblyOutcome DiscardAndDrop(Reassembly slot, DropReason why, out DropReason reason)
    {
        Discard(slot);
        reason = why;
        return ReassemblyOutcome.Dropped;
    }

    private static ReassemblyOutcome Drop(DropReason why, out DropReason reason)
    {
        reason = why;
        return ReassemblyOutcome.Dropped;
    }
}
