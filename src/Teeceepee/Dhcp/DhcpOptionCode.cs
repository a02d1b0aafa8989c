namespace Teeceepee.Dhcp;

/// <summary>The option codes the client speaks (RFC 2132).</summary>
public enum DhcpOptionCode : byte
{
    /// <summary>Padding (§3.1).</summary>
    Pad = 0,
    /// <summary>Subnet mask (§3.3).</summary>
    SubnetMask = 1,
    /// <summary>Routers, in order of preference (§3.5).</summary>
    Router = 3,
    /// <summary>DNS servers, in order of preference (§3.8).</summary>
    DomainNameServer = 6,
    /// <summary>The client's host name (§3.14).</summary>
    HostName = 12,
    /// <summary>Interface MTU (§5.1).</summary>
    InterfaceMtu = 26,
    /// <summary>Requested IP address (§9.1).</summary>
    RequestedAddress = 50,
    /// <summary>Lease time in seconds (§9.2).</summary>
    LeaseTime = 51,
    /// <summary>sname/file carry options (§9.3): not supported, those fields are ignored.</summary>
    OptionOverload = 52,
    /// <summary>DHCP message type (§9.6).</summary>
    MessageType = 53,
    /// <summary>Server identifier (§9.7).</summary>
    ServerIdentifier = 54,
    /// <summary>Parameter request list (§9.8).</summary>
    ParameterRequestList = 55,
    /// <summary>Maximum DHCP message size (§9.10).</summary>
    MaxMessageSize = 57,
    /// <summary>Renewal (T1) time in seconds (§9.11).</summary>
    RenewalTime = 58,
    /// <summary>Rebinding (T2) time in seconds (§9.12).</summary>
    RebindingTime = 59,
    /// <summary>Client identifier (§9.14).</summary>
    ClientIdentifier = 61,
    /// <summary>End of options (§3.2).</summary>
    End = 255,
}
