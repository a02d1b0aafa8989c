using Teeceepee.Interop;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Links;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Links;

public class TapLinkTests
{
    private static readonly MacAddress s_ourMac = MacAddress.Parse("02:00:00:00:be:ef");
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [NetworkFact]
    public async Task KernelArpRequest_HandBuiltReply_LandsInNeighbourTable()
    {
        await using var net = TestNetwork.CreateTap("links");
        var link = Assert.IsType<TapLink>(net.Link);
        Assert.Equal(LinkMedium.Ethernet, link.Capabilities.Medium);
        Assert.Null(link.Capabilities.HardwareAddress); // the stack picks its own MAC
        Assert.True(link.CreatedDevice);

        using var ping = net.StartProcess($"ping -c 1 -W 5 {TestNetwork.StackAddress}");
        var request = LinkWaiter.ReceiveMatching(link, f => Frames.IsArpRequestFor(f, TestNetwork.StackAddress), s_timeout);
        Assert.Equal(net.KernelMac, Frames.Source(request));
        Assert.True(Frames.Destination(request).IsBroadcast);
        Assert.Equal(TestNetwork.KernelAddress, Frames.ArpSenderIp(request));

        Assert.True(link.TrySend(Instant.Zero, Frames.ArpReply(request, s_ourMac, TestNetwork.StackAddress)));

        // The kernel learned us: its echo request now comes to our MAC, and the neighbour table shows it.
        var echo = LinkWaiter.ReceiveMatching(link, f => Frames.IsEchoRequestTo(f, 14, TestNetwork.StackAddress), s_timeout);
        Assert.Equal(s_ourMac, Frames.Destination(echo));
        string neigh = net.Exec($"ip neigh show {TestNetwork.StackAddress} dev {net.KernelDevice}");
        Assert.Contains($"lladdr {s_ourMac}", neigh, StringComparison.Ordinal);

        // And our hand-built echo reply completes the ping.
        Assert.True(link.TrySend(Instant.Zero, Frames.EchoReply(echo, 14)));
        Assert.Equal(0, await ping.WaitForExitAsync(s_timeout));
        Assert.True(link.ReceivedFrames >= 2);
        Assert.Equal(2, link.SentFrames);
    }

    [NetworkFact]
    public void TryReceive_NothingWaiting_ReturnsFalseImmediately()
    {
        using var net = TestNetwork.CreateTap("links");
        var buffer = new byte[net.Link.Capabilities.MaxFrameLength];
        var started = DateTime.UtcNow;
        while (net.Link.TryReceive(Instant.Zero, buffer, out _))
        {
            // drain anything the kernel sent on link-up
        }
        Assert.False(net.Link.TryReceive(Instant.Zero, buffer, out int length));
        Assert.Equal(0, length);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2));
    }

    [NetworkFact]
    public void Mtu_FromConstructorOrDevice()
    {
        using var net = TestNetwork.CreateTap("links", mtu: 1400);
        Assert.Equal(1400, net.Link.Capabilities.Mtu);
        Assert.Equal(1414, net.Link.Capabilities.MaxFrameLength);
        Assert.Contains("mtu 1400", net.Exec($"ip link show {net.KernelDevice}"), StringComparison.Ordinal);

        // A persistent device with MTU 1280, attached without an MTU: the device's MTU is reported.
        net.Exec("ip tuntap add dev ptap0 mode tap && ip link set ptap0 mtu 1280");
        var (mtu, deviceMtu, created) = TestNetwork.InNamespace(net.Namespace, () =>
        {
            using var tap = new TapLink("ptap0");
            return (tap.Capabilities.Mtu, tap.DeviceMtu, tap.CreatedDevice);
        });
        Assert.Equal(1280, mtu);
        Assert.Equal(1280, deviceMtu);
        Assert.False(created);
        // Persistent: still there after the link closed.
        Assert.Contains("ptap0", net.Exec("ip link show ptap0"), StringComparison.Ordinal);
    }

    [NetworkFact]
    public void CreatedDevice_DisappearsOnDispose()
    {
        using var net = TestNetwork.CreateTap("links");
        bool existedWhileOpen = TestNetwork.InNamespace(net.Namespace, () =>
        {
            using var tap = new TapLink("eph0");
            Assert.True(tap.CreatedDevice);
            return NetDevice.Exists("eph0");
        });
        Assert.True(existedWhileOpen);
        Assert.False((net.RunAsync("ip link show eph0", s_timeout).Result).Succeeded);
    }

    [NetworkFact]
    public void SecondOpen_ThrowsBusy()
    {
        using var net = TestNetwork.CreateTap("links");
        var error = TestNetwork.InNamespace(net.Namespace, () =>
        {
            using var first = new TapLink("busy0");
            return Assert.Throws<LinkException>(() => new TapLink("busy0"));
        });
        Assert.Equal(Errno.EBUSY, error.Errno);
        Assert.Contains("busy", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("EBUSY", error.Message, StringComparison.Ordinal);
    }

    [NetworkFact]
    public void ExistingTunDevice_OpenedAsTap_ExplainsMismatch()
    {
        using var net = TestNetwork.CreateTap("links");
        net.Exec("ip tuntap add dev ptun0 mode tun");
        var error = TestNetwork.InNamespace(net.Namespace, () => Assert.Throws<LinkException>(() => new TapLink("ptun0")));
        Assert.Equal(Errno.EINVAL, error.Errno);
        Assert.Contains("not a TAP device", error.Message, StringComparison.Ordinal);
    }

    [NetworkFact]
    public void WithoutRoot_AttachesToPersistentTapOwnedByUser_AndRefusesOthers()
    {
        using var net = TestNetwork.CreateTap("links");
        net.Exec("ip tuntap add dev usertap0 mode tap user nobody && ip tuntap add dev roottap0 mode tap user root");
        // This machine's /dev/net/tun may be root-only (0600); most distributions ship it 0666. Use a 0666 node of our own.
        string dir = Directory.CreateTempSubdirectory("teeceepee-tun-").FullName;
        try
        {
            string clone = Path.Combine(dir, "tun");
            using (var mknod = System.Diagnostics.Process.Start("mknod", [clone, "c", "10", "200"]))
            {
                mknod.WaitForExit();
                Assert.Equal(0, mknod.ExitCode);
            }
            if (OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
                File.SetUnixFileMode(clone, (UnixFileMode)0b110_110_110);
            }
            var (attached, refused) = TestNetwork.InNamespace(net.Namespace, () =>
            {
                ThreadCredentials.DropToNobody();
                using var tap = new TapLink("usertap0", null, clone);
                var error = Assert.Throws<LinkException>(() => new TapLink("roottap0", null, clone));
                // Creating a device needs CAP_NET_ADMIN too.
                var create = Assert.Throws<LinkException>(() => new TapLink("newtap0", null, clone));
                Assert.Equal(Errno.EPERM, create.Errno);
                return (tap.Name, error);
            });
            Assert.Equal("usertap0", attached);
            Assert.Equal(Errno.EPERM, refused.Errno);
            Assert.Contains("ip tuntap add dev roottap0 mode tap user", refused.Message, StringComparison.Ordinal);
            Assert.Contains("CAP_NET_ADMIN", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
