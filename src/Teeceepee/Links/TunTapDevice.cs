using System.Text;
using Teeceepee.Interop;

namespace Teeceepee.Links;

/// <summary>The shared half of <see cref="TapLink"/> and <see cref="TunLink"/>: one non-blocking fd on /dev/net/tun.</summary>
internal sealed unsafe class TunTapDevice : IDisposable
{
    /// <summary>The clone device every TUN/TAP fd is opened from.</summary>
    internal const string DefaultClonePath = "/dev/net/tun";

    private readonly FileDescriptor _fd;
    private readonly string _kind;

    private TunTapDevice(FileDescriptor fd, string name, bool created, int deviceMtu, string kind, bool vnetHeader = false)
    {
        VnetHeader = vnetHeader;
        _fd = fd;
        Name = name;
        Created = created;
        DeviceMtu = deviceMtu;
        _kind = kind;
    }

    /// <summary>The interface name the kernel assigned.</summary>
    internal string Name { get; }

    /// <summary>True when the device did not exist before and goes away when this fd closes.</summary>
    internal bool Created { get; }

    /// <summary>The interface MTU when it was opened (1500 if it could not be read).</summary>
    internal int DeviceMtu { get; }

    /// <summary>True when every frame is preceded by a virtio_net_hdr (IFF_VNET_HDR with TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 offloads).</summary>
    internal bool VnetHeader { get; }

    /// <summary>The tun fd (non-blocking).</summary>
    internal int Fd => _fd.Value;

    /// <summary>Received and transmitted frame counts, transmit failures, and frames too long for the receive buffer.</summary>
    internal long Received, Sent, SendFailures, OversizedDropped;

    // Spill area for the tail of frames longer than the caller's buffer; never read, so one per process suffices
    // (the largest TUN/TAP frame is 64 KiB plus headers).
    private static readonly byte[] s_spill = GC.AllocateUninitializedArray<byte>(65536 + 64, pinned: true);

    /// <summary>Attaches to the TUN/TAP device <paramref name="name"/>, creating it when missing.</summary>
    /// <remarks>With <paramref name="multiQueue"/> the fd is one queue of a multi-queue device (IFF_MULTI_QUEUE): every
    /// open of the same name adds a queue, and the device must have been made multi-queue (or be created by this open).</remarks>
    internal static TunTapDevice Open(string name, bool tap, string clonePath = DefaultClonePath, bool vnetHeader = false, bool multiQueue = false)
    {
        IfReq.ValidateName(name);
        string kind = tap ? "TAP" : "TUN";
        bool existed = LinkDevice.Exists(name);
        int fd = OpenClone(clonePath);
        var owned = new FileDescriptor(fd);
        try
        {
            var request = IfReq.For(name);
            request.Flags = (short)((tap ? LinuxConstants.IFF_TAP : LinuxConstants.IFF_TUN) | LinuxConstants.IFF_NO_PI
                | (vnetHeader ? LinuxConstants.IFF_VNET_HDR : 0) | (multiQueue ? LinuxConstants.IFF_MULTI_QUEUE : 0));
            if (Libc.Ioctl(fd, LinuxConstants.TUNSETIFF, &request) < 0)
            {
                int errno = Errno.Last;
                // An existing multi-queue device refuses a single-queue attach (EINVAL): take one of its queues instead.
                request = IfReq.For(name);
                request.Flags = (short)((tap ? LinuxConstants.IFF_TAP : LinuxConstants.IFF_TUN) | LinuxConstants.IFF_NO_PI
                    | (vnetHeader ? LinuxConstants.IFF_VNET_HDR : 0) | LinuxConstants.IFF_MULTI_QUEUE);
                if (!(errno == Errno.EINVAL && existed && !multiQueue && Libc.Ioctl(fd, LinuxConstants.TUNSETIFF, &request) >= 0))
                    throw SetIffFailed(errno, name, kind, existed);
            }
            if (vnetHeader)
                EnableOffloads(fd, name);
            else
                ResetOffloads(fd, name);
            string actual = request.GetName();
            if (!existed && !multiQueue)
            {
                // A device we create is ours alone: it must vanish with this fd (the kernel's default; made explicit).
                Libc.Ioctl(fd, LinuxConstants.TUNSETPERSIST, 0);
            }
            int mtu;
            try
            {
                mtu = LinkDevice.GetMtu(actual);
            }
            catch (LinkException)
            {
                mtu = 1500;
            }
            return new TunTapDevice(owned, actual, !existed, mtu, kind, vnetHeader);
        }
        catch
        {
            owned.Dispose();
            throw;
        }
    }

    private static void EnableOffloads(int fd, string name)
    {
        // The 10-octet virtio_net_hdr (the default size, made explicit), then tell the kernel we take partial
        // checksums and TCP super-frames of both families: it then hands us GSO frames instead of segmenting them.
        int size = LinkOffload.VirtioHeaderLength;
        if (Libc.Ioctl(fd, LinuxConstants.TUNSETVNETHDRSZ, &size) < 0)
            throw LinkException.FromErrno(Errno.Last, $"TUNSETVNETHDRSZ on '{name}'");
        if (Libc.Ioctl(fd, LinuxConstants.TUNSETOFFLOAD, (nint)(LinuxConstants.TUN_F_CSUM | LinuxConstants.TUN_F_TSO4 | LinuxConstants.TUN_F_TSO6)) < 0)
            throw LinkException.FromErrno(Errno.Last, $"TUNSETOFFLOAD on '{name}'", "The kernel's TUN driver refused checksum/TSO4/TSO6 offload.");
    }

    private static void ResetOffloads(int fd, string name)
    {
        // Offloads belong to the device, not to the fd: a persistent device keeps those an earlier reader asked for,
        // and the kernel would go on handing partial checksums and super-frames to a reader without a virtio-net
        // header (every reply then fails its checksum). A plain open asks for none.
        if (Libc.Ioctl(fd, LinuxConstants.TUNSETOFFLOAD, (nint)0) < 0)
            throw LinkException.FromErrno(Errno.Last, $"TUNSETOFFLOAD 0 on '{name}'", "The kernel's TUN driver refused to turn the device's offloads off.");
    }

    /// <summary>
    /// Reads one frame and its virtio_net_hdr (<see cref="VnetHeader"/> devices); false when none is waiting.
    /// Frames longer than <paramref name="buffer"/> are dropped and counted as in <see cref="TryRead(Span{byte}, out int)"/>.
    /// </summary>
    internal bool TryRead(Span<byte> buffer, out int length, out LinkOffload offload)
    {
        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
        byte* header = stackalloc byte[LinkOffload.VirtioHeaderLength];
        fixed (byte* p = buffer)
        fixed (byte* spill = s_spill)
        {
            IoVec* iov = stackalloc IoVec[3];
            while (true)
            {
                iov[0] = new IoVec { Base = header, Length = LinkOffload.VirtioHeaderLength };
                iov[1] = new IoVec { Base = p, Length = (nuint)buffer.Length };
                iov[2] = new IoVec { Base = spill, Length = (nuint)s_spill.Length };
                nint n = Libc.ReadV(_fd.Value, iov, 3) - LinkOffload.VirtioHeaderLength;
                if (n > buffer.Length)
                {
                    OversizedDropped++;
                    continue;
                }
                if (n > 0)
                {
                    Received++;
                    length = (int)n;
                    offload = LinkOffload.ReadVirtio(new ReadOnlySpan<byte>(header, LinkOffload.VirtioHeaderLength));
                    return true;
                }
                length = 0;
                offload = default;
                if (n == -LinkOffload.VirtioHeaderLength)
                    return false;
                int errno = Errno.Last;
                if (n > -LinkOffload.VirtioHeaderLength || errno == Errno.EINTR)
                    continue; // a short read without a frame; cannot happen on TAP, skip it
                if (errno == Errno.EAGAIN)
                    return false;
                throw LinkException.FromErrno(errno, $"read from {_kind} device '{Name}'",
                    "The device was probably deleted while the link was open.");
            }
        }
    }

    /// <summary>
    /// Writes one frame behind a virtio_net_hdr made from its offload descriptor: one writev of the header, the frame's
    /// headers and its payload slices (gather, no copy); false when the kernel refused it.
    /// </summary>
    internal bool TryWriteWithVnetHeader(in LinkFrame frame)
    {
        byte* header = stackalloc byte[LinkOffload.VirtioHeaderLength];
        frame.Offload.WriteVirtio(new Span<byte>(header, LinkOffload.VirtioHeaderLength));
        return TryWrite(header, LinkOffload.VirtioHeaderLength, frame);
    }

    /// <summary>Writes one frame (its pieces with one writev); false when the kernel refused it.</summary>
    internal bool TryWrite(in LinkFrame frame) => TryWrite(null, 0, frame);

    private bool TryWrite(byte* prefix, int prefixLength, in LinkFrame frame)
    {
        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
        fixed (byte* h = frame.Headers)
        fixed (byte* p1 = frame.Payload)
        fixed (byte* p2 = frame.Payload2)
        {
            IoVec* iov = stackalloc IoVec[4];
            int count = 0;
            if (prefixLength > 0)
                iov[count++] = new IoVec { Base = prefix, Length = (nuint)prefixLength };
            iov[count++] = new IoVec { Base = h, Length = (nuint)frame.Headers.Length };
            if (!frame.Payload.IsEmpty)
                iov[count++] = new IoVec { Base = p1, Length = (nuint)frame.Payload.Length };
            if (!frame.Payload2.IsEmpty)
                iov[count++] = new IoVec { Base = p2, Length = (nuint)frame.Payload2.Length };
            int total = prefixLength + frame.Length;
            while (true)
            {
                nint n = Libc.WriteV(_fd.Value, iov, count);
                if (n == total)
                {
                    Sent++;
                    return true;
                }
                if (n < 0 && Errno.Last == Errno.EINTR)
                    continue;
                SendFailures++;
                return false;
            }
        }
    }

    /// <summary>
    /// Adopts an fd already attached to a TUN/TAP device (opened by a privileged parent and passed down,
    /// for example): checks its kind with TUNGETIFF and makes it non-blocking.
    /// </summary>
    internal static TunTapDevice Adopt(int fd, bool tap, bool owns)
    {
        string kind = tap ? "TAP" : "TUN";
        var owned = new FileDescriptor(fd, owns);
        try
        {
            IfReq request = default;
            if (Libc.Ioctl(fd, LinuxConstants.TUNGETIFF, &request) < 0)
                throw LinkException.FromErrno(Errno.Last, $"TUNGETIFF on fd {fd}", $"The fd must be a /dev/net/tun fd attached to a {kind} device (TUNSETIFF done).");
            short type = (short)(request.Flags & (LinuxConstants.IFF_TUN | LinuxConstants.IFF_TAP));
            if (type != (tap ? LinuxConstants.IFF_TAP : LinuxConstants.IFF_TUN))
                throw new LinkException($"fd {fd} is attached to '{request.GetName()}', which is not a {kind} device.", Errno.EINVAL);
            // IFF_NO_PI cannot be checked: TUNGETIFF reports it set either way on current kernels.
            if (owned.SetNonBlocking() is int errno and not 0)
                throw LinkException.FromErrno(errno, "fcntl(O_NONBLOCK)");
            string name = request.GetName();
            int mtu;
            try
            {
                mtu = LinkDevice.GetMtu(name);
            }
            catch (LinkException)
            {
                mtu = 1500; // the device may live in another namespace by now
            }
            return new TunTapDevice(owned, name, created: false, mtu, kind);
        }
        catch
        {
            owned.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads one frame; false when none is waiting (EAGAIN). A frame longer than <paramref name="buffer"/>
    /// is dropped and counted: read() would silently truncate it, so the excess goes to a spill area
    /// (one readv, no allocation) that shows it was too long.
    /// </summary>
    internal bool TryRead(Span<byte> buffer, out int length)
    {
        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
        fixed (byte* p = buffer)
        fixed (byte* spill = s_spill)
        {
            IoVec* iov = stackalloc IoVec[2];
            while (true)
            {
                iov[0] = new IoVec { Base = p, Length = (nuint)buffer.Length };
                iov[1] = new IoVec { Base = spill, Length = (nuint)s_spill.Length };
                nint n = Libc.ReadV(_fd.Value, iov, 2);
                if (n > buffer.Length)
                {
                    OversizedDropped++;
                    continue;
                }
                if (n > 0)
                {
                    Received++;
                    length = (int)n;
                    return true;
                }
                length = 0;
                if (n == 0)
                    return false;
                int errno = Errno.Last;
                if (errno == Errno.EINTR)
                    continue;
                if (errno == Errno.EAGAIN)
                    return false;
                throw LinkException.FromErrno(errno, $"read from {_kind} device '{Name}'",
                    "The device was probably deleted while the link was open.");
            }
        }
    }

    private static int OpenClone(string clonePath)
    {
        int max = Encoding.UTF8.GetMaxByteCount(clonePath.Length) + 1;
        Span<byte> path = max <= 256 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(clonePath, path);
        path[n] = 0;
        fixed (byte* p = path)
        {
            int fd = Libc.Open(p, LinuxConstants.O_RDWR | LinuxConstants.O_NONBLOCK | LinuxConstants.O_CLOEXEC);
            if (fd >= 0)
                return fd;
            int errno = Errno.Last;
            throw errno switch
            {
                Errno.ENOENT or Errno.ENODEV or Errno.ENXIO => LinkException.FromErrno(errno, $"open({clonePath})",
                    $"The TUN/TAP driver is missing: load it (modprobe tun) or, in a container, pass the device in (--device {DefaultClonePath})."),
                Errno.EACCES or Errno.EPERM => LinkException.FromErrno(errno, $"open({clonePath})",
                    $"This user may not open {clonePath}; it is usually mode 0666 (chmod 0666 {clonePath}) or run with CAP_NET_ADMIN."),
                _ => LinkException.FromErrno(errno, $"open({clonePath})"),
            };
        }
    }

    private static LinkException SetIffFailed(int errno, string name, string kind, bool existed)
    {
        string user = Environment.UserName;
        string mode = kind == "TAP" ? "tap" : "tun";
        return errno switch
        {
            Errno.EPERM => LinkException.FromErrno(errno, $"TUNSETIFF {kind} '{name}'",
                $"Opening a {kind} device needs CAP_NET_ADMIN or a persistent {kind} created for this user: ip tuntap add dev {name} mode {mode} user {user}"),
            Errno.EBUSY => LinkException.FromErrno(errno, $"TUNSETIFF {kind} '{name}'",
                $"The device is busy: another process has '{name}' open (one fd per single-queue {kind} device)."),
            Errno.EINVAL when existed => LinkException.FromErrno(errno, $"TUNSETIFF {kind} '{name}'",
                $"'{name}' exists but is not a {kind} device with these flags (a {(kind == "TAP" ? "TUN" : "TAP")} device, a multi-queue or vnet_hdr device, or not TUN/TAP at all)."),
            _ => LinkException.FromErrno(errno, $"TUNSETIFF {kind} '{name}'"),
        };
    }

    /// <inheritdoc />
    public void Dispose() => _fd.Dispose();
}
