using System.Text;
using Teeceepee.Interop;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Links;

namespace Teeceepee.IntegrationTests.Links;

public class FileDescriptorLinkTests
{
    [NetworkFact]
    public void BlockingFdFromElsewhere_BecomesNonBlockingTapLink()
    {
        using var net = TestNetwork.CreateTap("links");
        var (name, received, blocking) = TestNetwork.InNamespace(net.Namespace, () =>
        {
            int fd = OpenAttached("fdtap0", LinuxConstants.IFF_TAP | LinuxConstants.IFF_NO_PI);
            using var link = TapLink.FromFileDescriptor(fd);
            bool wasNonBlocking = (Libc.Fcntl(fd, LinuxConstants.F_GETFL, 0) & LinuxConstants.O_NONBLOCK) != 0;
            return (link.Name, link.TryReceive(Instant.Zero, new byte[1514], out _), !wasNonBlocking);
        });
        Assert.Equal("fdtap0", name);
        Assert.False(received);   // returned at once: EAGAIN, not a blocking read
        Assert.False(blocking);
    }

    [NetworkFact]
    public void WrongKind_Refused()
    {
        using var net = TestNetwork.CreateTap("links");
        var kind = TestNetwork.InNamespace(net.Namespace, () =>
        {
            int tun = OpenAttached("fdtun0", LinuxConstants.IFF_TUN | LinuxConstants.IFF_NO_PI);
            var kindError = Assert.Throws<LinkException>(() => TapLink.FromFileDescriptor(tun));
            var tunError = Assert.Throws<LinkException>(() => TunLink.FromFileDescriptor(OpenAttached("fdtap1", LinuxConstants.IFF_TAP | LinuxConstants.IFF_NO_PI)));
            Assert.Contains("not a TUN device", tunError.Message, StringComparison.Ordinal);
            using var ok = TunLink.FromFileDescriptor(OpenAttached("fdtun1", LinuxConstants.IFF_TUN | LinuxConstants.IFF_NO_PI));
            Assert.Equal(LinkMedium.IP, ok.Capabilities.Medium);
            return kindError.Message;
        });
        Assert.Contains("not a TAP device", kind, StringComparison.Ordinal);
    }

    private static unsafe int OpenAttached(string name, int flags)
    {
        byte[] path = Encoding.ASCII.GetBytes("/dev/net/tun\0");
        int fd;
        fixed (byte* p = path)
            fd = Libc.Open(p, LinuxConstants.O_RDWR | LinuxConstants.O_CLOEXEC);
        Assert.True(fd >= 0, $"open /dev/net/tun: errno {Errno.Last}");
        var request = IfReq.For(name);
        request.Flags = (short)flags;
        Assert.True(Libc.Ioctl(fd, LinuxConstants.TUNSETIFF, &request) == 0, $"TUNSETIFF: errno {Errno.Last}");
        return fd;
    }
}
