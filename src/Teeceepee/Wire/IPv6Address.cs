using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Teeceepee.Wire;

/// <summary>
/// An IPv6 address (RFC 4291) held as two host-order 64-bit halves: <see cref="High"/> is the first
/// eight octets (the routing prefix and subnet), <see cref="Low"/> the interface identifier.
/// </summary>
public readonly record struct IPv6Address(ulong High, ulong Low)
{
    /// <summary>The length of an address in octets.</summary>
    public const int Length = 16;

    /// <summary>:: (RFC 4291 §2.5.2).</summary>
    public static IPv6Address Unspecified { get; }

    /// <summary>::1 (RFC 4291 §2.5.3).</summary>
    public static IPv6Address Loopback { get; } = new(0, 1);

    /// <summary>ff02::1, all nodes on the link (RFC 4291 §2.7.1).</summary>
    public static IPv6Address AllNodes { get; } = new(0xFF02_0000_0000_0000, 1);

    /// <summary>ff02::2, all routers on the link (RFC 4291 §2.7.1).</summary>
    public static IPv6Address AllRouters { get; } = new(0xFF02_0000_0000_0000, 2);

    /// <summary>ff02::16, all MLDv2-capable routers (RFC 3810 §11).</summary>
    public static IPv6Address AllMldv2Routers { get; } = new(0xFF02_0000_0000_0000, 0x16);

    /// <summary>Reads sixteen octets in network order.</summary>
    public static IPv6Address Read(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(source), BinaryPrimitives.ReadUInt64BigEndian(source[8..]));

    /// <summary>Writes sixteen octets in network order.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
    }

    /// <summary>True for ::.</summary>
    public bool IsUnspecified => High == 0 && Low == 0;

    /// <summary>True for ::1.</summary>
    public bool IsLoopback => High == 0 && Low == 1;

    /// <summary>True for ff00::/8.</summary>
    public bool IsMulticast => (High >> 56) == 0xFF;

    /// <summary>True for fe80::/10.</summary>
    public bool IsLinkLocal => (High >> 54) == (0xFE80UL >> 6);

    /// <summary>True for ::ffff:0:0/96, an IPv4 address written as IPv6 (RFC 4291 §2.5.5.2).</summary>
    public bool IsIPv4Mapped => High == 0 && (Low >> 32) == 0xFFFF;

    /// <summary>The solicited-node multicast address ff02::1:ffXX:XXXX of this address (RFC 4291 §2.7.1).</summary>
    public IPv6Address SolicitedNode => new(0xFF02_0000_0000_0000, 0x0000_0001_FF00_0000UL | (Low & 0x00FF_FFFF));

    /// <summary>The Ethernet multicast address 33:33:xx:xx:xx:xx a multicast address maps to (RFC 2464 §7).</summary>
    public MacAddress MulticastMac
    {
        get
        {
            Span<byte> mac = stackalloc byte[6];
            mac[0] = 0x33;
            mac[1] = 0x33;
            BinaryPrimitives.WriteUInt32BigEndian(mac[2..], (uint)Low);
            return MacAddress.Read(mac);
        }
    }

    /// <summary>True when both addresses share the first <paramref name="prefixLength"/> bits (0..128).</summary>
    public bool IsInSameSubnet(IPv6Address other, int prefixLength)
    {
        if (prefixLength <= 0)
            return true;
        if (prefixLength <= 64)
            return ((High ^ other.High) & Mask(prefixLength)) == 0;
        return High == other.High && ((Low ^ other.Low) & Mask(Math.Min(prefixLength, 128) - 64)) == 0;
    }

    /// <summary>The first <paramref name="prefixLength"/> bits, the rest zero.</summary>
    public IPv6Address Prefix(int prefixLength) =>
        prefixLength <= 0 ? Unspecified
        : prefixLength <= 64 ? new(High & Mask(prefixLength), 0)
        : new(High, Low & Mask(Math.Min(prefixLength, 128) - 64));

    private static ulong Mask(int bits) => bits >= 64 ? ulong.MaxValue : ulong.MaxValue << (64 - bits);

    /// <summary>Converts from <see cref="IPAddress"/> (must be IPv6).</summary>
    public static IPv6Address FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            throw new ArgumentException($"{address} is not an IPv6 address.", nameof(address));
        Span<byte> b = stackalloc byte[Length];
        address.TryWriteBytes(b, out _);
        return Read(b);
    }

    /// <summary>Converts to <see cref="IPAddress"/>.</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> b = stackalloc byte[Length];
        WriteTo(b);
        return new IPAddress(b);
    }

    /// <summary>Parses RFC 4291 §2.2 text (RFC 5952 forms, embedded IPv4 allowed; no zone index).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out IPv6Address address)
    {
        address = default;
        if (string.IsNullOrEmpty(text) || text.Contains('%') || !text.Contains(':')
            || !IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
            return false;
        address = FromIPAddress(parsed);
        return true;
    }

    /// <summary>Parses IPv6 text or throws <see cref="FormatException"/>.</summary>
    public static IPv6Address Parse(string text) =>
        TryParse(text, out var a) ? a : throw new FormatException($"'{text}' is not an IPv6 address.");

    /// <summary>RFC 5952 text (lower case, longest zero run as ::).</summary>
    public override string ToString() => ToIPAddress().ToString();
}
