namespace Teeceepee.Links;

/// <summary>
/// A Linux TAP device (Ethernet frames, IFF_TAP | IFF_NO_PI) on a non-blocking /dev/net/tun fd.
/// Attaches to an existing device (a persistent TAP made with <c>ip tuntap add dev NAME mode tap user USER</c>
/// needs no root) or creates one that disappears when the link is disposed.
/// </summary>
/// <remarks>
/// The TAP's kernel side has its own MAC; the stack is another host on that wire and picks its own,
/// so <see cref="LinkCapabilities.HardwareAddress"/> is null. The device is not brought up here:
/// that is the caller's business (<c>ip link set NAME up</c>).
/// </remarks>
public sealed class TapLink : TunTapLink
{
    private int _restoreQueueLength; // txqueuelen to put back on dispose (an attached device we raised), else 0

    /// <summary>Opens (attaching or creating) the TAP device <paramref name="name"/>.</summary>
    /// <param name="name">Interface name, at most 15 characters.</param>
    /// <param name="mtu">The IP MTU the stack should use; default: the device's MTU.</param>
    /// <param name="offloads">
    /// True (the default): open with a virtio-net header (IFF_VNET_HDR, TUNSETOFFLOAD TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6), so
    /// that the kernel hands over TCP super-frames of both families (up to 64 KiB) with partial checksums and takes ours, cutting them at the
    /// MSS (<see cref="LinkCapabilities.Offloads"/>); when the device refuses, the link opens plain and says why in
    /// <see cref="OffloadRefusal"/>. False: plain frames, and the device's offloads are reset (TUNSETOFFLOAD 0) so that a
    /// persistent TAP an earlier reader left with offloads on delivers complete checksums again.
    /// A consumer that keeps offloads on must take frames up to <see cref="LinkCapabilities.MaxOffloadFrameLength"/>.
    /// </param>
    /// <exception cref="LinkException">/dev/net/tun is missing, the caller lacks permission (EPERM), or the device is busy (EBUSY).</exception>
    public TapLink(string name, int? mtu = null, bool offloads = true) : this(name, mtu, TunTapDevice.DefaultClonePath, offloads) { }

    internal TapLink(string name, int? mtu, string clonePath, bool offloads = true)
        : this(CheckMtu(mtu), OpenPreferringOffloads(offloads, vnet => TunTapDevice.Open(name, tap: true, clonePath, vnet), out string? refusal))
    {
        OffloadRefusal = refusal;
    }

    /// <summary>
    /// Opens <paramref name="queues"/> queues of the multi-queue TAP device <paramref name="name"/> (IFF_MULTI_QUEUE): one
    /// fd per queue, each set up as <see cref="TapLink(string, int?, bool)"/> does (the first decides whether offloads are
    /// on, the rest follow it). The kernel spreads frames toward us over the queues by a symmetric flow hash, and learns a
    /// flow's queue from the frames we write on it (drivers/net/tun.c: tun_automq_select_queue, tun_flow_update). A missing
    /// device is created multi-queue and vanishes with the last queue; an existing one must have been made multi-queue
    /// (<c>ip tuntap add dev NAME mode tap multi_queue</c>), else the kernel refuses (EINVAL).
    /// </summary>
    /// <exception cref="LinkException">As the constructor; EINVAL when the device exists without IFF_MULTI_QUEUE.</exception>
    public static IReadOnlyList<TapLink> OpenQueues(string name, int queues, int? mtu = null, bool offloads = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queues, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(queues, MaxQueues);
        CheckMtu(mtu);
        var links = new List<TapLink>(queues);
        try
        {
            var first = OpenPreferringOffloads(offloads, vnet => TunTapDevice.Open(name, tap: true, TunTapDevice.DefaultClonePath, vnet, multiQueue: true), out string? refusal);
            links.Add(new TapLink(mtu, first) { OffloadRefusal = refusal, IsMultiQueue = true });
            for (int i = 1; i < queues; i++)
                links.Add(new TapLink(mtu, TunTapDevice.Open(first.Name, tap: true, TunTapDevice.DefaultClonePath, first.VnetHeader, multiQueue: true)) { IsMultiQueue = true });
            return links;
        }
        catch
        {
            // Closing the queues in reverse: the first (which may have created the device) goes last.
            for (int i = links.Count - 1; i >= 0; i--)
                links[i].Dispose();
            throw;
        }
    }

    /// <summary>The most queues <see cref="OpenQueues"/> opens (the kernel's limit is 256; one loop per core needs far fewer).</summary>
    public const int MaxQueues = 64;

    /// <summary>True when this link is one queue of a multi-queue device (<see cref="OpenQueues"/>).</summary>
    public bool IsMultiQueue { get; private init; }

    // The MTU is checked (first argument) before the device is opened (second).
    private TapLink(int? mtu, TunTapDevice device)
        : base(device, new LinkCapabilities(LinkMedium.Ethernet, mtu ?? device.DeviceMtu)
        {
            Offloads = device.VnetHeader
                ? LinkOffloads.ReceiveChecksum | LinkOffloads.ReceiveSegmentation | LinkOffloads.TransmitChecksum | LinkOffloads.TransmitSegmentation
                : LinkOffloads.None,
        })
    {
    }

    /// <summary>Why the device refused offloads that were asked for (the link then runs plain), or null.</summary>
    public string? OffloadRefusal { get; private init; }

    /// <summary>
    /// Opens with offloads when asked, and plain when that open fails (an old kernel, a device whose flags conflict);
    /// the plain open's error is the one that propagates.
    /// </summary>
    internal static T OpenPreferringOffloads<T>(bool offloads, Func<bool, T> open, out string? refusal)
    {
        refusal = null;
        if (!offloads)
            return open(false);
        try
        {
            return open(true);
        }
        catch (LinkException e)
        {
            var plain = open(false);
            refusal = e.Message.TrimEnd('.');
            return plain;
        }
    }

    /// <summary>
    /// Uses an fd already attached to a TAP device with IFF_NO_PI (say, opened by a privileged parent and
    /// inherited); makes it non-blocking. <see cref="TunTapLink.CreatedDevice"/> is false.
    /// </summary>
    /// <param name="fd">The /dev/net/tun descriptor; it must have been attached with IFF_NO_PI (the kernel does not let us check).</param>
    /// <param name="mtu">The IP MTU; default: the device's (1500 if it is not visible in this namespace).</param>
    /// <param name="ownsDescriptor">Close <paramref name="fd"/> on dispose.</param>
    public static TapLink FromFileDescriptor(int fd, int? mtu = null, bool ownsDescriptor = true)
    {
        CheckMtu(mtu);
        return new TapLink(mtu, TunTapDevice.Adopt(fd, tap: true, ownsDescriptor));
    }

    private static int? CheckMtu(int? mtu) => CheckMtu(mtu, 65521);

    /// <summary>Super-frames received (GSO type set), with offloads on.</summary>
    public long SuperFramesReceived { get; private set; }

    /// <summary>Super-frames sent for the kernel to segment (TSO), with offloads on.</summary>
    public long SuperFramesSent { get; private set; }

    /// <inheritdoc />
    public override bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload)
    {
        if (!Device.VnetHeader)
        {
            offload = LinkOffload.None;
            return Device.TryRead(buffer, out length);
        }
        if (!Device.TryRead(buffer, out length, out offload))
            return false;
        if (offload.GsoType != LinkGsoType.None)
            SuperFramesReceived++;
        return true;
    }

    /// <inheritdoc />
    /// <remarks>One writev: the virtio-net header (with offloads), the frame's headers and its payload slices, no copy.</remarks>
    public override bool TrySend(Instant now, in LinkFrame frame)
    {
        if (!Device.VnetHeader)
            return frame.Offload.IsNone ? Device.TryWrite(frame) : throw new NotSupportedException("This TAP link was opened without offloads.");
        if (!Device.TryWriteWithVnetHeader(frame))
            return false;
        if (frame.Offload.GsoType != LinkGsoType.None)
            SuperFramesSent++;
        return true;
    }

    /// <summary>
    /// Raises the device's txqueuelen (the frames the kernel may queue for this reader; tun sizes its ring by it) to
    /// at least <paramref name="minimum"/>, best effort (SIOCSIFTXQLEN needs CAP_NET_ADMIN): many kernel senders
    /// together overflow the default 1000 frames long before their windows are full, and each overflow costs them a
    /// loss recovery. Never lowers it; an attached device gets its old length back on dispose. Never throws.
    /// </summary>
    /// <param name="minimum">The length wanted.</param>
    /// <param name="before">The length found (0 if it could not be read).</param>
    /// <param name="failure">Why it could not be raised, or null.</param>
    /// <returns>True when the device's queue is now at least <paramref name="minimum"/> long (raised or already so).</returns>
    public bool TryRaiseTransmitQueueLength(int minimum, out int before, out string? failure)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minimum);
        before = 0;
        try
        {
            before = LinkDevice.GetTransmitQueueLength(Name);
            if (before >= minimum)
            {
                failure = null;
                return true;
            }
            LinkDevice.SetTransmitQueueLength(Name, minimum);
            if (!CreatedDevice && _restoreQueueLength == 0)
                _restoreQueueLength = before;
            failure = null;
            return true;
        }
        catch (LinkException e)
        {
            failure = e.Message;
            return false;
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        if (_restoreQueueLength > 0)
        {
            try
            {
                LinkDevice.SetTransmitQueueLength(Name, _restoreQueueLength);
            }
            catch (LinkException)
            {
                // Moved to another namespace or gone: nothing to restore.
            }
            _restoreQueueLength = 0;
        }
        base.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"tap {Name} mtu {Capabilities.Mtu}";
}
