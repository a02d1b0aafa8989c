using Teeceepee.Interop;

namespace Teeceepee.Tests.Interop;

public class EpollTests
{
    [Fact]
    public void Wait_ReportsSignalledEventFdsWithTheirTags()
    {
        using var epoll = new Epoll();
        using var first = new EventFd();
        using var second = new EventFd();
        epoll.Add(first.Fd, EpollEvents.In, 1);
        epoll.Add(second.Fd, EpollEvents.In, 0xDEAD_BEEF_0000_0002);
        var events = new EpollEvent[8];
        Assert.Equal(0, epoll.Wait(events, 0));

        second.Signal();
        Assert.Equal(1, epoll.Wait(events, 1000));
        Assert.Equal(0xDEAD_BEEF_0000_0002ul, events[0].Data);
        Assert.True(events[0].Events.HasFlag(EpollEvents.In));

        first.Signal();
        Assert.Equal(2, epoll.Wait(events, 1000));
        Assert.Equal(new ulong[] { 1, 0xDEAD_BEEF_0000_0002 }, events.Take(2).Select(e => e.Data).Order());

        Assert.Equal(1ul, second.Reset());
        Assert.Equal(0ul, second.Reset());
        epoll.Remove(first.Fd);
        Assert.Equal(0, epoll.Wait(events, 0));
    }

    [Fact]
    public void Wait_TimesOut()
    {
        using var epoll = new Epoll();
        var started = DateTime.UtcNow;
        Assert.Equal(0, epoll.Wait(new EpollEvent[1], 50));
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(40));
    }

    [Fact]
    public void EventFd_SignalWhileSignalled_StaysReadableUntilReset()
    {
        using var fd = new EventFd();
        Assert.False(fd.IsSignalled);
        fd.Signal();
        fd.Signal();
        Assert.True(fd.IsSignalled);
        Assert.Equal(2ul, fd.Reset());
        Assert.False(fd.IsSignalled);
    }

    [Fact]
    public void BadFd_ThrowsErrnoExceptionWithErrno()
    {
        using var epoll = new Epoll();
        var error = Assert.Throws<ErrnoException>(() => epoll.Add(999_999, EpollEvents.In, 0));
        Assert.Equal(Errno.EBADF, error.Errno);
        Assert.Contains("EBADF", error.Message, StringComparison.Ordinal);
    }
}
