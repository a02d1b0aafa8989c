using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Teeceepee.Wire;

/// <summary>An IPv4 address held as a host-order 32-bit value (first octet most significant).</summary>
public readonly record struct IPv4Address(uint Value)
{
    /// <summary>0.0.0.0.</summary>
    public static IPv4Address Any { get; }

    /// <summary>255.255.255.255.</summary>
    public static IPv4Address Broadcast { get; } = new(0xFFFF_FFFF);

    /// <summary>Builds an address from its four octets.</summary>
    public IPv4Address(byte a, byte b, byte c, byte d) : this((uint)(a << 24 | b << 16 | c << 8 | d)) { }

    /// <summary>Reads four octets in network order.</summary>
    public static IPv4Address Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt32BigEndian(source));

    /// <summary>Writes four octets in network order.</summary>
    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, Value);

    /// <summary>True for 0.0.0.0.</summary>
    public bool IsUnspecified => Value == 0;

    /// <summary>True for 255.255.255.255.</summary>
    public bool IsBroadcast => Value == 0xFFFF_FFFF;

    /// <summary>True for 224.0.0.0/4.</summary>
    public bool IsMulticast => (Value >> 28) == 0xE;

    /// <summary>True for 127.0.0.0/8.</summary>
    public bool IsLoopback => (Value >> 24) == 127;

    /// <summary>True when both addresses share the first <paramref name="prefixLength"/> bits.</summary>
    public bool IsInSameSubnet(IPv4Address other, int prefixLength) => ((Value ^ other.Value) & PrefixMask(prefixLength)) == 0;

    /// <summary>The netmask for a prefix length 0..32.</summary>
    public static uint PrefixMask(int prefixLength) => prefixLength <= 0 ? 0u : prefixLength >= 32 ? uint.MaxValue : uint.MaxValue << (32 - prefixLength);

    /// <summary>Converts from <see cref="IPAddress"/> (must be IPv4 or IPv4-mapped IPv6).</summary>
    public static IPv4Address FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"{address} is not an IPv4 address.", nameof(address));
        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        return Read(b);
    }

    /// <summary>Converts to <see cref="IPAddress"/>.</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> b = stackalloc byte[4];
        WriteTo(b);
        return new IPAddress(b);
    }

    /// <summary>Parses dotted-quad text.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out IPv4Address address)
    {
        address = default;
        if (text is null)
            return false;
        var parts = text.Split('.');
        if (parts.Length != 4)
            return false;
        uint v = 0;
        foreach (var p in parts)
        {
            if (p.Length is 0 or > 3 || !byte.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out byte b))
                return false;
            v = (v << 8) | b;
        }
        address = new(v);
        return true;
    }

    /// <summary>Parses dotted-quad text or throws <see cref="FormatException"/>.</summary>
    public static IPv4Address Parse(string text) =>
        TryParse(text, out var a) ? a : throw new FormatException($"'{text}' is not an IPv4 address.");

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Value >> 24}.{(Value >> 16) & 0xFF}.{(Value >> 8) & 0xFF}.{Value & 0xFF}");
}
