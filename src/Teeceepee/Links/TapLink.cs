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
public sealed class TapLink : ILink
{
    private readonly TunTapDevice _device;
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
    {
        _device = device;
        Capabilities = new LinkCapabilities(LinkMedium.Ethernet, mtu ?? _device.DeviceMtu)
        {
            Offloads = device.VnetHeader
                ? LinkOffloads.ReceiveChecksum | LinkOffloads.ReceiveSegmentation | LinkOffloads.TransmitChecksum | LinkOffloads.TransmitSegmentation
                : LinkOffloads.None,
        };
    }

    /// <summary>
    /// Uses an fd already attached to a TAP device with IFF_NO_PI (say, opened by a privileged parent and
    /// inherited); makes it non-blocking. <see cref="CreatedDevice"/> is false.
    /// </summary>
    /// <param name="fd">The /dev/net/tun descriptor; it must have been attached with IFF_NO_PI (the kernel does not let us check).</param>
    /// <param name="mtu">The IP MTU; default: the device's (1500 if it is not visible in this namespace).</param>
    /// <param name="ownsDescriptor">Close <paramref name="fd"/> on dispose.</param>
    public static TapLink FromFileDescriptor(int fd, int? mtu = null, bool ownsDescriptor = true)
    {
        CheckMtu(mtu);
        return new TapLink(mtu, TunTapDevice.Adopt(fd, tap: true, ownsDescriptor));
    }

    private static int? CheckMtu(int? mtu) => mtu is < 68 or > 65521
        ? throw new ArgumentOutOfRangeException(nameof(mtu), mtu, "The MTU must be between 68 (RFC 791) and 65521.")
        : mtu;

    /// <summary>The interface name.</summary>
    public string Name => _device.Name;

    /// <summary>True when this link created the device (it is removed on dispose); false when it attached to an existing one.</summary>
    public bool CreatedDevice => _device.Created;

    /// <summary>The interface's MTU as the kernel reported it when the link was opened.</summary>
    public int DeviceMtu => _device.DeviceMtu;

    /// <summary>Frames received from the device.</summary>
    public long ReceivedFrames => _device.Received;

    /// <summary>Frames written to the device.</summary>
    public long SentFrames => _device.Sent;

    /// <summary>Frames the kernel refused (device down, frame too long).</summary>
    public long SendFailures => _device.SendFailures;

    /// <summary>Frames longer than the receive buffer (a device MTU above the link's), dropped.</summary>
    public long OversizedDropped => _device.OversizedDropped;

    /// <inheritdoc />
    public LinkCapabilities Capabilities { get; }

    /// <inheritdoc />
    public int ReadinessFd => _device.Fd;

    /// <summary>Super-frames received (GSO type set), with offloads on.</summary>
    public long SuperFramesReceived { get; private set; }

    /// <summary>Super-frames sent for the kernel to segment (TSO), with offloads on.</summary>
    public long SuperFramesSent { get; private set; }

    /// <inheritdoc />
    public bool TryReceive(Instant now, Span<byte> buffer, out int length)
    {
        if (!_device.VnetHeader)
            return _device.TryRead(buffer, out length);
        if (!TryReceive(now, buffer, out length, out var offload))
            return false;
        // Callers that do not read descriptors get complete checksums.
        offload.TryCompleteChecksum(buffer[..length]);
        return true;
    }

    /// <inheritdoc />
    public bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload)
    {
        if (!_device.VnetHeader)
        {
            offload = LinkOffload.None;
            return _device.TryRead(buffer, out length);
        }
        if (!_device.TryRead(buffer, out length, out offload))
            return false;
        if (offload.GsoType != LinkGsoType.None)
            SuperFramesReceived++;
        return true;
    }

    /// <inheritdoc />
    public bool TrySend(Instant now, ReadOnlySpan<byte> frame) =>
        _device.VnetHeader ? _device.TryWrite(frame, LinkOffload.None) : _device.TryWrite(frame);

    /// <inheritdoc />
    public bool TrySend(Instant now, ReadOnlySpan<byte> frame, in LinkOffload offload)
    {
        if (!_device.VnetHeader)
            return offload.IsNone ? _device.TryWrite(frame) : throw new NotSupportedException("This TAP link was opened without offloads.");
        if (!_device.TryWrite(frame, offload))
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
    public void Dispose()
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
        _device.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"tap {Name} mtu {Capabilities.Mtu}";
}
