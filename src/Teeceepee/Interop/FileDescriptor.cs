using System.Runtime.InteropServices;

namespace Teeceepee.Interop;

/// <summary>An owned Linux file descriptor, closed exactly once (also by the finalizer).</summary>
internal sealed class FileDescriptor : SafeHandle
{
    /// <summary>Takes ownership of <paramref name="fd"/>.</summary>
    internal FileDescriptor(int fd) : base(-1, ownsHandle: true) => SetHandle(fd);

    /// <inheritdoc />
    public override bool IsInvalid => handle == -1;

    /// <summary>The descriptor number (valid until disposed).</summary>
    internal int Value => (int)handle;

    /// <inheritdoc />
    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
