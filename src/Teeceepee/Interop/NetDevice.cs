using System.Text;
using Teeceepee.Wire;

namespace Teeceepee.Interop;

/// <summary>Queries about a network interface in the calling thread's network namespace (SIOCGIF* ioctls on a throwaway socket).</summary>
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
    internal static int GetMtu(string name)
    {
        var request = IfReq.For(name);
        Query(name, LinuxConstants.SIOCGIFMTU, ref request, "SIOCGIFMTU");
        return request.Value;
    }

    /// <summary>The interface's flags (SIOCGIFFLAGS: IFF_UP, IFF_RUNNING, ...).</summary>
    internal static short GetFlags(string name)
    {
        var request = IfReq.For(name);
        Query(name, LinuxConstants.SIOCGIFFLAGS, ref request, "SIOCGIFFLAGS");
        return request.Flags;
    }

    /// <summary>The interface's Ethernet address (SIOCGIFHWADDR), or null when it is not Ethernet.</summary>
    internal static MacAddress? GetHardwareAddress(string name)
    {
        var request = IfReq.For(name);
        Query(name, LinuxConstants.SIOCGIFHWADDR, ref request, "SIOCGIFHWADDR");
        if (request.HardwareFamily != LinuxConstants.ARPHRD_ETHER)
            return null;
        return MacAddress.Read(new ReadOnlySpan<byte>(request.HardwareData, 6));
    }

    /// <summary>The interface's transmit queue length (SIOCGIFTXQLEN: txqueuelen, the frames the kernel queues for a TAP's reader).</summary>
    internal static int GetTransmitQueueLength(string name)
    {
        var request = IfReq.For(name);
        Query(name, LinuxConstants.SIOCGIFTXQLEN, ref request, "SIOCGIFTXQLEN");
        return request.Value;
    }

    /// <summary>Sets the transmit queue length (SIOCSIFTXQLEN; needs CAP_NET_ADMIN); throws <see cref="Links.LinkException"/> on failure.</summary>
    internal static void SetTransmitQueueLength(string name, int length)
    {
        var request = IfReq.For(name);
        request.Value = length;
        Query(name, LinuxConstants.SIOCSIFTXQLEN, ref request, "SIOCSIFTXQLEN");
    }

    private static void Query(string name, nuint request, ref IfReq ifreq, string what)
    {
        int fd = Libc.Socket(LinuxConstants.AF_INET, LinuxConstants.SOCK_DGRAM | LinuxConstants.SOCK_CLOEXEC, 0);
        if (fd < 0)
            throw Errno.Exception(Errno.Last, "socket(AF_INET, SOCK_DGRAM) for " + what);
        try
        {
            fixed (IfReq* p = &ifreq)
            {
                if (Libc.Ioctl(fd, request, p) < 0)
                {
                    int errno = Errno.Last;
                    throw Errno.Exception(errno, $"{what} on '{name}'",
                        errno == Errno.ENODEV ? $"No interface named '{name}' in this network namespace." : null);
                }
            }
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
