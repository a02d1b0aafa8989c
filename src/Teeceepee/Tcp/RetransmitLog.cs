using System.Buffers;
using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// The retransmissions of one loss recovery still believed in flight: RFC 6675's per-segment "retransmitted" mark,
/// bounded. <see cref="Rack"/> finds the lost ones by their send times (RFC 8985 §6.2: a segment sent later was
/// delivered, this one was not) and takes them out again, so rule 1 of NextSeg resends them without waiting for the RTO.
/// The arrays are rented from the shared pool with the first entry and returned when the last goes (recovery ended,
/// everything acknowledged): a connection out of recovery holds none (issue 13 item 2).
/// </summary>
internal sealed class RetransmitLog
{
    public const int Capacity = 64;

    private static readonly SeqNumber[] s_none = [];
    // Entries in the order they were sent; rented with the first entry, returned with the last.
    private SeqNumber[] _start = s_none;
    private SeqNumber[] _end = s_none;
    private int _count;

    /// <summary>Entries held.</summary>
    public int Count => _count;

    /// <summary>True while the entry arrays are rented (an entry is held).</summary>
    public bool HasStorage => _start.Length != 0;

    /// <summary>Forgets every entry (recovery ended or timed out).</summary>
    public void Clear()
    {
        _count = 0;
        ReturnStorage();
    }

    /// <summary>Records a retransmission of [start, end).</summary>
    public void Add(SeqNumber start, SeqNumber end)
    {
        if (end <= start)
            return;
        if (_count > 0)
        {
            int last = _count - 1;
            // A retransmission continuing the previous one extends it.
            if (_end[last] == start)
            {
                _end[last] = end;
                return;
            }
            if (_count == Capacity)
            {
                // Full: fold into the newest entry. Its range may then cover SACKed octets (ignored by InFlight). Slower
                // to repair, never wrong.
                _start[last] = SeqNumber.Min(_start[last], start);
                _end[last] = SeqNumber.Max(_end[last], end);
                return;
            }
        }
        else if (_start.Length == 0)
        {
            _start = ArrayPool<SeqNumber>.Shared.Rent(Capacity);
            _end = ArrayPool<SeqNumber>.Shared.Rent(Capacity);
        }
        _start[_count] = start;
        _end[_count] = end;
        _count++;
    }

    /// <summary>Forgets the oldest retransmission (presumed lost); false when there is none.</summary>
    public bool DropOldest()
    {
        if (_count == 0)
            return false;
        Array.Copy(_start, 1, _start, 0, _count - 1);
        Array.Copy(_end, 1, _end, 0, _count - 1);
        _count--;
        if (_count == 0)
            ReturnStorage();
        return true;
    }

    /// <summary>
    /// [start, end) was found lost: it is no longer in flight. An entry reaching past both ends keeps its lower part (the
    /// upper part is then resent once more than needed).
    /// </summary>
    public void Remove(SeqNumber start, SeqNumber end)
    {
        int kept = 0;
        for (int i = 0; i < _count; i++)
        {
            SeqNumber s = _start[i], e = _end[i];
            if (e > start && s < end)
            {
                if (s < start)
                    e = start; // keep the part below
                else if (e > end)
                    s = end;   // keep the part above
                else
                    continue;  // wholly lost
            }
            _start[kept] = s;
            _end[kept] = e;
            kept++;
        }
        _count = kept;
        if (kept == 0)
            ReturnStorage();
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

    /// <summary>After an ACK: drops what SND.UNA passed or the receiver SACKed whole.</summary>
    public void Update(SeqNumber una, SackScoreboard? scoreboard)
    {
        int kept = 0;
        for (int i = 0; i < _count; i++)
        {
            var s = SeqNumber.Max(_start[i], una);
            if (_end[i] <= s)
                continue;
            if (scoreboard is { Count: > 0 } && scoreboard.SackedBytesBetween(s, _end[i]) == _end[i] - s)
                continue;
            _start[kept] = s;
            _end[kept] = _end[i];
            kept++;
        }
        _count = kept;
        if (kept == 0)
            ReturnStorage();
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

    private void ReturnStorage()
    {
        if (_start.Length == 0)
            return;
        ArrayPool<SeqNumber>.Shared.Return(_start);
        ArrayPool<SeqNumber>.Shared.Return(_end);
        _start = s_none;
        _end = s_none;
    }
}
