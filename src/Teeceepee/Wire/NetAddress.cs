using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Teeceepee.Wire;

/// <summary>
/// An IPv4 or IPv6 address in one 16-octet value, without allocating: IPv4 is held in its
/// IPv4-mapped form ::ffff:a.b.c.d (RFC 4291 §2.5.5.2), which never appears on the wire as IPv6.
/// Protocol code above the network layer (TCP, UDP) uses this type and stays family-agnostic;
/// <see cref="IPAddress"/> appears only at the API edge.
/// </summary>
public readonly record struct NetAddress(ulong High, ulong Low)
{
    private const ulong MappedPrefix = 0xFFFFUL << 32;

    /// <summary>The IPv4 unspecified address 0.0.0.0.</summary>
    public static NetAddress IPv4Any { get; } = new(0, MappedPrefix);

    /// <summary>The IPv6 unspecified address ::.</summary>
    public static NetAddress IPv6Any { get; }

    /// <summary>Holds an IPv4 address.</summary>
    public NetAddress(IPv4Address address) : this(0, MappedPrefix | address.Value) { }

    /// <summary>Holds an IPv6 address (an IPv4-mapped one becomes the IPv4 address it maps).</summary>
    public NetAddress(IPv6Address address) : this(address.High, address.Low) { }

    /// <summary>True when this is an IPv4 address.</summary>
    public bool IsIPv4 => High == 0 && (Low & 0xFFFF_FFFF_0000_0000UL) == MappedPrefix;

    /// <summary>True when this is an IPv6 address.</summary>
    public bool IsIPv6 => !IsIPv4;

    /// <summary>The address family.</summary>
    public AddressFamily Family => IsIPv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;

    /// <summary>The IPv4 address; meaningful only when <see cref="IsIPv4"/>.</summary>
    public IPv4Address V4 => new((uint)Low);

    /// <summary>The IPv6 address (the mapped form for IPv4).</summary>
    public IPv6Address V6 => new(High, Low);

    /// <summary>True for 0.0.0.0 or ::.</summary>
    public bool IsUnspecified => IsIPv4 ? (uint)Low == 0 : High == 0 && Low == 0;

    /// <summary>True for multicast of either family (and IPv4 limited broadcast).</summary>
    public bool IsMulticast => IsIPv4 ? V4.IsMulticast || V4.IsBroadcast : V6.IsMulticast;

    /// <summary>True for 127.0.0.0/8 or ::1.</summary>
    public bool IsLoopback => IsIPv4 ? V4.IsLoopback : V6.IsLoopback;

    /// <summary>Converts from <see cref="IPAddress"/>; IPv4-mapped IPv6 becomes IPv4.</summary>
    public static NetAddress FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => new(IPv4Address.FromIPAddress(address)),
            AddressFamily.InterNetworkV6 => new(IPv6Address.FromIPAddress(address)),
            _ => throw new ArgumentException($"{address} is neither IPv4 nor IPv6.", nameof(address)),
        };
    }

    /// <summary>Converts to <see cref="IPAddress"/> of the address's own family.</summary>
    public IPAddress ToIPAddress() => IsIPv4 ? V4.ToIPAddress() : V6.ToIPAddress();

    /// <summary>Parses IPv4 dotted-quad or IPv6 text.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out NetAddress address)
    {
        if (IPv4Address.TryParse(text, out var v4))
        {
            address = new(v4);
            return true;
        }
        if (IPv6Address.TryParse(text, out var v6))
        {
            address = new(v6);
            return true;
        }
        address = default;
        return false;
    }

    /// <summary>Parses IPv4 or IPv6 text or throws <see cref="FormatException"/>.</summary>
    public static NetAddress Parse(string text) =>
        TryParse(text, out var a) ? a : throw new FormatException($"'{text}' is not an IP address.");

    /// <summary>Widens an IPv4 address.</summary>
    public static implicit operator NetAddress(IPv4Address address) => new(address);

    /// <summary>Widens an IPv6 address.</summary>
    public static implicit operator NetAddress(IPv6Address address) => new(address);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(High, Low);

    /// <summary>Dotted quad for IPv4, RFC 5952 text for IPv6.</summary>
    public override string ToString() => IsIPv4 ? V4.ToString() : V6.ToString();
}
