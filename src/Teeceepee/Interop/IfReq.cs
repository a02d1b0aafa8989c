using System.Runtime.InteropServices;
using System.Text;

namespace Teeceepee.Interop;

/// <summary><c>struct ifreq</c> (40 bytes on 64-bit Linux): a name and a union of per-ioctl values.</summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal unsafe struct IfReq
{
    [FieldOffset(0)] internal fixed byte Name[LinuxConstants.IFNAMSIZ];
    /// <summary><c>ifr_flags</c> (SIOCGIFFLAGS, TUNSETIFF).</summary>
    [FieldOffset(16)] internal short Flags;
    /// <summary><c>ifr_mtu</c> / <c>ifr_ifindex</c>.</summary>
    [FieldOffset(16)] internal int Value;
    /// <summary><c>ifr_hwaddr.sa_family</c>.</summary>
    [FieldOffset(16)] internal ushort HardwareFamily;
    /// <summary><c>ifr_hwaddr.sa_data</c>: the MAC in its first six bytes.</summary>
    [FieldOffset(18)] internal fixed byte HardwareData[14];

    /// <summary>An ifreq naming <paramref name="name"/> (validated by <see cref="ValidateName"/>).</summary>
    internal static IfReq For(string name)
    {
        ValidateName(name);
        IfReq request = default;
        Encoding.ASCII.GetBytes(name, new Span<byte>(request.Name, LinuxConstants.IFNAMSIZ - 1));
        return request;
    }

    /// <summary>The NUL-terminated name the kernel wrote back.</summary>
    internal readonly string GetName()
    {
        fixed (byte* p = Name)
        {
            var span = new ReadOnlySpan<byte>(p, LinuxConstants.IFNAMSIZ);
            int end = span.IndexOf((byte)0);
            return Encoding.ASCII.GetString(end < 0 ? span : span[..end]);
        }
    }

    /// <summary>Throws unless <paramref name="name"/> is a valid Linux interface name (1..15 ASCII characters, no '/', ':' or blanks).</summary>
    internal static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length >= LinuxConstants.IFNAMSIZ)
            throw new ArgumentException($"Interface name '{name}' is longer than {LinuxConstants.IFNAMSIZ - 1} characters.", nameof(name));
        foreach (char c in name)
        {
            if (c <= ' ' || c >= 0x7f || c is '/' or ':')
                throw new ArgumentException($"Interface name '{name}' contains '{c}', which Linux does not allow.", nameof(name));
        }
    }
}
