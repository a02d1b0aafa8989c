using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Teeceepee.Wire;

/// <summary>A 48-bit IEEE 802 MAC address, stored in its low 48 bits in network order.</summary>
public readonly record struct MacAddress
{
    private readonly ulong _value;

    private MacAddress(ulong value) => _value = value & 0xFFFF_FFFF_FFFFUL;

    /// <summary>The broadcast address ff:ff:ff:ff:ff:ff.</summary>
    public static MacAddress Broadcast { get; } = new(0xFFFF_FFFF_FFFFUL);

    /// <summary>The all-zero address (unknown target in ARP requests).</summary>
    public static MacAddress Zero { get; } = new(0);

    /// <summary>Reads six octets.</summary>
    public static MacAddress Read(ReadOnlySpan<byte> source) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(source) << 32) | BinaryPrimitives.ReadUInt32BigEndian(source[2..]));

    /// <summary>Builds an address from a 48-bit integer (first octet most significant).</summary>
    public static MacAddress FromUInt64(ulong value) => new(value);

    /// <summary>Writes six octets.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(_value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)_value);
    }

    /// <summary>The address as a 48-bit integer.</summary>
    public ulong ToUInt64() => _value;

    /// <summary>True for group (multicast or broadcast) addresses: the I/G bit of the first octet.</summary>
    public bool IsMulticast => ((_value >> 40) & 1) != 0;

    /// <summary>True for ff:ff:ff:ff:ff:ff.</summary>
    public bool IsBroadcast => _value == 0xFFFF_FFFF_FFFFUL;

    /// <summary>True for an individual (not group) address other than zero.</summary>
    public bool IsUnicast => !IsMulticast && _value != 0;

    /// <summary>A random locally administered unicast address (02:xx:...).</summary>
    public static MacAddress CreateLocal(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ulong v = (ulong)random.NextInt64(0, 1L << 40);
        return new((0x02UL << 40) | v);
    }

    /// <summary>Parses <c>aa:bb:cc:dd:ee:ff</c> (or with dashes).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out MacAddress address)
    {
        address = default;
        if (text is null || text.Length != 17)
            return false;
        ulong v = 0;
        for (int i = 0; i < 6; i++)
        {
            if (i > 0 && text[i * 3 - 1] is not (':' or '-'))
                return false;
            if (!byte.TryParse(text.AsSpan(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
                return false;
            v = (v << 8) | b;
        }
        address = new(v);
        return true;
    }

    /// <summary>Parses an address or throws <see cref="FormatException"/>.</summary>
    public static MacAddress Parse(string text) =>
        TryParse(text, out var a) ? a : throw new FormatException($"'{text}' is not a MAC address (expected aa:bb:cc:dd:ee:ff).");

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{(byte)(_value >> 40):x2}:{(byte)(_value >> 32):x2}:{(byte)(_value >> 24):x2}:{(byte)(_value >> 16):x2}:{(byte)(_value >> 8):x2}:{(byte)_value:x2}");
}
