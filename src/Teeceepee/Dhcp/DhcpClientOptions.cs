namespace Teeceepee.Dhcp;

/// <summary>How a <see cref="DhcpClient"/> asks for and keeps a lease.</summary>
public sealed record DhcpClientOptions
{
    /// <summary>The first retransmission wait in SELECTING/REQUESTING (RFC 2131 §4.1: 4 s, doubled each time).</summary>
    public TimeSpan InitialRetransmit { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>The retransmission wait never exceeds this (RFC 2131 §4.1: 64 s).</summary>
    public TimeSpan MaxRetransmit { get; init; } = TimeSpan.FromSeconds(64);

    /// <summary>Randomisation of each wait, ± this (RFC 2131 §4.1: ±1 s); capped at a quarter of the wait.</summary>
    public TimeSpan Jitter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>REQUESTs sent for one offer before starting over with DISCOVER.</summary>
    public int RequestAttempts { get; init; } = 4;

    /// <summary>The shortest wait between REQUESTs in RENEWING/REBINDING (RFC 2131 §4.4.5: 60 s).</summary>
    public TimeSpan MinimumRenewRetransmit { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Option 12 to send, if any.</summary>
    public string? HostName { get; init; }

    /// <summary>Receives one line per state change and dropped message; null for none.</summary>
    public Action<string>? Trace { get; init; }
}
