namespace Teeceepee.Tcp;

/// <summary>The ICMP errors TCP reacts to (RFC 1122 §4.2.3.9, RFC 5927).</summary>
public enum TcpIcmpError : byte
{
    /// <summary>Destination unreachable, code 0.</summary>
    NetworkUnreachable,
    /// <summary>Destination unreachable, code 1.</summary>
    HostUnreachable,
    /// <summary>Destination unreachable, code 2.</summary>
    ProtocolUnreachable,
    /// <summary>Destination unreachable, code 3.</summary>
    PortUnreachable,
    /// <summary>Destination unreachable, code 4 (path MTU discovery).</summary>
    FragmentationNeeded,
    /// <summary>Destination unreachable, administratively prohibited (codes 9, 10, 13).</summary>
    AdministrativelyProhibited,
    /// <summary>Time exceeded.</summary>
    TimeExceeded,
    /// <summary>Parameter problem (ICMP type 12, ICMPv6 type 4): the peer's host could not process our header (Linux: EPROTO, fatal).</summary>
    ParameterProblem,
}
