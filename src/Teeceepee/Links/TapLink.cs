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
// ILink again: its descriptor overloads (default interface methods) map to this class's own versions only when
// this class re-implements the interface.
public sealed class TapLink : TunTapLink, ILink
{
    private int _restoreQueueLength; // txqueuelen to put back on dispose (an attached device we raised), else 0

    /// <summary>Opens (attaching or creating) the TAP device <paramref name="name"/>.</summary>
    /// <param name="name">Interface name, at most 15 characters.</param>
    /// <param name="mtu">The IP MTU the stack should use; default: the device's MTU.</param>
    /// <param name="offloads">
    /// Open with a virtio-net header (IFF_VNET_HDR, TUNSETOFFLOAD TUN_F_CSUM | TUN_F_TSO4): the kernel then hands
    /// over TCP/IPv4 super-frames (up to 64 KiB) with partial checksums and takes ours, cutting them at the MSS
    /// (<see cref="LinkCapabilities.Offloads"/>, the descriptor overloads of <see cref="ILink"/>). Off by default.
    /// Through the plain <see cref="TryReceive(Instant, Span{byte}, out int)"/> partial checksums are completed in
    /// software, but super-frames still arrive whole: a consumer that turns this on must take frames up to 64 KiB.
    /// </param>
    /// <exception cref="LinkException">/dev/net/tun is missing, the caller lacks permission (EPERM), or the device is busy (EBUSY).</exception>
    public TapLink(string name, int? mtu = null, bool offloads = false) : this(name, mtu, TunTapDevice.DefaultClonePath, offloads) { }

    internal TapLink(string name, int? mtu, string clonePath, bool offloads = false)
        : this(CheckMtu(mtu), TunTapDevice.Open(name, tap: true, clonePath, offloads)) { }

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
    public override bool TryReceive(Instant now, Span<byte> buffer, out int length)
    {
        if (!Device.VnetHeader)
            return Device.TryRead(buffer, out length);
        if (!TryReceive(now, buffer, out length, out var offload))
            return false;
        // Callers that do not read descriptors get complete checksums.
        offload.TryCompleteChecksum(buffer[..length]);
        return true;
    }

    /// <inheritdoc />
    public bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload)
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
    public override bool TrySend(Instant now, ReadOnlySpan<byte> frame) =>
        Device.VnetHeader ? Device.TryWrite(frame, LinkOffload.None) : Device.TryWrite(frame);

    /// <inheritdoc />
    public bool TrySend(Instant now, ReadOnlySpan<byte> frame, in LinkOffload offload)
    {
        if (!Device.VnetHeader)
            return offload.IsNone ? Device.TryWrite(frame) : throw new NotSupportedException("This TAP link was opened without offloads.");
        if (!Device.TryWrite(frame, offload))
            return false;
        if (offload.GsoType != LinkGsoType.None)
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
            before = Interop.NetDevice.GetTransmitQueueLength(Name);
            if (before >= minimum)
            {
                failure = null;
                return true;
            }
            Interop.NetDevice.SetTransmitQueueLength(Name, minimum);
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
                Interop.NetDevice.SetTransmitQueueLength(Name, _restoreQueueLength);
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
