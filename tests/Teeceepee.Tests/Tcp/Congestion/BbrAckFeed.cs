using Teeceepee.Tcp.Congestion;

namespace Teeceepee.Tests.Tcp.Congestion;

/// <summary>
/// Feeds a <see cref="BbrCongestionController"/> the ACK events of a steady path on virtual time, one segment per ACK: the
/// flight is min(cwnd, BDP), a rate sample covers the flight over max(flight / bandwidth, RTT) (so a flight below the BDP
/// measures flight / RTT, as in Startup), and rounds follow from the samples' prior-delivered counts. Tests override the
/// pipe or the flight (SND.MAX − SND.UNA) to model SACKed or lost data.
/// </summary>
internal sealed class BbrAckFeed
{
    public const int Mss = 1448;

    public BbrAckFeed(double bytesPerSecond = 1_250_000, double rttMs = 40, BbrLossResponse lossResponse = BbrLossResponse.Draft)
    {
        Bandwidth = bytesPerSecond;
        Rtt = TimeSpan.FromMilliseconds(rttMs);
        Cc = new BbrCongestionController(Mss, lossResponse: lossResponse);
    }

    public BbrCongestionController Cc { get; }
    public Instant Now { get; private set; } = Instant.FromMilliseconds(1);
    public long Delivered { get; private set; }
    public double Bandwidth { get; }
    public TimeSpan Rtt { get; }
    public long Bdp => (long)(Bandwidth * Rtt.TotalSeconds);

    /// <summary>The pipe (C.inflight after the ACK) to report; null: the flight less the ACKed segment.</summary>
    public long? Pipe { get; set; }

    /// <summary>SND.MAX − SND.UNA to report (SACKed and lost octets included); null: the modelled flight.</summary>
    public long? Flight { get; set; }

    /// <summary>The modelled flight: what cwnd lets out, at most what the path holds.</summary>
    public long ModelFlight => Math.Max(Math.Min(Cc.Window, Bdp), Mss);

    /// <summary>One ACK of one segment; <paramref name="interval"/> and <paramref name="txInFlight"/> override the sample's.</summary>
    public void Ack(TimeSpan? interval = null, long? txInFlight = null)
    {
        long flight = ModelFlight;
        Now += TimeSpan.FromSeconds(Mss / Math.Min(Bandwidth, flight / Rtt.TotalSeconds));
        long prior = Math.Max(0, Delivered - flight);
        Delivered += Mss;
        long sampled = Delivered - prior;
        var span = interval ?? TimeSpan.FromSeconds(Math.Max(sampled / Bandwidth, Rtt.TotalSeconds));
        Cc.OnAck(new TcpAckEvent
        {
            Now = Now,
            BytesAcked = Mss,
            BytesDelivered = Mss,
            BytesInFlight = (int)(Flight ?? flight),
            Pipe = (int)(Pipe ?? (flight - Mss)),
            RttSample = Rtt,
            Rate = new DeliveryRateSample { Delivered = sampled, Interval = span, PriorDelivered = prior, TxInFlight = (int)(txInFlight ?? flight) },
        });
    }

    /// <summary>ACKs for <paramref name="duration"/> of virtual time.</summary>
    public void Run(TimeSpan duration)
    {
        var until = Now + duration;
        while (Now < until)
            Ack();
    }

    /// <summary>ACKs until <paramref name="done"/> holds (false if it never did within <paramref name="limit"/>).</summary>
    public bool RunUntil(Func<BbrCongestionController, bool> done, TimeSpan limit)
    {
        var until = Now + limit;
        while (!done(Cc))
        {
            if (Now >= until)
                return false;
            Ack();
        }
        return true;
    }

    /// <summary>ACKs for <paramref name="rounds"/> more of the controller's rounds.</summary>
    public void RunRounds(int rounds)
    {
        long end = Cc.RoundCount + rounds;
        while (Cc.RoundCount < end)
            Ack();
    }
}
