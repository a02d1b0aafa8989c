using System.Runtime.InteropServices;

namespace Teeceepee.Interop;

/// <summary>errno values the links react to, their names, and the sentences that describe a failed call.</summary>
internal static class Errno
{
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int EINTR = 4;
    internal const int ENXIO = 6;
    internal const int EBADF = 9;
    internal const int EAGAIN = 11;
    internal const int ENOMEM = 12;
    internal const int EACCES = 13;
    internal const int EBUSY = 16;
    internal const int ENODEV = 19;
    internal const int EINVAL = 22;
    internal const int ENOBUFS = 105;
    internal const int ENETDOWN = 100;
    internal const int EMSGSIZE = 90;

    /// <summary>The errno of the last P/Invoke on this thread.</summary>
    internal static int Last => Marshal.GetLastPInvokeError();

    /// <summary>The symbolic name (EPERM) of an errno value, or its number.</summary>
    internal static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EINTR => "EINTR",
        ENXIO => "ENXIO",
        EBADF => "EBADF",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EBUSY => "EBUSY",
        ENODEV => "ENODEV",
        EINVAL => "EINVAL",
        ENOBUFS => "ENOBUFS",
        ENETDOWN => "ENETDOWN",
        EMSGSIZE => "EMSGSIZE",
        _ => "errno " + errno.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The sentence for <paramref name="what"/> failing with <paramref name="errno"/>, plus a hint: "open(/dev/net/tun) failed: No such file or directory (ENOENT). ..."</summary>
    internal static string Describe(int errno, string what, string? hint = null)
    {
        string text = $"{what} failed: {Marshal.GetPInvokeErrorMessage(errno)} ({Name(errno)}).";
        return hint is null ? text : text + " " + hint;
    }
}
