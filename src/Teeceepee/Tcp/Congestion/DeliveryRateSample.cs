namespace Teeceepee.Tcp.Congestion;

/// <summary>
/// One delivery-rate sample (draft-ietf-ccwg-bbr "Delivery Rate Estimation"): octets delivered over an interval
/// that is the longer of the send and the ACK interval of the segments concerned.
/// </summary>
public readonly record struct DeliveryRateSample
{
    /// <summary>Octets delivered in the interval.</summary>
    public long Delivered { get; init; }

    /// <summary>The interval; zero when there is no sample.</summary>
    public TimeSpan Interval { get; init; }

    /// <summary>True when the sender had no data to send during the interval: the rate is a lower bound only.</summary>
    public bool IsAppLimited { get; init; }

    /// <summary>Total octets delivered when the sampled segment was sent (C.delivered at send, the draft's P.delivered).</summary>
    public long PriorDelivered { get; init; }

    /// <summary>Octets in flight just after the sampled segment was sent, itself included (the draft's P.tx_in_flight).</summary>
    public int TxInFlight { get; init; }

    /// <summary>True when the sample measured something.</summary>
    public bool IsValid => Interval > TimeSpan.Zero && Delivered > 0;

    /// <summary>Delivered octets per second; 0 when invalid.</summary>
    public long BytesPerSecond => IsValid ? (long)(Delivered * (double)TimeSpan.TicksPerSecond / Interval.Ticks) : 0;
}
