namespace Teeceepee.Links;

/// <summary>A link could not be opened or used; <see cref="Errno"/> holds the Linux error number.</summary>
public sealed class LinkException : IOException
{
    /// <summary>Creates an exception with a message and no errno.</summary>
    public LinkException() { }

    /// <summary>Creates an exception with a message and no errno.</summary>
    public LinkException(string message) : base(message) { }

    /// <summary>Creates an exception wrapping another.</summary>
    public LinkException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates an exception for a failed system call.</summary>
    public LinkException(string message, int errno) : base(message) => Errno = errno;

    /// <summary>An exception for <paramref name="what"/> failing with <paramref name="errno"/>, plus a hint.</summary>
    internal static LinkException FromErrno(int errno, string what, string? hint = null) =>
        new(Interop.Errno.Describe(errno, what, hint), errno);

    /// <summary>The Linux errno of the failed call (EPERM = 1, ENOENT = 2, EBUSY = 16, ...), or 0.</summary>
    public int Errno { get; }
}
