using System.Buffers;
using Teeceepee.Wire;

namespace Teeceepee.Tcp.Congestion;

/// <summary>
/// Delivery-rate estimation and round counting as in draft-ietf-ccwg-bbr ("Delivery Rate Estimation", "Round
/// counting"): each new-data transmission records the connection's delivered count and times in a ring rented from the
/// shared pool (no allocation per segment) and handed back once everything sent is acknowledged, so an idle connection
/// holds none (issue 13 item 2); an ACK that delivers the newest recorded segment yields a rate sample.
/// </summary>
public sealed class DeliveryRateEstimator
{
    /// <summary>Transmissions remembered at once; a flight with more records coarser samples (still valid ones).</summary>
    public const int Capacity = 1024;

    private Record[] _ring = [];    // rented while records are held, growing by doubling up to Capacity
    private int _head;              // the oldest record
    private int _count;
    private long _delivered;        // C.delivered
    private Instant _deliveredTime; // C.delivered_time
    private Instant _firstSendTime; // C.first_send_time
    private long _appLimitedUntil;  // C.app_limited: 0 when not application-limited
    private long _nextRoundDelivered;

    /// <summary>Total octets delivered so far (cumulatively ACKed or SACKed).</summary>
    public long Delivered => _delivered;

    /// <summary>Round trips counted so far.</summary>
    public long RoundCount { get; private set; }

    /// <summary>
    /// A transmission of new data [start, end) at <paramref name="now"/> with <paramref name="inFlight"/> octets already out
    /// (SND.MAX - SND.UNA), <paramref name="sacked"/> of them SACKed: the rest plus this segment is its tx_in_flight.
    /// </summary>
    public void OnSend(Instant now, SeqNumber start, SeqNumber end, int inFlight, int sacked = 0)
    {
        if (inFlight == 0)
        {
            // Nothing in flight: the intervals start afresh (the draft's "if C.inflight == 0").
            _firstSendTime = now;
            _deliveredTime = now;
        }
        if (_count == _ring.Length && !TryGrow())
            return; // the ring is full: a later ACK samples an older record, over a longer interval
        int i = (_head + _count) % _ring.Length;
        int txInFlight = Math.Max(0, inFlight - sacked) + (end - start);
        _ring[i] = new Record(start, end, now, _delivered, _deliveredTime, _firstSendTime, _appLimitedUntil != 0, txInFlight);
        _count++;
    }

    /// <summary>The sender ran out of data with room in cwnd: samples until this flight is delivered are app-limited.</summary>
    public void OnApplicationLimited(int inFlight) => _appLimitedUntil = Math.Max(_delivered + inFlight, 1);

    /// <summary>
    /// An ACK delivered <paramref name="delivered"/> octets, the highest of them ending at <paramref name="highestDelivered"/>,
    /// with SND.UNA now at <paramref name="una"/>. Returns the rate sample and whether a round starts.
    /// </summary>
    public DeliveryRateSample OnAck(Instant now, long delivered, SeqNumber una, SeqNumber highestDelivered, out bool roundStart)
    {
        roundStart = false;
        if (delivered <= 0)
            return default;
        _delivered += delivered;
        _deliveredTime = now;
        if (_appLimitedUntil != 0 && _delivered > _appLimitedUntil)
            _appLimitedUntil = 0;
        // The most recently sent record among those delivered: the newest whose end is at or below the highest
        // octet. Records are new data in send order, so their ends ascend: a binary search finds it.
        int lo = 0, hi = _count - 1, last = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_ring[(_head + mid) % _ring.Length].End <= highestDelivered)
            {
                last = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        bool found = last >= 0;
        Record p = found ? _ring[(_head + last) % _ring.Length] : default;
        // Forget what is cumulatively acknowledged.
        while (_count > 0 && _ring[_head].End <= una)
        {
            _head = (_head + 1) % _ring.Length;
            _count--;
        }
        if (_count == 0)
            ReturnRing();
        if (!found)
            return default;
        if (p.Delivered >= _nextRoundDelivered)
        {
            _nextRoundDelivered = _delivered;
            RoundCount++;
            roundStart = true;
        }
        _firstSendTime = p.SentAt;
        var sendElapsed = p.SentAt - p.FirstSendTime;
        var ackElapsed = _deliveredTime - p.DeliveredTime;
        return new DeliveryRateSample
        {
            Delivered = _delivered - p.Delivered,
            Interval = sendElapsed > ackElapsed ? sendElapsed : ackElapsed,
            IsAppLimited = p.IsAppLimited,
            PriorDelivered = p.Delivered,
            TxInFlight = p.TxInFlight,
        };
    }

    /// <summary>A timeout: the records of the lost flight describe nothing any more.</summary>
    public void OnRetransmitTimeout()
    {
        _count = 0;
        ReturnRing();
    }

    private bool TryGrow()
    {
        if (_ring.Length >= Capacity)
            return false;
        // Small first (the pool's smallest array): a request/response flight is a few segments.
        var bigger = ArrayPool<Record>.Shared.Rent(Math.Min(Capacity, Math.Max(4, _ring.Length * 2)));
        for (int k = 0; k < _count; k++)
            bigger[k] = _ring[(_head + k) % _ring.Length];
        var old = _ring;
        _ring = bigger;
        _head = 0;
        if (old.Length > 0)
            ArrayPool<Record>.Shared.Return(old);
        return true;
    }

    // Nothing recorded: the ring goes back to the pool (issue 13 item 2: an idle connection holds none).
    private void ReturnRing()
    {
        _head = 0;
        if (_ring.Length > 0)
            ArrayPool<Record>.Shared.Return(_ring);
        _ring = [];
    }

    // 48 octets with TxInFlight as without it (the bool's padding holds it): an idle connection's ring costs no more.
    private readonly record struct Record(SeqNumber Start, SeqNumber End, Instant SentAt, long Delivered, Instant DeliveredTime, Instant FirstSendTime, bool IsAppLimited, int TxInFlight);
}
