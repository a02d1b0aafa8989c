using System.Runtime.InteropServices;
using Teeceepee.Links;

namespace Teeceepee.Interop;

/// <summary>errno values the links react to, and the exceptions they turn into.</summary>
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

    /// <summary>A <see cref="LinkException"/> for <paramref name="what"/> failing with <paramref name="errno"/>, plus a hint.</summary>
    internal static LinkException Exception(int errno, string what, string? hint = null)
    {
        string text = $"{what} failed: {Marshal.GetPInvokeErrorMessage(errno)} ({Name(errno)}).";
        if (hint is not null)
            text += " " + hint;
        return new LinkException(text, errno);
    }

    /// <summary>Throws for the last errno unless <paramref name="result"/> is non-negative.</summary>
    internal static int ThrowIfNegative(int result, string what)
    {
        if (result < 0)
            throw Exception(Last, what);
        return result;
    }
}
