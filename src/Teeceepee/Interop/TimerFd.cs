using System.Runtime.InteropServices;

namespace Teeceepee.Interop;

/// <summary>
/// A non-blocking timerfd on CLOCK_MONOTONIC: polls readable once the armed time has passed, with nanosecond
/// resolution (epoll's own timeout is in milliseconds). Used by loops that release frames at exact instants.
/// </summary>
internal sealed unsafe partial class TimerFd : IDisposable
{
    private const int ClockMonotonic = 1;
    private const int TfdNonBlock = LinuxConstants.O_NONBLOCK;
    private const int TfdCloexec = LinuxConstants.O_CLOEXEC;
    private readonly FileDescriptor _fd;

    /// <summary>Creates a disarmed timer.</summary>
    internal TimerFd()
    {
        int fd = TimerFdCreate(ClockMonotonic, TfdNonBlock | TfdCloexec);
        if (fd < 0)
            throw new ErrnoException(Errno.Last, "timerfd_create");
        _fd = new FileDescriptor(fd);
    }

    /// <summary>The descriptor to register with epoll.</summary>
    internal int Fd => _fd.Value;

    /// <summary>Fires once, <paramref name="after"/> from now (at least 1 ns: zero would disarm it).</summary>
    internal void Arm(TimeSpan after)
    {
        long ns = Math.Max(1, after.Ticks * 100);
        var spec = new ITimerSpec { ValueSeconds = ns / 1_000_000_000, ValueNanoseconds = ns % 1_000_000_000 };
        if (TimerFdSetTime(_fd.Value, 0, &spec, null) < 0)
            throw new ErrnoException(Errno.Last, "timerfd_settime");
    }

    /// <summary>Stops the timer.</summary>
    internal void Disarm()
    {
        var spec = default(ITimerSpec);
        if (TimerFdSetTime(_fd.Value, 0, &spec, null) < 0)
            throw new ErrnoException(Errno.Last, "timerfd_settime");
    }

    /// <summary>Consumes an expiry so the fd stops polling readable; false when it had not fired.</summary>
    internal bool Acknowledge()
    {
        ulong expirations = 0;
        return Libc.Read(_fd.Value, (byte*)&expirations, sizeof(ulong)) == sizeof(ulong);
    }

    /// <inheritdoc />
    public void Dispose() => _fd.Dispose();

    [LibraryImport("libc", EntryPoint = "timerfd_create", SetLastError = true)]
    private static partial int TimerFdCreate(int clock, int flags);

    [LibraryImport("libc", EntryPoint = "timerfd_settime", SetLastError = true)]
    private static partial int TimerFdSetTime(int fd, int flags, ITimerSpec* newValue, ITimerSpec* oldValue);
}
