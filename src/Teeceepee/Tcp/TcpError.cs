namespace Teeceepee.Tcp;

/// <summary>Why a connection failed; the Sockets layer maps each to a <see cref="System.Net.Sockets.SocketError"/>.</summary>
public enum TcpError : byte
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>The peer answered our SYN with a RST (RFC 9293 §3.10.7.3).</summary>
    ConnectionRefused,
    /// <summary>The peer reset an open connection (RFC 9293 §3.10.7.4).</summary>
    ConnectionReset,
    /// <summary>SYN retries, data retransmissions, the user timeout or keepalive probes ran out.</summary>
    TimedOut,
    /// <summary>An ICMP host unreachable arrived while connecting.</summary>
    HostUnreachable,
    /// <summary>An ICMP network unreachable arrived while connecting.</summary>
    NetworkUnreachable,
    /// <summary>The local application aborted the connection (RST sent).</summary>
    ConnectionAborted,
    /// <summary>The local endpoint (or the 4-tuple) is already taken.</summary>
    AddressAlreadyInUse,
    /// <summary>No ephemeral port is free for this destination (RFC 6056).</summary>
    AddressNotAvailable,
    /// <summary>An ICMP or ICMPv6 parameter problem about our segments: the peer could not process their headers (Linux EPROTO).</summary>
    ProtocolError,
}
