using System.Text;
using Teeceepee.Interop;
using Teeceepee.Links;

namespace Teeceepee.IntegrationTests.Infrastructure;

/// <summary>Blocking helpers for tests that drive a link by hand (no stack): wait for a frame that matches.</summary>
public static class LinkWaiter
{
    /// <summary>
    /// Receives frames (sleeping in poll on the link's fd, or polling every millisecond when it has none) until one
    /// satisfies <paramref name="match"/>; returns it. Throws <see cref="TimeoutException"/> listing the frames seen.
    /// </summary>
    public static byte[] ReceiveMatching(ILink link, Func<byte[], bool> match, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(match);
        var seen = new StringBuilder();
        var buffer = new byte[link.Capabilities.MaxFrameLength];
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            while (link.TryReceive(Instant.Now(TimeProvider.System), buffer, out int length))
            {
                var frame = buffer.AsSpan(0, length).ToArray();
                if (match(frame))
                    return frame;
                seen.AppendLine("  " + Tracer.Describe(frame, link.Capabilities.Medium));
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"No matching frame on {link} within {timeout}. Frames seen:\n{seen}");
            WaitReadable(link.ReadinessFd, (int)Math.Min(left.TotalMilliseconds + 1, 100));
        }
    }

    /// <summary>Receives everything that arrives within <paramref name="duration"/>.</summary>
    public static List<byte[]> ReceiveAll(ILink link, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(link);
        var frames = new List<byte[]>();
        var buffer = new byte[link.Capabilities.MaxFrameLength];
        var deadline = DateTime.UtcNow + duration;
        while (true)
        {
            while (link.TryReceive(Instant.Now(TimeProvider.System), buffer, out int length))
                frames.Add(buffer.AsSpan(0, length).ToArray());
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                return frames;
            WaitReadable(link.ReadinessFd, (int)Math.Min(left.TotalMilliseconds + 1, 100));
        }
    }

    private static unsafe void WaitReadable(int fd, int milliseconds)
    {
        if (fd < 0)
        {
            Thread.Sleep(1);
            return;
        }
        var pfd = new PollFd { Fd = fd, Events = PollFd.POLLIN };
        Libc.Poll(&pfd, 1, milliseconds);
    }
}
