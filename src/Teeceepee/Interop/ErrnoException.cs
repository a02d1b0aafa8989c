namespace Teeceepee.Interop;

/// <summary>
/// A system call made by Interop's own wrappers (epoll, eventfd, fcntl, setns) failed. Links turn
/// errno codes into their public <c>LinkException</c> themselves; this is for the rest.
/// </summary>
internal sealed class ErrnoException : IOException
{
    /// <summary>Describes <paramref name="what"/> failing with <paramref name="errno"/>.</summary>
    public ErrnoException(int errno, string what, string? hint = null) : base(global::Teeceepee.Interop.Errno.Describe(errno, what, hint)) => Errno = errno;

    /// <summary>The Linux errno of the failed call.</summary>
    public int Errno { get; }
}
