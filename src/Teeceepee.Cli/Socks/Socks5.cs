namespace Teeceepee.Cli.Socks;

/// <summary>SOCKS version 5 constants (RFC 1928).</summary>
internal static class Socks5
{
    public const byte Version = 5;

    /// <summary>§3: no authentication required.</summary>
    public const byte MethodNoAuth = 0x00;

    /// <summary>§3: username/password (RFC 1929).</summary>
    public const byte MethodUserPassword = 0x02;

    /// <summary>RFC 1929 §2: the version of the username/password subnegotiation.</summary>
    public const byte UserPasswordVersion = 0x01;

    /// <summary>RFC 1929 §2: STATUS success; anything else is a failure and the connection closes.</summary>
    public const byte UserPasswordSuccess = 0x00;

    /// <summary>RFC 1929 §2: the failure status we send.</summary>
    public const byte UserPasswordFailure = 0x01;

    /// <summary>The first octet of a SOCKS4 (or 4a) request, refused.</summary>
    public const byte Socks4Version = 4;

    /// <summary>§3: no acceptable methods.</summary>
    public const byte MethodNoAcceptable = 0xFF;

    /// <summary>§4 commands.</summary>
    public const byte CommandConnect = 0x01;
    public const byte CommandBind = 0x02;
    public const byte CommandUdpAssociate = 0x03;

    /// <summary>§4 address types.</summary>
    public const byte AddressIPv4 = 0x01;
    public const byte AddressDomainName = 0x03;
    public const byte AddressIPv6 = 0x04;

    /// <summary>§6 reply codes.</summary>
    public const byte ReplySucceeded = 0x00;
    public const byte ReplyGeneralFailure = 0x01;
    public const byte ReplyNotAllowed = 0x02;
    public const byte ReplyNetworkUnreachable = 0x03;
    public const byte ReplyHostUnreachable = 0x04;
    public const byte ReplyConnectionRefused = 0x05;
    public const byte ReplyTtlExpired = 0x06;
    public const byte ReplyCommandNotSupported = 0x07;
    public const byte ReplyAddressTypeNotSupported = 0x08;
}
