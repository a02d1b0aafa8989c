namespace Teeceepee.Links;

/// <summary>What a TAP and a TUN link share: one non-blocking /dev/net/tun descriptor, its device and its counters.</summary>
public abstract class TunTapLink : ILink
{
    private protected TunTapLink(TunTapDevice device, LinkCapabilities capabilities)
    {
        Device = device;
        Capabilities = capabilities with { InterfaceName = device.Name };
    }

    private protected TunTapDevice Device { get; }

    /// <summary>The interface name.</summary>
    public string Name => Device.Name;

    /// <summary>True when this link created the device (it is removed on dispose); false when it attached to an existing one.</summary>
    public bool CreatedDevice => Device.Created;

    /// <summary>The interface's MTU as the kernel reported it when the link was opened.</summary>
    public int DeviceMtu => Device.DeviceMtu;

    /// <summary>Frames (TUN: packets) received from the device.</summary>
    public long ReceivedFrames => Device.Received;

    /// <summary>Frames (TUN: packets) written to the device.</summary>
    public long SentFrames => Device.Sent;

    /// <summary>Frames the kernel refused (device down, frame too long).</summary>
    public long SendFailures => Device.SendFailures;

    /// <summary>Frames longer than the receive buffer (a device MTU above the link's), dropped.</summary>
    public long OversizedDropped => Device.OversizedDropped;

    /// <inheritdoc />
    public LinkCapabilities Capabilities { get; }

    /// <inheritdoc />
    public int ReadinessFd => Device.Fd;

    /// <inheritdoc />
    public Instant NextDeadline => Instant.MaxValue;

    /// <inheritdoc />
    public abstract bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload);

    /// <inheritdoc />
    public abstract bool TrySend(Instant now, in LinkFrame frame);

    /// <inheritdoc />
    public virtual void Dispose()
    {
        Device.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Checks an MTU argument before any device is opened.</summary>
    private protected static int? CheckMtu(int? mtu, int max) => mtu is < 68 || mtu > max
        ? throw new ArgumentOutOfRangeException(nameof(mtu), mtu, $"The MTU must be between 68 (RFC 791) and {max}.")
        : mtu;
}
