namespace Teeceepee.Cli.Network;

/// <summary>
/// The outcome of one ICMP echo: a reply (with its TTL, ICMP payload+header size and round-trip
/// time), silence (timed out), or an ICMP error from a router (<see cref="Error"/>, e.g.
/// "Destination Host Unreachable", from <see cref="ErrorFrom"/>).
/// </summary>
internal readonly record struct EchoResult(bool Replied, int Ttl, int Bytes, TimeSpan RoundTrip, string? Error = null, string? ErrorFrom = null)
{
    /// <summary>No reply in time.</summary>
    public static EchoResult TimedOut => default;

    /// <summary>A reply.</summary>
    public static EchoResult Reply(int ttl, int bytes, TimeSpan roundTrip) => new(true, ttl, bytes, roundTrip);
}
