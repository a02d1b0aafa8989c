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

    /// <summary>Opens (attaching or creating) the TAP device <paramref name="name"/>.</summary>
    /// <param name="name">Interface name, at most 15 characters.</param>
    /// <param name="mtu">The IP MTU the stack should use; default: the device's MTU.</param>
    /// <exception cref="LinkException">/dev/net/tun is missing, the caller lacks permission (EPERM), or the device is busy (EBUSY).</exception>
    public TapLink(string name, int? mtu = null) : this(name, mtu, TunTapDevice.DefaultClonePath) { }

    internal TapLink(string name, int? mtu, string clonePath)
        : this(CheckMtu(mtu), TunTapDevice.Open(name, tap: true, clonePath)) { }

    // The MTU is checked (first argument) before the device is opened (second).
    private TapLink(int? mtu, TunTapDevice device)
    {
        _device = device;
        Capabilities = new LinkCapabilities(LinkMedium.Ethernet, mtu ?? _device.DeviceMtu);
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

    /// <inheritdoc />
    public bool TryReceive(Instant now, Span<byte> buffer, out int length) => _device.TryRead(buffer, out length);

    /// <inheritdoc />
    public bool TrySend(Instant now, ReadOnlySpan<byte> frame) => _device.TryWrite(frame);

    /// <inheritdoc />
    public void Dispose() => _device.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"tap {Name} mtu {Capabilities.Mtu}";
}
