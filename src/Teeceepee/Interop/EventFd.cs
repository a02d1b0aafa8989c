namespace Teeceepee.Interop;

/// <summary>
/// A non-blocking eventfd: a counter that polls readable while non-zero. Used to wake a loop that
/// sleeps in epoll (frames queued on a memory link, commands posted to a stack).
/// </summary>
internal sealed unsafe class EventFd : IDisposable
{
    private readonly FileDescriptor _fd;

    /// <summary>Creates an eventfd with counter 0 (non-blocking, close-on-exec).</summary>
    internal EventFd()
    {
        int fd = Libc.EventFd(0, LinuxConstants.EFD_NONBLOCK | LinuxConstants.EFD_CLOEXEC);
        if (fd < 0)
            throw new ErrnoException(Errno.Last, "eventfd");
        _fd = new FileDescriptor(fd);
    }

    /// <summary>The descriptor to register with epoll or poll.</summary>
    internal int Fd => _fd.Value;

    /// <summary>Adds one to the counter, making the fd readable. Never blocks.</summary>
    internal void Signal()
    {
        ulong one = 1;
        // EAGAIN only when the counter would overflow: it is then readable anyway.
        Libc.Write(_fd.Value, (byte*)&one, sizeof(ulong));
    }

    /// <summary>Resets the counter to zero. Returns the value it had (0 when it was not signalled).</summary>
    internal ulong Reset()
    {
        ulong value = 0;
        return Libc.Read(_fd.Value, (byte*)&value, sizeof(ulong)) == sizeof(ulong) ? value : 0;
    }

    /// <summary>True when the counter is non-zero (poll with zero timeout).</summary>
    internal bool IsSignalled
    {
        get
        {
            var pfd = new PollFd { Fd = _fd.Value, Events = PollFd.POLLIN };
            return Libc.Poll(&pfd, 1, 0) > 0 && (pfd.ReturnedEvents & PollFd.POLLIN) != 0;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _fd.Dispose();
}
