using Teeceepee.Tcp;

namespace Teeceepee.Stack;

/// <summary>
/// One observation for an <see cref="ITcpProbe"/>: the connection, the loop's clock, its counters and windows
/// (cwnd, ssthresh, smoothed RTT, bytes in flight...) and, when an ACK gave one, the round-trip sample itself.
/// </summary>
/// <param name="Time">The stack clock (<see cref="NetworkStackOptions.TimeProvider"/>) when it was taken.</param>
/// <param name="Connection">The connection, from our side.</param>
/// <param name="Info">The connection's state now.</param>
/// <param name="RttSample">The round-trip sample this ACK gave (RFC 6298 §3), else null.</param>
public readonly record struct TcpProbeSample(Instant Time, TcpFourTuple Connection, TcpInfo Info, TimeSpan? RttSample);
