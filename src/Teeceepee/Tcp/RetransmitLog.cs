using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// The retransmissions of one loss recovery still believed in flight: RFC 6675's per-segment
/// "retransmitted" mark, bounded, plus when each was sent relative to new data, so a lost
/// retransmission is noticed without waiting for the RTO (as Linux's lost-retransmit detection and
/// RFC 8985 RACK do: a segment sent later was delivered, this one was not).
/// </summary>
internal sealed class RetransmitLog
{
    public const int Capacity = 64;

    // Entries in the order they were sent. SndMax is SND.MAX when the entry was (last) sent: any octet
    // at or above it was first sent later. Lost marks a retransmission of a hole IsLost() had declared
    // lost, whose original is gone, so its delivery proves the entries sent before it were overtaken.
    private readonly SeqNumber[] _start = new SeqNumber[Capacity];
    private readonly SeqNumber[] _end = new SeqNumber[Capacity];
    private readonly SeqNumber[] _sndMax = new SeqNumber[Capacity];
    private readonly bool[] _lost = new bool[Capacity];
    private int _count;

    /// <summary>Entries held.</summary>
    public int Count => _count;

    /// <summary>Forgets every entry (recovery ended or timed out).</summary>
    public void Clear() => _count = 0;

    /// <summary>Records a retransmission of [start, end) sent while SND.MAX was <paramref name="sndMax"/>.</summary>
    public void Add(SeqNumber start, SeqNumber end, SeqNumber sndMax, bool lost)
    {
        if (end <= start)
            return;
        if (_count > 0)
        {
            int last = _count - 1;
            // A retransmission continuing the previous one, sent before any new data, extends it.
            if (_end[last] == start && _sndMax[last] == sndMax && _lost[last] == lost)
            {
                _end[last] = end;
                return;
            }
            if (_count == Capacity)
            {
                // Full: fold into the newest entry. Its range may then cover SACKed octets (ignored by
                // InFlight) and lost-detection for it waits for the newer SND.MAX: slower, never wrong.
                _start[last] = SeqNumber.Min(_start[last], start);
                _end[last] = SeqNumber.Max(_end[last], end);
                _sndMax[last] = SeqNumber.Max(_sndMax[last], sndMax);
                _lost[last] &= lost;
                return;
            }
        }
        _start[_count] = start;
        _end[_count] = end;
        _sndMax[_count] = sndMax;
        _lost[_count] = lost;
        _count++;
    }

    /// <summary>Forgets the oldest retransmission (presumed lost); false when there is none.</summary>
    public bool DropOldest()
    {
        if (_count == 0)
            return false;
        Array.Copy(_start, 1, _start, 0, _count - 1);
        Array.Copy(_end, 1, _end, 0, _count - 1);
        Array.Copy(_sndMax, 1, _sndMax, 0, _count - 1);
        Array.Copy(_lost, 1, _lost, 0, _count - 1);
        _count--;
        return true;
    }

    /// <summary>When <paramref name="seq"/> lies in a retransmission still in flight, the end of that retransmission.</summary>
    public bool TryGetContaining(SeqNumber seq, out SeqNumber end)
    {
        for (int i = 0; i < _count; i++)
        {
            if (seq >= _start[i] && seq < _end[i])
            {
                end = _end[i];
                return true;
            }
        }
        end = default;
        return false;
    }

    /// <summary>The lowest start of an entry above <paramref name="seq"/>, if any.</summary>
    public bool TryGetNextStart(SeqNumber seq, out SeqNumber start)
    {
        bool found = false;
        start = default;
        for (int i = 0; i < _count; i++)
        {
            if (_start[i] > seq && (!found || _start[i] < start))
            {
                start = _start[i];
                found = true;
            }
        }
        return found;
    }

    /// <summary>
    /// After an ACK: drops what SND.UNA passed or the receiver SACKed whole, and declares lost every
    /// retransmission overtaken by later-sent data that arrived: SACKed octets at or above its SND.MAX,
    /// or a later retransmission of a lost hole SACKed in full. Returns the octets declared lost.
    /// </summary>
    public long Update(SeqNumber una, SackScoreboard? scoreboard)
    {
        int witness = -1;
        for (int i = 0; i < _count; i++)
        {
            if (_start[i] < una)
                _start[i] = una;
            if (_end[i] <= _start[i])
            {
                _end[i] = _start[i]; // delivered (cumulatively ACKed): drop below
                if (_lost[i])
                    witness = i;
                continue;
            }
            if (scoreboard is { Count: > 0 } && scoreboard.SackedBytesBetween(_start[i], _end[i]) == _end[i] - _start[i])
            {
                if (_lost[i])
                    witness = i;
                _end[i] = _start[i];
            }
        }
        bool haveSack = scoreboard is { Count: > 0 };
        SeqNumber highest = haveSack ? scoreboard!.HighestSacked : una;
        long lostBytes = 0;
        int kept = 0;
        for (int i = 0; i < _count; i++)
        {
            if (_end[i] <= _start[i])
                continue;
            if (i < witness || (haveSack && highest > _sndMax[i]))
            {
                lostBytes += (_end[i] - _start[i]) - (haveSack ? scoreboard!.SackedBytesBetween(_start[i], _end[i]) : 0);
                continue;
            }
            _start[kept] = _start[i];
            _end[kept] = _end[i];
            _sndMax[kept] = _sndMax[i];
            _lost[kept] = _lost[i];
            kept++;
        }
        _count = kept;
        return lostBytes;
    }

    /// <summary>Retransmitted octets still in flight: neither ACKed nor SACKed (RFC 6675 SetPipe's second count).</summary>
    public long InFlight(SeqNumber una, SackScoreboard? scoreboard)
    {
        long sum = 0;
        for (int i = 0; i < _count; i++)
        {
            var start = SeqNumber.Max(_start[i], una);
            if (_end[i] <= start)
                continue;
            sum += _end[i] - start;
            if (scoreboard is { Count: > 0 })
                sum -= scoreboard.SackedBytesBetween(start, _end[i]);
        }
        return sum;
    }
}
