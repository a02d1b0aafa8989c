using System.Runtime.InteropServices;

namespace Teeceepee.Interop;

/// <summary>An owned Linux file descriptor, closed exactly once (also by the finalizer).</summary>
internal sealed class FileDescriptor : SafeHandle
{
    /// <summary>Takes ownership of <paramref name="fd"/>.</summary>
    internal FileDescriptor(int fd) : base(-1, ownsHandle: true) => SetHandle(fd);

    /// <summary>Wraps <paramref name="fd"/>, closing it on dispose only when <paramref name="owns"/>.</summary>
    internal FileDescriptor(int fd, bool owns) : base(-1, owns) => SetHandle(fd);

    /// <summary>Sets O_NONBLOCK (fcntl F_GETFL/F_SETFL); 0, or the errno of the call that failed.</summary>
    internal int SetNonBlocking()
    {
        int flags = Libc.Fcntl(Value, LinuxConstants.F_GETFL, 0);
        if (flags < 0)
            return Errno.Last;
        if ((flags & LinuxConstants.O_NONBLOCK) == 0 && Libc.Fcntl(Value, LinuxConstants.F_SETFL, flags | LinuxConstants.O_NONBLOCK) < 0)
            return Errno.Last;
        return 0;
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == -1;

    /// <summary>The descriptor number (valid until disposed).</summary>
    internal int Value => (int)handle;

    /// <inheritdoc />
    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
