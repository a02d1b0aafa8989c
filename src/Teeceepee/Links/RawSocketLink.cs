using System.Buffers.Binary;
using Teeceepee.Interop;

namespace Teeceepee.Links;

/// <summary>
/// A raw AF_PACKET socket (SOCK_RAW, ETH_P_ALL) bound to one Ethernet interface: the stack shares the
/// interface's MAC with the kernel but uses an IP address of its own.
/// </summary>
/// <remarks>
/// The socket sees every frame on the interface, including the ones it sent itself; those
/// (PACKET_OUTGOING) are skipped so the stack never reads its own frames back. Checksum and
/// segmentation offloads of the kernel's own traffic on the same interface can hand the socket
/// frames with partial checksums or above the MTU: turn them off on a test interface
/// (<c>ethtool -K IFACE tx off gro off</c>).
/// </remarks>
public sealed unsafe class RawSocketLink : ILink
{
    private readonly FileDescriptor _fd;

    /// <summary>Opens a raw socket on the interface <paramref name="interfaceName"/> in the calling thread's network namespace.</summary>
    /// <param name="interfaceName">An existing Ethernet interface.</param>
    /// <param name="mtu">The IP MTU the stack should use; default: the interface's MTU.</param>
    /// <exception cref="LinkException">No such interface, not Ethernet, or the caller lacks CAP_NET_RAW.</exception>
    public RawSocketLink(string interfaceName, int? mtu = null)
    {
        IfReq.ValidateName(interfaceName);
        if (mtu is < 68 or > 65521)
            throw new ArgumentOutOfRangeException(nameof(mtu), mtu, "The MTU must be between 68 (RFC 791) and 65521.");
        int index = NetDevice.IndexOf(interfaceName);
        if (index == 0)
            throw new LinkException($"No interface named '{interfaceName}' in this network namespace.", Errno.ENODEV);
        var mac = NetDevice.GetHardwareAddress(interfaceName)
            ?? throw new LinkException($"'{interfaceName}' is not an Ethernet interface; a raw link needs one.", Errno.EINVAL);
        int deviceMtu = NetDevice.GetMtu(interfaceName);

        // Protocol 0 until bound, so no frame of another interface is queued before bind() narrows the socket.
        int fd = Libc.Socket(LinuxConstants.AF_PACKET, LinuxConstants.SOCK_RAW | LinuxConstants.SOCK_NONBLOCK | LinuxConstants.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Errno.Last;
            throw Errno.Exception(errno, "socket(AF_PACKET, SOCK_RAW)",
                errno is Errno.EPERM or Errno.EACCES ? "Raw sockets need CAP_NET_RAW (run as root or setcap cap_net_raw+ep)." : null);
        }
        _fd = new FileDescriptor(fd);
        try
        {
            // Best effort (Linux 4.20+): the kernel then stops copying our own transmissions to us at all.
            int one = 1;
            Libc.SetSockOpt(fd, LinuxConstants.SOL_PACKET, LinuxConstants.PACKET_IGNORE_OUTGOING, &one, sizeof(int));
            var address = new SockAddrLl
            {
                Family = LinuxConstants.AF_PACKET,
                Protocol = BinaryPrimitives.ReverseEndianness(LinuxConstants.ETH_P_ALL),
                InterfaceIndex = index,
            };
            if (Libc.Bind(fd, &address, (uint)sizeof(SockAddrLl)) < 0)
                throw Errno.Exception(Errno.Last, $"bind(AF_PACKET) to '{interfaceName}'");
        }
        catch
        {
            _fd.Dispose();
            throw;
        }
        InterfaceName = interfaceName;
        InterfaceIndex = index;
        DeviceMtu = deviceMtu;
        Capabilities = new LinkCapabilities(LinkMedium.Ethernet, mtu ?? deviceMtu, mac);
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

    /// <summary>Frames sent.</summary>
    public long SentFrames { get; private set; }

    /// <summary>Frames the kernel refused.</summary>
    public long SendFailures { get; private set; }

    /// <inheritdoc />
    public LinkCapabilities Capabilities { get; }

    /// <inheritdoc />
    public int ReadinessFd => _fd.Value;

    /// <inheritdoc />
    public bool TryReceive(Instant now, Span<byte> buffer, out int length)
    {
        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
        SockAddrLl from;
        fixed (byte* p = buffer)
        {
            while (true)
            {
                uint fromLength = (uint)sizeof(SockAddrLl);
                nint n = Libc.RecvFrom(_fd.Value, p, (nuint)buffer.Length, 0, &from, &fromLength);
                if (n < 0)
                {
                    length = 0;
                    int errno = Errno.Last;
                    if (errno == Errno.EINTR)
                        continue;
                    if (errno == Errno.EAGAIN)
                        return false;
                    throw Errno.Exception(errno, $"recvfrom on raw socket of '{InterfaceName}'");
                }
                if (from.PacketType == LinuxConstants.PACKET_OUTGOING)
                {
                    SkippedOutgoing++;
                    continue;
                }
                ReceivedFrames++;
                length = (int)n;
                return true;
            }
        }
    }

    /// <inheritdoc />
    public bool TrySend(Instant now, ReadOnlySpan<byte> frame)
    {
        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
        fixed (byte* p = frame)
        {
            while (true)
            {
                // Bound socket: no address needed, the kernel uses the bound interface and protocol.
                nint n = Libc.SendTo(_fd.Value, p, (nuint)frame.Length, 0, null, 0);
                if (n == frame.Length)
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
