using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>The outcome of one echo request (<see cref="NetworkStack.PingAsync(IPv4Address, int, TimeSpan, CancellationToken)"/>).</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Address">Who answered: the destination, or the router that reported an error.</param>
/// <param name="RoundTripTime">From sending the request to receiving the answer (zero when none came).</param>
/// <param name="TimeToLive">The TTL (IPv6: hop limit) of the answer's IP header (0 when none came).</param>
/// <param name="SequenceNumber">The ICMP sequence number of the request.</param>
/// <param name="DataSize">The data octets of the reply (as iputils reports them).</param>
public readonly record struct PingReply(
    PingStatus Status,
    NetAddress Address,
    TimeSpan RoundTripTime,
    byte TimeToLive,
    ushort SequenceNumber,
    int DataSize);
