using System.Text;

namespace Teeceepee.Interop;

/// <summary>
/// Queries about a network interface in the calling thread's network namespace (SIOCGIF* ioctls on
/// a throwaway socket). Each returns 0 or the errno of the call that failed; values are raw
/// (numbers and octets): Links turn them into their own types and exceptions.
/// </summary>
internal static unsafe class NetDevice
{
    /// <summary>The interface index, or 0 when no interface has that name.</summary>
    internal static int IndexOf(string name)
    {
        IfReq.ValidateName(name);
        byte* buffer = stackalloc byte[LinuxConstants.IFNAMSIZ];
        var span = new Span<byte>(buffer, LinuxConstants.IFNAMSIZ);
        span.Clear();
        Encoding.ASCII.GetBytes(name, span);
        return (int)Libc.IfNameToIndex(buffer);
    }

    /// <summary>True when an interface of that name exists.</summary>
    internal static bool Exists(string name) => IndexOf(name) != 0;

    /// <summary>The interface's MTU (SIOCGIFMTU).</summary>
    internal static int TryGetMtu(string name, out int mtu)
    {
        var request = IfReq.For(name);
        int errno = Query(LinuxConstants.SIOCGIFMTU, ref request);
        mtu = errno == 0 ? request.Value : 0;
        return errno;
    }

    /// <summary>The interface's flags (SIOCGIFFLAGS: IFF_UP, IFF_RUNNING, ...).</summary>
    internal static int TryGetFlags(string name, out short flags)
    {
        var request = IfReq.For(name);
        int errno = Query(LinuxConstants.SIOCGIFFLAGS, ref request);
        flags = errno == 0 ? request.Flags : (short)0;
        return errno;
    }

    /// <summary>
    /// The interface's hardware address (SIOCGIFHWADDR): its first six octets into
    /// <paramref name="address"/>, and whether it is Ethernet (ARPHRD_ETHER).
    /// </summary>
    internal static int TryGetHardwareAddress(string name, Span<byte> address, out bool ethernet)
    {
        var request = IfReq.For(name);
        int errno = Query(LinuxConstants.SIOCGIFHWADDR, ref request);
        ethernet = errno == 0 && request.HardwareFamily == LinuxConstants.ARPHRD_ETHER;
        if (ethernet)
            new ReadOnlySpan<byte>(request.HardwareData, 6).CopyTo(address);
        return errno;
    }

    /// <summary>The interface's transmit queue length (SIOCGIFTXQLEN: txqueuelen, the frames the kernel queues for a TAP's reader).</summary>
    internal static int TryGetTransmitQueueLength(string name, out int length)
    {
        var request = IfReq.For(name);
        int errno = Query(LinuxConstants.SIOCGIFTXQLEN, ref request);
        length = errno == 0 ? request.Value : 0;
        return errno;
    }

    /// <summary>Sets the transmit queue length (SIOCSIFTXQLEN; needs CAP_NET_ADMIN).</summary>
    internal static int TrySetTransmitQueueLength(string name, int length)
    {
        var request = IfReq.For(name);
        request.Value = length;
        return Query(LinuxConstants.SIOCSIFTXQLEN, ref request);
    }

    private static int Query(nuint request, ref IfReq ifreq)
    {
        int fd = Libc.Socket(LinuxConstants.AF_INET, LinuxConstants.SOCK_DGRAM | LinuxConstants.SOCK_CLOEXEC, 0);
        if (fd < 0)
            return Errno.Last;
        try
        {
            fixed (IfReq* p = &ifreq)
                return Libc.Ioctl(fd, request, p) < 0 ? Errno.Last : 0;
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
