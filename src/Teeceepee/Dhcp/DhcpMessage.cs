using System.Buffers.Binary;
using System.Text;
using Teeceepee.Wire;

namespace Teeceepee.Dhcp;

/// <summary>
/// A DHCP message (RFC 2131 §2) with the options the client uses (RFC 2132): type, mask, routers,
/// DNS servers, lease/T1/T2 times, server id, requested address, client id, parameter list, host
/// name, MTU. Other options are skipped; option overload (52) is not supported, so sname and file
/// are never read as options.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------+---------------+---------------+---------------+
/// |     op (1)    |   htype (1)   |   hlen (1)    |   hops (1)    |
/// +---------------+---------------+---------------+---------------+
/// |                            xid (4)                            |
/// +-------------------------------+-------------------------------+
/// |           secs (2)            |           flags (2)           |
/// +-------------------------------+-------------------------------+
/// |                          ciaddr  (4)                          |
/// |                          yiaddr  (4)                          |
/// |                          siaddr  (4)                          |
/// |                          giaddr  (4)                          |
/// +---------------------------------------------------------------+
/// |                          chaddr  (16)                         |
/// |                          sname   (64)                         |
/// |                          file    (128)                        |
/// +---------------------------------------------------------------+
/// |          magic cookie 99.130.83.99, options (variable)        |
/// +---------------------------------------------------------------+
/// </code>
/// </remarks>
public readonly record struct DhcpMessage
{
    /// <summary>The fixed header and the magic cookie.</summary>
    public const int HeaderLength = 240;

    /// <summary>BOOTP's minimum message (RFC 1542 §2.1): shorter ones are padded.</summary>
    public const int MinimumLength = 300;

    /// <summary>The server's port (RFC 2131 §4.1).</summary>
    public const ushort ServerPort = 67;

    /// <summary>The client's port.</summary>
    public const ushort ClientPort = 68;

    /// <summary>99.130.83.99 (RFC 2131 §3).</summary>
    public const uint MagicCookie = 0x63825363;

    private static class Field
    {
        public const int Op = 0;
        public const int HardwareType = 1;
        public const int HardwareLength = 2;
        public const int Xid = 4;
        public const int Secs = 8;
        public const int Flags = 10;
        public const int ClientAddress = 12;
        public const int YourAddress = 16;
        public const int ServerAddress = 20;
        public const int RelayAddress = 24;
        public const int ClientHardwareAddress = 28;
        public const int Cookie = 236;
        public const int Options = 240;
    }

    /// <summary>True for BOOTREPLY (server to client), false for BOOTREQUEST.</summary>
    public bool IsReply { get; init; }

    /// <summary>Transaction ID chosen by the client.</summary>
    public uint TransactionId { get; init; }

    /// <summary>Seconds since the client began the exchange.</summary>
    public ushort Seconds { get; init; }

    /// <summary>The BROADCAST flag: the client cannot take unicast before it is configured (RFC 2131 §4.1).</summary>
    public bool Broadcast { get; init; }

    /// <summary>ciaddr: the client's address, when it has one (BOUND, RENEWING, REBINDING).</summary>
    public IPv4Address ClientAddress { get; init; }

    /// <summary>yiaddr: the address the server offers or assigns.</summary>
    public IPv4Address YourAddress { get; init; }

    /// <summary>siaddr: the next server in bootstrap.</summary>
    public IPv4Address ServerAddress { get; init; }

    /// <summary>giaddr: the relay agent.</summary>
    public IPv4Address RelayAddress { get; init; }

    /// <summary>chaddr: the client's MAC.</summary>
    public MacAddress ClientHardwareAddress { get; init; }

    /// <summary>Option 53.</summary>
    public DhcpMessageType MessageType { get; init; }

    /// <summary>Option 1.</summary>
    public IPv4Address? SubnetMask { get; init; }

    /// <summary>Option 3 (the first is the default gateway).</summary>
    public IReadOnlyList<IPv4Address>? Routers { get; init; }

    /// <summary>Option 6.</summary>
    public IReadOnlyList<IPv4Address>? DnsServers { get; init; }

    /// <summary>Option 12.</summary>
    public string? HostName { get; init; }

    /// <summary>Option 26.</summary>
    public ushort? InterfaceMtu { get; init; }

    /// <summary>Option 50.</summary>
    public IPv4Address? RequestedAddress { get; init; }

    /// <summary>Option 51, seconds (0xFFFFFFFF: infinite).</summary>
    public uint? LeaseTime { get; init; }

    /// <summary>Option 54.</summary>
    public IPv4Address? ServerIdentifier { get; init; }

    /// <summary>Option 55: the codes the client asks for.</summary>
    public IReadOnlyList<byte>? ParameterRequestList { get; init; }

    /// <summary>Option 57.</summary>
    public ushort? MaxMessageSize { get; init; }

    /// <summary>Option 58, seconds.</summary>
    public uint? RenewalTime { get; init; }

    /// <summary>Option 59, seconds.</summary>
    public uint? RebindingTime { get; init; }

    /// <summary>Option 61: type octet then identifier (1 + MAC for Ethernet).</summary>
    public IReadOnlyList<byte>? ClientIdentifier { get; init; }

    /// <summary>
    /// Parses a DHCP message (the UDP payload). Never throws; <paramref name="reason"/> says why the
    /// bytes were rejected. Unknown options are skipped; the first occurrence of a known one counts.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out DhcpMessage message, out DhcpError reason)
    {
        message = default;
        if (buffer.Length < HeaderLength)
        {
            reason = DhcpError.TruncatedHeader;
            return false;
        }
        byte op = buffer[Field.Op];
        if (op is not (1 or 2))
        {
            reason = DhcpError.BadOperation;
            return false;
        }
        if (buffer[Field.HardwareType] != 1 || buffer[Field.HardwareLength] != 6)
        {
            reason = DhcpError.UnsupportedHardware;
            return false;
        }
        if (BinaryPrimitives.ReadUInt32BigEndian(buffer[Field.Cookie..]) != MagicCookie)
        {
            reason = DhcpError.BadMagicCookie;
            return false;
        }
        var m = new DhcpMessage
        {
            IsReply = op == 2,
            TransactionId = BinaryPrimitives.ReadUInt32BigEndian(buffer[Field.Xid..]),
            Seconds = BinaryPrimitives.ReadUInt16BigEndian(buffer[Field.Secs..]),
            Broadcast = (buffer[Field.Flags] & 0x80) != 0,
            ClientAddress = IPv4Address.Read(buffer[Field.ClientAddress..]),
            YourAddress = IPv4Address.Read(buffer[Field.YourAddress..]),
            ServerAddress = IPv4Address.Read(buffer[Field.ServerAddress..]),
            RelayAddress = IPv4Address.Read(buffer[Field.RelayAddress..]),
            ClientHardwareAddress = MacAddress.Read(buffer[Field.ClientHardwareAddress..]),
        };

        int position = Field.Options;
        bool seenType = false;
        var seen = new HashSet<byte>();
        while (position < buffer.Length)
        {
            byte code = buffer[position];
            if (code == (byte)DhcpOptionCode.Pad)
            {
                position++;
                continue;
            }
            if (code == (byte)DhcpOptionCode.End)
                break;
            if (position + 2 > buffer.Length || position + 2 + buffer[position + 1] > buffer.Length)
            {
                reason = DhcpError.TruncatedOption;
                return false;
            }
            var data = buffer.Slice(position + 2, buffer[position + 1]);
            position += 2 + data.Length;
            if (!seen.Add(code))
                continue;
            bool ok = true;
            switch ((DhcpOptionCode)code)
            {
                case DhcpOptionCode.MessageType:
                    ok = data.Length == 1;
                    if (ok && data[0] is >= 1 and <= 8)
                    {
                        m = m with { MessageType = (DhcpMessageType)data[0] };
                        seenType = true;
                    }
                    break;
                case DhcpOptionCode.SubnetMask:
                    ok = data.Length == 4;
                    if (ok)
                        m = m with { SubnetMask = IPv4Address.Read(data) };
                    break;
                case DhcpOptionCode.Router:
                    ok = TryReadAddresses(data, out var routers);
                    m = m with { Routers = routers };
                    break;
                case DhcpOptionCode.DomainNameServer:
                    ok = TryReadAddresses(data, out var servers);
                    m = m with { DnsServers = servers };
                    break;
                case DhcpOptionCode.HostName:
                    ok = data.Length >= 1;
                    m = m with { HostName = Encoding.Latin1.GetString(data) };
                    break;
                case DhcpOptionCode.InterfaceMtu:
                    ok = data.Length == 2;
                    if (ok)
                        m = m with { InterfaceMtu = BinaryPrimitives.ReadUInt16BigEndian(data) };
                    break;
                case DhcpOptionCode.RequestedAddress:
                    ok = data.Length == 4;
                    if (ok)
                        m = m with { RequestedAddress = IPv4Address.Read(data) };
                    break;
                case DhcpOptionCode.ServerIdentifier:
                    ok = data.Length == 4;
                    if (ok)
                        m = m with { ServerIdentifier = IPv4Address.Read(data) };
                    break;
                case DhcpOptionCode.LeaseTime:
                    ok = data.Length == 4;
                    if (ok)
                        m = m with { LeaseTime = BinaryPrimitives.ReadUInt32BigEndian(data) };
                    break;
                case DhcpOptionCode.RenewalTime:
                    ok = data.Length == 4;
                    if (ok)
                        m = m with { RenewalTime = BinaryPrimitives.ReadUInt32BigEndian(data) };
                    break;
                case DhcpOptionCode.RebindingTime:
                    ok = data.Length == 4;
                    if (ok)
                        m = m with { RebindingTime = BinaryPrimitives.ReadUInt32BigEndian(data) };
                    break;
                case DhcpOptionCode.MaxMessageSize:
                    ok = data.Length == 2;
                    if (ok)
                        m = m with { MaxMessageSize = BinaryPrimitives.ReadUInt16BigEndian(data) };
                    break;
                case DhcpOptionCode.ParameterRequestList:
                    ok = data.Length >= 1;
                    m = m with { ParameterRequestList = data.ToArray() };
                    break;
                case DhcpOptionCode.ClientIdentifier:
                    ok = data.Length >= 2;
                    m = m with { ClientIdentifier = data.ToArray() };
                    break;
            }
            if (!ok)
            {
                reason = DhcpError.BadOptionLength;
                return false;
            }
        }
        if (!seenType)
        {
            reason = DhcpError.MissingMessageType;
            return false;
        }
        message = m;
        reason = DhcpError.None;
        return true;
    }

    private static bool TryReadAddresses(ReadOnlySpan<byte> data, out IReadOnlyList<IPv4Address>? addresses)
    {
        addresses = null;
        if (data.Length == 0 || data.Length % 4 != 0)
            return false;
        var list = new IPv4Address[data.Length / 4];
        for (int i = 0; i < list.Length; i++)
            list[i] = IPv4Address.Read(data[(i * 4)..]);
        addresses = list;
        return true;
    }

    /// <summary>The octets <see cref="Emit"/> writes: header, cookie, options, END, padded to 300.</summary>
    public int BufferLength
    {
        get
        {
            int options = 3; // message type
            if (SubnetMask is not null) options += 6;
            if (Routers is { Count: > 0 } r) options += 2 + 4 * r.Count;
            if (DnsServers is { Count: > 0 } d) options += 2 + 4 * d.Count;
            if (HostName is { Length: > 0 } h) options += 2 + h.Length;
            if (InterfaceMtu is not null) options += 4;
            if (RequestedAddress is not null) options += 6;
            if (LeaseTime is not null) options += 6;
            if (ServerIdentifier is not null) options += 6;
            if (ParameterRequestList is { Count: > 0 } p) options += 2 + p.Count;
            if (MaxMessageSize is not null) options += 4;
            if (RenewalTime is not null) options += 6;
            if (RebindingTime is not null) options += 6;
            if (ClientIdentifier is { Count: > 0 } c) options += 2 + c.Count;
            return Math.Max(MinimumLength, HeaderLength + options + 1);
        }
    }

    /// <summary>Writes the message into <paramref name="destination"/> (at least <see cref="BufferLength"/>); returns the octets written.</summary>
    public int Emit(Span<byte> destination)
    {
        int length = BufferLength;
        var buffer = destination[..length];
        buffer.Clear();
        buffer[Field.Op] = IsReply ? (byte)2 : (byte)1;
        buffer[Field.HardwareType] = 1;
        buffer[Field.HardwareLength] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(buffer[Field.Xid..], TransactionId);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[Field.Secs..], Seconds);
        if (Broadcast)
            buffer[Field.Flags] = 0x80;
        ClientAddress.WriteTo(buffer[Field.ClientAddress..]);
        YourAddress.WriteTo(buffer[Field.YourAddress..]);
        ServerAddress.WriteTo(buffer[Field.ServerAddress..]);
        RelayAddress.WriteTo(buffer[Field.RelayAddress..]);
        ClientHardwareAddress.WriteTo(buffer[Field.ClientHardwareAddress..]);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[Field.Cookie..], MagicCookie);
        int p = Field.Options;
        buffer[p++] = (byte)DhcpOptionCode.MessageType;
        buffer[p++] = 1;
        buffer[p++] = (byte)MessageType;
        if (ClientIdentifier is { Count: > 0 } clientId)
            p = WriteBytes(buffer, p, DhcpOptionCode.ClientIdentifier, clientId);
        if (RequestedAddress is { } requested)
            p = WriteAddress(buffer, p, DhcpOptionCode.RequestedAddress, requested);
        if (ServerIdentifier is { } serverId)
            p = WriteAddress(buffer, p, DhcpOptionCode.ServerIdentifier, serverId);
        if (LeaseTime is { } lease)
            p = WriteUInt32(buffer, p, DhcpOptionCode.LeaseTime, lease);
        if (RenewalTime is { } t1)
            p = WriteUInt32(buffer, p, DhcpOptionCode.RenewalTime, t1);
        if (RebindingTime is { } t2)
            p = WriteUInt32(buffer, p, DhcpOptionCode.RebindingTime, t2);
        if (SubnetMask is { } mask)
            p = WriteAddress(buffer, p, DhcpOptionCode.SubnetMask, mask);
        if (Routers is { Count: > 0 } routers)
            p = WriteAddresses(buffer, p, DhcpOptionCode.Router, routers);
        if (DnsServers is { Count: > 0 } dns)
            p = WriteAddresses(buffer, p, DhcpOptionCode.DomainNameServer, dns);
        if (HostName is { Length: > 0 } host)
        {
            buffer[p++] = (byte)DhcpOptionCode.HostName;
            buffer[p++] = (byte)host.Length;
            p += Encoding.Latin1.GetBytes(host, buffer[p..]);
        }
        if (InterfaceMtu is { } mtu)
            p = WriteUInt16(buffer, p, DhcpOptionCode.InterfaceMtu, mtu);
        if (MaxMessageSize is { } max)
            p = WriteUInt16(buffer, p, DhcpOptionCode.MaxMessageSize, max);
        if (ParameterRequestList is { Count: > 0 } parameters)
            p = WriteBytes(buffer, p, DhcpOptionCode.ParameterRequestList, parameters);
        buffer[p] = (byte)DhcpOptionCode.End;
        return length;
    }

    /// <summary>The message as a new array.</summary>
    public byte[] ToArray()
    {
        var buffer = new byte[BufferLength];
        Emit(buffer);
        return buffer;
    }

    private static int WriteAddress(Span<byte> buffer, int p, DhcpOptionCode code, IPv4Address address)
    {
        buffer[p] = (byte)code;
        buffer[p + 1] = 4;
        address.WriteTo(buffer[(p + 2)..]);
        return p + 6;
    }

    private static int WriteAddresses(Span<byte> buffer, int p, DhcpOptionCode code, IReadOnlyList<IPv4Address> addresses)
    {
        buffer[p] = (byte)code;
        buffer[p + 1] = (byte)(4 * addresses.Count);
        for (int i = 0; i < addresses.Count; i++)
            addresses[i].WriteTo(buffer[(p + 2 + 4 * i)..]);
        return p + 2 + 4 * addresses.Count;
    }

    private static int WriteUInt32(Span<byte> buffer, int p, DhcpOptionCode code, uint value)
    {
        buffer[p] = (byte)code;
        buffer[p + 1] = 4;
        BinaryPrimitives.WriteUInt32BigEndian(buffer[(p + 2)..], value);
        return p + 6;
    }

    private static int WriteUInt16(Span<byte> buffer, int p, DhcpOptionCode code, ushort value)
    {
        buffer[p] = (byte)code;
        buffer[p + 1] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(p + 2)..], value);
        return p + 4;
    }

    private static int WriteBytes(Span<byte> buffer, int p, DhcpOptionCode code, IReadOnlyList<byte> bytes)
    {
        buffer[p] = (byte)code;
        buffer[p + 1] = (byte)bytes.Count;
        for (int i = 0; i < bytes.Count; i++)
            buffer[p + 2 + i] = bytes[i];
        return p + 2 + bytes.Count;
    }
}
