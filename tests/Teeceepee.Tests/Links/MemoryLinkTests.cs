using Teeceepee.Interop;
using Teeceepee.Links;

namespace Teeceepee.Tests.Links;

public class MemoryLinkTests
{
    private static readonly Instant s_now = Instant.Zero;

    [Fact]
    public void Send_ArrivesAtOtherEndInOrder()
    {
        var (a, b) = MemoryLink.CreatePair();
        using (a)
        using (b)
        {
            Assert.True(a.TrySend(s_now, TestFrames.Numbered(1)));
            Assert.True(a.TrySend(s_now, TestFrames.Numbered(2, 100)));
            var buffer = new byte[a.Capabilities.MaxFrameLength];
            Assert.False(a.TryReceive(s_now, buffer, out _));
            Assert.True(b.TryReceive(s_now, buffer, out int n1));
            Assert.Equal(64, n1);
            Assert.Equal(1, TestFrames.IdOf(buffer));
            Assert.True(b.TryReceive(s_now, buffer, out int n2));
            Assert.Equal(100, n2);
            Assert.Equal(2, TestFrames.IdOf(buffer));
            Assert.False(b.TryReceive(s_now, buffer, out _));
            Assert.Equal(2, a.SentFrames);
            Assert.Equal(2, b.ReceivedFrames);
        }
    }

    [Fact]
    public void FullQueue_DropsAndCounts()
    {
        var (a, b) = MemoryLink.CreatePair(queueCapacity: 4, withReadinessFd: false);
        using (a)
        using (b)
        {
            for (int i = 0; i < 6; i++)
                Assert.Equal(i < 4, a.TrySend(s_now, TestFrames.Numbered(i)));
            Assert.Equal(2, a.DroppedFrames);
            Assert.Equal(4, b.PendingFrames);
            var buffer = new byte[1514];
            for (int i = 0; i < 4; i++)
            {
                Assert.True(b.TryReceive(s_now, buffer, out _));
                Assert.Equal(i, TestFrames.IdOf(buffer));
            }
            // Slots are reused after the ring wraps.
            Assert.True(a.TrySend(s_now, TestFrames.Numbered(9)));
            Assert.True(b.TryReceive(s_now, buffer, out _));
            Assert.Equal(9, TestFrames.IdOf(buffer));
        }
    }

    [Fact]
    public void OversizedFrame_IsDropped()
    {
        var (a, b) = MemoryLink.CreatePair(new LinkCapabilities(LinkMedium.Ethernet, 576));
        using (a)
        using (b)
        {
            Assert.False(a.TrySend(s_now, new byte[576 + 14 + 1]));
            Assert.True(a.TrySend(s_now, new byte[576 + 14]));
            Assert.Equal(1, a.DroppedFrames);
        }
    }

    [Fact]
    public void ReadinessFd_IsReadableExactlyWhileFramesWait()
    {
        var (a, b) = MemoryLink.CreatePair();
        using (a)
        using (b)
        {
            Assert.True(b.ReadinessFd >= 0);
            Assert.False(IsReadable(b.ReadinessFd));
            a.TrySend(s_now, TestFrames.Numbered(1));
            a.TrySend(s_now, TestFrames.Numbered(2));
            Assert.True(IsReadable(b.ReadinessFd));
            Assert.False(IsReadable(a.ReadinessFd));
            var buffer = new byte[1514];
            b.TryReceive(s_now, buffer, out _);
            Assert.True(IsReadable(b.ReadinessFd));
            b.TryReceive(s_now, buffer, out _);
            Assert.False(IsReadable(b.ReadinessFd));
        }
    }

    [Fact]
    public void ReadinessFd_WakesEpollOnAnotherThread()
    {
        var (a, b) = MemoryLink.CreatePair();
        using (a)
        using (b)
        using (var epoll = new Epoll())
        {
            epoll.Add(b.ReadinessFd, EpollEvents.In, 42);
            var received = new List<int>();
            var reader = new Thread(() =>
            {
                var events = new EpollEvent[4];
                var buffer = new byte[1514];
                var deadline = DateTime.UtcNow.AddSeconds(10);
                while (received.Count < 100 && DateTime.UtcNow < deadline)
                {
                    int n = epoll.Wait(events, 1000);
                    for (int i = 0; i < n; i++)
                    {
                        Assert.Equal(42ul, events[i].Data);
                        while (b.TryReceive(s_now, buffer, out _))
                            received.Add(TestFrames.IdOf(buffer));
                    }
                }
            });
            reader.Start();
            for (int i = 0; i < 100; i++)
            {
                while (!a.TrySend(s_now, TestFrames.Numbered(i)))
                    Thread.Yield();
                if (i % 10 == 0)
                    Thread.Sleep(1);
            }
            Assert.True(reader.Join(TimeSpan.FromSeconds(15)));
            Assert.Equal(Enumerable.Range(0, 100), received);
        }
    }

    [Fact]
    public void WithoutReadinessFd_HasNoFd()
    {
        var (a, b) = MemoryLink.CreatePair(withReadinessFd: false);
        using (a)
        using (b)
        {
            Assert.Equal(-1, a.ReadinessFd);
            a.TrySend(s_now, TestFrames.Numbered(5));
            Assert.Equal(1, b.PendingFrames);
        }
    }

    [Fact]
    public void DisposedPeer_SendFails()
    {
        var (a, b) = MemoryLink.CreatePair();
        b.Dispose();
        Assert.Equal(-1, b.ReadinessFd);
        using (a)
        {
            Assert.False(a.TrySend(s_now, TestFrames.Numbered(1)));
            Assert.Throws<ObjectDisposedException>(() => b.TrySend(s_now, TestFrames.Numbered(1)));
        }
    }

    private static unsafe bool IsReadable(int fd)
    {
        var pfd = new PollFd { Fd = fd, Events = PollFd.POLLIN };
        return Libc.Poll(&pfd, 1, 0) == 1 && (pfd.ReturnedEvents & PollFd.POLLIN) != 0;
    }
}
