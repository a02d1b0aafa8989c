using System.Buffers;
using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// The sender's record of SACKed ranges above SND.UNA (RFC 6675 §3's scoreboard), bounded: sorted,
/// disjoint ranges in fixed arrays; a new disjoint range beyond the bound is ignored (it only costs
/// an unneeded retransmission later). The arrays are rented from the shared pool with the first range and returned
/// when the last one goes (SND.UNA passed it, or a timeout cleared it): a connection with nothing SACKed above SND.UNA,
/// an idle one above all, holds none (issue 13 item 2), and the pool's per-thread cache makes renting allocation-free.
/// </summary>
internal sealed class SackScoreboard
{
    public const int MaxRanges = 16;

    private static readonly SeqNumber[] s_none = [];
    private SeqNumber[] _left = s_none;  // rented with the first range, returned with the last
    private SeqNumber[] _right = s_none;
    private int _count;

    /// <summary>Number of disjoint SACKed ranges.</summary>
    public int Count => _count;

    /// <summary>True while the range arrays are rented (a range is held).</summary>
    public bool HasStorage => _left.Length != 0;

    /// <summary>The right edge of the highest SACKed range (only meaningful when <see cref="Count"/> &gt; 0).</summary>
    public SeqNumber HighestSacked => _right[_count - 1];

    /// <summary>Forgets everything (after repeated timeouts, in case the receiver reneged: RFC 2018 §8).</summary>
    public void Clear()
    {
        _count = 0;
        ReturnStorage();
    }

    /// <summary>Records SACKed octets [left, right); true when octets not known before were SACKed.</summary>
    public bool Add(SeqNumber left, SeqNumber right)
    {
        if (right <= left)
            return false;
        int first = 0;
        while (first < _count && _right[first] < left)
            first++;
        int last = first - 1;
        while (last + 1 < _count && _left[last + 1] <= right)
            last++;
        if (last < first)
        {
            if (_count == MaxRanges)
                return false;
            if (_count == 0 && _left.Length == 0)
            {
                _left = ArrayPool<SeqNumber>.Shared.Rent(MaxRanges);
                _right = ArrayPool<SeqNumber>.Shared.Rent(MaxRanges);
            }
            Array.Copy(_left, first, _left, first + 1, _count - first);
            Array.Copy(_right, first, _right, first + 1, _count - first);
            _left[first] = left;
            _right[first] = right;
            _count++;
            return true;
        }
        var newLeft = SeqNumber.Min(left, _left[first]);
        var newRight = SeqNumber.Max(right, _right[last]);
        bool grew = newLeft < _left[first] || newRight > _right[last] || last > first;
        _left[first] = newLeft;
        _right[first] = newRight;
        int removed = last - first;
        if (removed > 0)
        {
            Array.Copy(_left, last + 1, _left, first + 1, _count - last - 1);
            Array.Copy(_right, last + 1, _right, first + 1, _count - last - 1);
            _count -= removed;
        }
        return grew;
    }

    /// <summary>Drops what SND.UNA has passed.</summary>
    public void Prune(SeqNumber una)
    {
        int drop = 0;
        while (drop < _count && _right[drop] <= una)
            drop++;
        if (drop > 0)
        {
            Array.Copy(_left, drop, _left, 0, _count - drop);
            Array.Copy(_right, drop, _right, 0, _count - drop);
            _count -= drop;
            if (_count == 0)
            {
                ReturnStorage(); // everything SACKed is acknowledged: nothing held until the next SACK
                return;
            }
        }
        if (_count > 0 && _left[0] < una)
            _left[0] = una;
    }

    private void ReturnStorage()
    {
        if (_left.Length == 0)
            return;
        ArrayPool<SeqNumber>.Shared.Return(_left);
        ArrayPool<SeqNumber>.Shared.Return(_right);
        _left = s_none;
        _right = s_none;
    }

    /// <summary>Octets SACKed in all.</summary>
    public long SackedBytes
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _count; i++)
                sum += _right[i] - _left[i];
            return sum;
        }
    }

    /// <summary>SACKed octets inside [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public long SackedBytesBetween(SeqNumber from, SeqNumber to)
    {
        long sum = 0;
        for (int i = 0; i < _count && _left[i] < to; i++)
        {
            var l = SeqNumber.Max(_left[i], from);
            var r = SeqNumber.Min(_right[i], to);
            if (r > l)
                sum += r - l;
        }
        return sum;
    }

    /// <summary>
    /// RFC 6675 §4 IsLost() as a boundary: every unSACKed octet below the returned sequence number has
    /// <paramref name="dupThresh"/> discontiguous SACKed ranges, or more than (DupThresh - 1) * SMSS SACKed
    /// octets, above it. Returns <paramref name="una"/> when no octet counts as lost.
    /// </summary>
    public SeqNumber LostBoundary(SeqNumber una, int dupThresh, int mss)
    {
        long above = 0;
        long threshold = (long)(dupThresh - 1) * mss;
        for (int i = _count - 1; i >= 0; i--)
        {
            above += _right[i] - _left[i];
            if (above > threshold || _count - i >= dupThresh)
                return SeqNumber.Max(_left[i], una);
        }
        return una;
    }

    /// <summary>RFC 6675 §4 IsLost(<paramref name="seq"/>) for an unSACKed octet.</summary>
    public bool IsLost(SeqNumber seq, int dupThresh, int mss) => seq < LostBoundary(seq, dupThresh, mss);

    /// <summary>When <paramref name="seq"/> lies in a SACKed range, its right edge.</summary>
    public bool TryGetRangeContaining(SeqNumber seq, out SeqNumber right)
    {
        for (int i = 0; i < _count; i++)
        {
            if (seq >= _left[i] && seq < _right[i])
            {
                right = _right[i];
                return true;
            }
            if (_left[i] > seq)
                break;
        }
        right = default;
        return false;
    }

    /// <summary>The left edge of the first SACKed range starting after <paramref name="seq"/>, if any.</summary>
    public bool TryGetNextRangeStart(SeqNumber seq, out SeqNumber left)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_left[i] > seq)
            {
                left = _left[i];
                return true;
            }
        }
        left = default;
        return false;
    }
}
