using Teeceepee.Wire;

namespace Teeceepee.Dhcp;

/// <summary>What a DHCPACK gave us (RFC 2131 §4.4.1), with times counted from when the REQUEST was sent.</summary>
public sealed record DhcpLease
{
    /// <summary>Our address (yiaddr).</summary>
    public required IPv4Address Address { get; init; }

    /// <summary>The prefix length from the subnet mask (option 1).</summary>
    public required int PrefixLength { get; init; }

    /// <summary>The default gateway (the first router of option 3), if any.</summary>
    public IPv4Address? Router { get; init; }

    /// <summary>DNS servers (option 6).</summary>
    public IReadOnlyList<IPv4Address> DnsServers { get; init; } = [];

    /// <summary>The server that granted the lease (option 54).</summary>
    public required IPv4Address ServerIdentifier { get; init; }

    /// <summary>Interface MTU (option 26), if given.</summary>
    public int? Mtu { get; init; }

    /// <summary>When the lease began (the REQUEST that the ACK answered).</summary>
    public required Instant Start { get; init; }

    /// <summary>The lease time (option 51); <see cref="TimeSpan.MaxValue"/> for an infinite lease.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>T1 (option 58, default half the lease).</summary>
    public required TimeSpan RenewalTime { get; init; }

    /// <summary>T2 (option 59, default 7/8 of the lease).</summary>
    public required TimeSpan RebindingTime { get; init; }

    /// <summary>When we must renew.</summary>
    public Instant RenewAt => Start + RenewalTime;

    /// <summary>When we must rebind.</summary>
    public Instant RebindAt => Start + RebindingTime;

    /// <summary>When the address must be given up.</summary>
    public Instant ExpiresAt => Start + Duration;

    /// <inheritdoc />
    public override string ToString() =>
        $"{Address}/{PrefixLength}" + (Router is { } r ? $" router {r}" : "") + (DnsServers.Count > 0 ? $" dns {string.Join(",", DnsServers)}" : "")
        + $" server {ServerIdentifier} lease {(Duration == TimeSpan.MaxValue ? "infinite" : $"{Duration.TotalSeconds:0}s")}";
}
