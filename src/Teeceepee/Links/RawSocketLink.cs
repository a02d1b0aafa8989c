using System.Buffers.Binary;
using Teeceepee.Interop;

namespace Teeceepee.Links;

/// <summary>
/// A raw AF_PACKET socket (SOCK_RAW, ETH_P_ALL) bound to one Ethernet interface: the stack shares the
/// interface's MAC with the kernel but uses an IP address of its own.
/// </summary>
/// <remarks>
/// The socket sees every frame on the interface, including the ones it sent itself; those
/// (PACKET_OUTGOING) are skipped so the stack never reads its own frames back. Frames that another
/// namespace's kernel sent with checksum offload (CHECKSUM_PARTIAL, typical on veth) arrive with
/// only the pseudo-header sum in the TCP/UDP checksum field; the link completes those checksums
/// (PACKET_AUXDATA tells which). Segmentation offloads (TSO/GSO from a local peer, GRO on a NIC)
/// can still hand it frames above the MTU, which it drops and counts: turn them off on the
/// interface (<c>ethtool -K IFACE tso off gso off gro off</c>).
/// </remarks>
public sealed unsafe class RawSocketLink : ILink
{
    private readonly FileDescriptor _fd;
    private byte[]? _flat; // a frame sent in pieces is flattened here (sendto takes one buffer)

    /// <summary>Opens a raw socket on the interface <paramref name="interfaceName"/> in the calling thread's network namespace.</summary>
    /// <param name="interfaceName">An existing Ethernet interface.</param>
    /// <param name="mtu">The IP MTU the stack should use; default: the interface's MTU.</param>
    /// <exception cref="LinkException">No such interface, not Ethernet, or the caller lacks CAP_NET_RAW.</exception>
    public RawSocketLink(string interfaceName, int? mtu = null)
    {
        IfReq.ValidateName(interfaceName);
        if (mtu is < 68 or > 65521)
            throw new ArgumentOutOfRangeException(nameof(mtu), mtu, "The MTU must be between 68 (RFC 791) and 65521.");
        int index = LinkDevice.IndexOf(interfaceName);
        if (index == 0)
            throw new LinkException($"No interface named '{interfaceName}' in this network namespace.", Errno.ENODEV);
        var mac = LinkDevice.GetHardwareAddress(interfaceName)
            ?? throw new LinkException($"'{interfaceName}' is not an Ethernet interface; a raw link needs one.", Errno.EINVAL);
        int deviceMtu = LinkDevice.GetMtu(interfaceName);

        // Protocol 0 until bound, so no frame of another interface is queued before bind() narrows the socket.
        int fd = Libc.Socket(LinuxConstants.AF_PACKET, LinuxConstants.SOCK_RAW | LinuxConstants.SOCK_NONBLOCK | LinuxConstants.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Errno.Last;
            throw LinkException.FromErrno(errno, "socket(AF_PACKET, SOCK_RAW)",
                errno is Errno.EPERM or Errno.EACCES ? "Raw sockets need CAP_NET_RAW (run as root or setcap cap_net_raw+ep)." : null);
        }
        _fd = new FileDescriptor(fd);
        try
        {
            // Best effort (Linux 4.20+): the kernel then stops copying our own transmissions to us at all.
            int one = 1;
            Libc.SetSockOpt(fd, LinuxConstants.SOL_PACKET, LinuxConstants.PACKET_IGNORE_OUTGOING, &one, sizeof(int));
            // Per-frame status, so frames with a partial (offloaded) checksum can be completed.
            if (Libc.SetSockOpt(fd, LinuxConstants.SOL_PACKET, LinuxConstants.PACKET_AUXDATA, &one, sizeof(int)) < 0)
                throw LinkException.FromErrno(Errno.Last, "setsockopt(PACKET_AUXDATA)");
            var address = new SockAddrLl
            {
                Family = LinuxConstants.AF_PACKET,
                Protocol = BinaryPrimitives.ReverseEndianness(LinuxConstants.ETH_P_ALL),
                InterfaceIndex = index,
            };
            if (Libc.Bind(fd, &address, (uint)sizeof(SockAddrLl)) < 0)
                throw LinkException.FromErrno(Errno.Last, $"bind(AF_PACKET) to '{interfaceName}'");
        }
        catch
        {
            _fd.Dispose();
            throw;
        }
        InterfaceName = interfaceName;
        InterfaceIndex = index;
        DeviceMtu = deviceMtu;
        Capabilities = new LinkCapabilities(LinkMedium.Ethernet, mtu ?? deviceMtu, mac) { InterfaceName = interfaceName };
    }

    /// <summary>The interface the socket is bound to.</summary>
    public string InterfaceName { get; }

    /// <summary>The interface's index in its namespace.</summary>
    public int InterfaceIndex { get; }

    /// <summary>The interface's MTU when the link was opened.</summary>
    public int DeviceMtu { get; }

    /// <summary>Frames received (excluding our own transmissions).</summary>
    public long ReceivedFrames { get; private set; }

    /// <summary>Our own transmissions the socket saw and skipped.</summary>
    public long SkippedOutgoing { get; private set; }

    /// <summary>Frames whose offloaded (partial) TCP/UDP checksum the link completed.</summary>
    public long ChecksumsCompleted { get; private set; }

    /// <summary>Frames larger than the receive buffer (segmentation offload super-frames), dropped.</summary>
    public long OversizedDropped { get; private set; }

    /// <summary>Frames sent.</summary>
    public long SentFrames { get; private set; }

    /// <summary>Frames the kernel refused.</summary>
    public long SendFailures { get; private set; }

    /// <inheritdoc />
    public LinkCapabilities Capabilities { get; }

    /// <inheritdoc />
    public int ReadinessFd => _fd.Value;

    /// <inheritdoc />
    public Instant NextDeadline => Instant.MaxValue;

    /// <inheritdoc />
    /// <remarks>Partial checksums (the kernel's CHECKSUM_PARTIAL on locally made frames) are completed here: <paramref name="offload"/> is always <see cref="LinkOffload.None"/>.</remarks>
    public bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload)
    {
        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
        offload = LinkOffload.None;
        const int ControlLength = 64;
        SockAddrLl from;
        byte* control = stackalloc byte[ControlLength];
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var iov = new IoVec { Base = p, Length = (nuint)buffer.Length };
                var message = new MsgHdr
                {
                    Name = &from,
                    NameLength = (uint)sizeof(SockAddrLl),
                    Iov = &iov,
                    IovLength = 1,
                    Control = control,
                    ControlLength = ControlLength,
                };
                nint n = Libc.RecvMsg(_fd.Value, &message, 0);
                if (n < 0)
                {
                    length = 0;
                    int errno = Errno.Last;
                    if (errno == Errno.EINTR)
                        continue;
                    if (errno == Errno.EAGAIN)
                        return false;
                    throw LinkException.FromErrno(errno, $"recvmsg on raw socket of '{InterfaceName}'");
                }
                if (from.PacketType == LinuxConstants.PACKET_OUTGOING)
                {
                    SkippedOutgoing++;
                    continue;
                }
                if ((message.Flags & LinuxConstants.MSG_TRUNC) != 0)
                {
                    // Larger than the buffer (a GSO/GRO super-frame): a truncated copy is useless to the stack.
                    OversizedDropped++;
                    continue;
                }
                length = (int)n;
                if ((AuxStatus(&message) & LinuxConstants.TP_STATUS_CSUMNOTREADY) != 0 && CompletePartialChecksum(buffer[..length]))
                    ChecksumsCompleted++;
                ReceivedFrames++;
                return true;
            }
        }
    }

    /// <summary>
    /// Completes the TCP or UDP checksum of an IPv4 frame whose checksum field holds only the
    /// pseudo-header sum (the kernel's CHECKSUM_PARTIAL): sums the transport segment including that
    /// field and stores the complement, as a NIC with checksum offload would (RFC 1071).
    /// </summary>
    internal static bool CompletePartialChecksum(Span<byte> frame)
    {
        const int Ethernet = LinkCapabilities.EthernetHeaderLength;
        if (frame.Length < Ethernet + 20 || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != 0x0800)
            return false;
        var ip = frame[Ethernet..];
        int headerLength = (ip[0] & 0xF) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (ip[0] >> 4 != 4 || headerLength < 20 || totalLength < headerLength || totalLength > ip.Length)
            return false;
        int field = ip[9] switch { 6 => 16, 17 => 6, _ => -1 };
        var segment = ip[headerLength..totalLength];
        if (field < 0 || segment.Length < field + 2)
            return false;
        ushort checksum = Teeceepee.Wire.Checksum.Compute(segment);
        // UDP sends a computed zero as all ones (RFC 768): zero means "no checksum".
        if (checksum == 0 && ip[9] == 17)
            checksum = 0xFFFF;
        BinaryPrimitives.WriteUInt16BigEndian(segment[field..], checksum);
        return true;
    }

    private static uint AuxStatus(MsgHdr* message)
    {
        byte* start = (byte*)message->Control;
        nuint total = message->ControlLength;
        nuint offset = 0;
        while (offset + (nuint)sizeof(ControlMessageHeader) <= total)
        {
            var header = (ControlMessageHeader*)(start + offset);
            if (header->Length < (nuint)sizeof(ControlMessageHeader))
                break;
            if (header->Level == LinuxConstants.SOL_PACKET && header->Type == LinuxConstants.PACKET_AUXDATA
                && header->Length >= (nuint)(sizeof(ControlMessageHeader) + sizeof(PacketAuxData)))
                return ((PacketAuxData*)(header + 1))->Status;
            offset += (header->Length + 7) & ~(nuint)7;
        }
        return 0;
    }

    /// <inheritdoc />
    /// <remarks>Complete frames only; a frame in pieces is flattened into a buffer of the link's first.</remarks>
    public bool TrySend(Instant now, in LinkFrame frame)
    {
        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
        if (!frame.Offload.IsNone)
            throw LinkOffload.NotSupportedBy(this);
        var whole = frame.Flatten(_flat ??= new byte[Capabilities.MaxFrameLength]);
        if (whole.IsEmpty)
        {
            SendFailures++;
            return false;
        }
        fixed (byte* p = whole)
        {
            while (true)
            {
                // Bound socket: no address needed, the kernel uses the bound interface and protocol.
                nint n = Libc.SendTo(_fd.Value, p, (nuint)whole.Length, 0, null, 0);
                if (n == whole.Length)
                {
                    SentFrames++;
                    return true;
                }
                if (n < 0 && Errno.Last == Errno.EINTR)
                    continue;
                SendFailures++;
                return false;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _fd.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"raw {InterfaceName} mtu {Capabilities.Mtu} mac {Capabilities.HardwareAddress}";
}
