using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Teeceepee.Interop;

/// <summary>An epoll instance: the stack loop waits here on its link's fd, an eventfd for commands and a timeout.</summary>
/// <remarks>
/// <c>struct epoll_event</c> is packed (12 bytes) on x86-64 and naturally aligned (16 bytes) elsewhere, so
/// events are decoded from raw bytes with the stride of the running architecture.
/// </remarks>
internal sealed unsafe class Epoll : IDisposable
{
    private const int MaxBatch = 64;
    private static readonly int s_stride = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int s_dataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;
    private readonly FileDescriptor _fd;

    /// <summary>Creates an epoll instance (close-on-exec).</summary>
    internal Epoll()
    {
        int fd = Libc.EpollCreate1(LinuxConstants.EPOLL_CLOEXEC);
        if (fd < 0)
            throw new ErrnoException(Errno.Last, "epoll_create1");
        _fd = new FileDescriptor(fd);
    }

    /// <summary>The epoll descriptor itself (pollable: readable when any registered fd is ready).</summary>
    internal int Fd => _fd.Value;

    /// <summary>Registers <paramref name="fd"/> for <paramref name="events"/>, reported with <paramref name="data"/>.</summary>
    internal void Add(int fd, EpollEvents events, ulong data) => Control(LinuxConstants.EPOLL_CTL_ADD, fd, events, data, "epoll_ctl(ADD)");

    /// <summary>Changes the events or tag of a registered descriptor.</summary>
    internal void Modify(int fd, EpollEvents events, ulong data) => Control(LinuxConstants.EPOLL_CTL_MOD, fd, events, data, "epoll_ctl(MOD)");

    /// <summary>Unregisters a descriptor.</summary>
    internal void Remove(int fd) => Control(LinuxConstants.EPOLL_CTL_DEL, fd, EpollEvents.None, 0, "epoll_ctl(DEL)");

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> (-1: forever, 0: just look) and fills
    /// <paramref name="events"/>. Returns how many are ready; 0 on timeout or when a signal interrupted the wait.
    /// </summary>
    internal int Wait(Span<EpollEvent> events, int timeoutMilliseconds)
    {
        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
        int max = Math.Min(events.Length, MaxBatch);
        if (max == 0)
            throw new ArgumentException("Need room for at least one event.", nameof(events));
        byte* raw = stackalloc byte[MaxBatch * 16];
        int n = Libc.EpollWait(_fd.Value, raw, max, timeoutMilliseconds);
        if (n < 0)
        {
            int errno = Errno.Last;
            if (errno == Errno.EINTR)
                return 0;
            throw new ErrnoException(errno, "epoll_wait");
        }
        var bytes = new ReadOnlySpan<byte>(raw, n * s_stride);
        for (int i = 0; i < n; i++)
        {
            var one = bytes.Slice(i * s_stride, s_stride);
            events[i] = new EpollEvent(
                (EpollEvents)BinaryPrimitives.ReadUInt32LittleEndian(one),
                BinaryPrimitives.ReadUInt64LittleEndian(one[s_dataOffset..]));
        }
        return n;
    }

    private void Control(int operation, int fd, EpollEvents events, ulong data, string what)
    {
        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
        byte* raw = stackalloc byte[16];
        var span = new Span<byte>(raw, 16);
        span.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)events);
        BinaryPrimitives.WriteUInt64LittleEndian(span[s_dataOffset..], data);
        if (Libc.EpollCtl(_fd.Value, operation, fd, raw) < 0)
            throw new ErrnoException(Errno.Last, what);
    }

    /// <inheritdoc />
    public void Dispose() => _fd.Dispose();
}
