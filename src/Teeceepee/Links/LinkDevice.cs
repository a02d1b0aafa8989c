using Teeceepee.Interop;
using Teeceepee.Wire;

namespace Teeceepee.Links;

/// <summary>Interface queries for the links (Interop's <see cref="NetDevice"/>), failing with a <see cref="LinkException"/> that names the device.</summary>
internal static class LinkDevice
{
    /// <summary>The interface index, or 0 when no interface has that name.</summary>
    internal static int IndexOf(string name) => NetDevice.IndexOf(name);

    /// <summary>True when an interface of that name exists.</summary>
    internal static bool Exists(string name) => NetDevice.Exists(name);

    /// <summary>The interface's MTU (SIOCGIFMTU).</summary>
    internal static int GetMtu(string name)
    {
        ThrowIfFailed(NetDevice.TryGetMtu(name, out int mtu), name, "SIOCGIFMTU");
        return mtu;
    }

    /// <summary>The interface's flags (SIOCGIFFLAGS: IFF_UP, IFF_RUNNING, ...).</summary>
    internal static short GetFlags(string name)
    {
        ThrowIfFailed(NetDevice.TryGetFlags(name, out short flags), name, "SIOCGIFFLAGS");
        return flags;
    }

    /// <summary>The interface's Ethernet address (SIOCGIFHWADDR), or null when it is not Ethernet.</summary>
    internal static MacAddress? GetHardwareAddress(string name)
    {
        Span<byte> octets = stackalloc byte[6];
        ThrowIfFailed(NetDevice.TryGetHardwareAddress(name, octets, out bool ethernet), name, "SIOCGIFHWADDR");
        return ethernet ? MacAddress.Read(octets) : null;
    }

    /// <summary>The interface's transmit queue length (SIOCGIFTXQLEN).</summary>
    internal static int GetTransmitQueueLength(string name)
    {
        ThrowIfFailed(NetDevice.TryGetTransmitQueueLength(name, out int length), name, "SIOCGIFTXQLEN");
        return length;
    }

    /// <summary>Sets the transmit queue length (SIOCSIFTXQLEN; needs CAP_NET_ADMIN).</summary>
    internal static void SetTransmitQueueLength(string name, int length) =>
        ThrowIfFailed(NetDevice.TrySetTransmitQueueLength(name, length), name, "SIOCSIFTXQLEN");

    private static void ThrowIfFailed(int errno, string name, string what)
    {
        if (errno != 0)
            throw LinkException.FromErrno(errno, $"{what} on '{name}'",
                errno == Errno.ENODEV ? $"No interface named '{name}' in this network namespace." : null);
    }
}
