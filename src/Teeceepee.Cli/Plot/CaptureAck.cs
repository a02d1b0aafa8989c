namespace Teeceepee.Cli.Plot;

/// <summary>
/// An acknowledgement of one flow's data, from the receiver: when, the cumulative ACK and the right edge of the window
/// it offered (ACK + scaled window, RFC 7323 §2), both relative to the sender's initial sequence number, and its SACK
/// blocks (RFC 2018) in the same space.
/// </summary>
internal readonly record struct CaptureAck(double Time, long Ack, long WindowEdge, (long Left, long Right)[] Sack);
