namespace Teeceepee.Links;

/// <summary>
/// A Linux TUN device (bare IP packets, IFF_TUN | IFF_NO_PI) on a non-blocking /dev/net/tun fd.
/// Attaches to an existing device or creates one that disappears when the link is disposed.
/// </summary>
public sealed class TunLink : TunTapLink
{
    /// <summary>Opens (attaching or creating) the TUN device <paramref name="name"/>.</summary>
    /// <param name="name">Interface name, at most 15 characters.</param>
    /// <param name="mtu">The IP MTU the stack should use; default: the device's MTU.</param>
    /// <exception cref="LinkException">/dev/net/tun is missing, the caller lacks permission (EPERM), or the device is busy (EBUSY).</exception>
    public TunLink(string name, int? mtu = null) : this(name, mtu, TunTapDevice.DefaultClonePath) { }

    internal TunLink(string name, int? mtu, string clonePath)
        : this(CheckMtu(mtu), TunTapDevice.Open(name, tap: false, clonePath)) { }

    // The MTU is checked (first argument) before the device is opened (second).
    private TunLink(int? mtu, TunTapDevice device)
        : base(device, new LinkCapabilities(LinkMedium.IP, mtu ?? device.DeviceMtu))
    {
    }

    /// <summary>Uses an fd already attached to a TUN device with IFF_NO_PI; makes it non-blocking.</summary>
    /// <param name="fd">The /dev/net/tun descriptor; it must have been attached with IFF_NO_PI (the kernel does not let us check).</param>
    /// <param name="mtu">The IP MTU; default: the device's (1500 if it is not visible in this namespace).</param>
    /// <param name="ownsDescriptor">Close <paramref name="fd"/> on dispose.</param>
    public static TunLink FromFileDescriptor(int fd, int? mtu = null, bool ownsDescriptor = true)
    {
        CheckMtu(mtu);
        return new TunLink(mtu, TunTapDevice.Adopt(fd, tap: false, ownsDescriptor));
    }

    private static int? CheckMtu(int? mtu) => CheckMtu(mtu, 65535);

    /// <inheritdoc />
    /// <remarks>A TUN link has no offloads: <paramref name="offload"/> is always <see cref="LinkOffload.None"/>.</remarks>
    public override bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload)
    {
        offload = LinkOffload.None;
        return Device.TryRead(buffer, out length);
    }

    /// <inheritdoc />
    /// <remarks>Complete packets only; the pieces go out with one writev.</remarks>
    public override bool TrySend(Instant now, in LinkFrame frame) =>
        frame.Offload.IsNone ? Device.TryWrite(frame) : throw LinkOffload.NotSupportedBy(this);

    /// <inheritdoc />
    public override string ToString() => $"tun {Name} mtu {Capabilities.Mtu}";
}
