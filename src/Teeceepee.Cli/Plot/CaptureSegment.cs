namespace Teeceepee.Cli.Plot;

/// <summary>
/// A segment that occupies sequence space (data, SYN or FIN) as the capture saw it: seconds since the capture began,
/// its sequence number relative to the sender's initial one, its length in sequence space, and whether that space
/// had been sent before (a retransmission).
/// </summary>
internal readonly record struct CaptureSegment(double Time, long Seq, int Length, bool Retransmission)
{
    /// <summary>The sequence number after the segment.</summary>
    public long End => Seq + Length;
}
