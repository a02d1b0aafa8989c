using Teeceepee.Cli.Options;
using Teeceepee.Links;

namespace Teeceepee.Cli.Network;

/// <summary>Opening the stack's link: TAP, TUN or raw socket, offloads, and one clear sentence for each failure.</summary>
internal sealed partial class TeeceepeeNetwork
{
    // LinkException carries the errno of the failed call; map the common ones to one clear sentence.
    private static ILink OpenLink(LinkOptions options, TextWriter? trace)
    {
        string device = options.Device!;
        string what = options.Kind switch { LinkKind.Tap => "TAP device", LinkKind.Tun => "TUN device", _ => "interface" };
        try
        {
            return options.Kind switch
            {
                LinkKind.Tap => RaiseQueue(OpenTap(new TapLink(device, options.Mtu, options.Offloads), options.Offloads, trace), trace),
                LinkKind.Tun => new TunLink(device, options.Mtu),
                LinkKind.Raw => new RawSocketLink(device, options.Mtu),
                _ => throw new ArgumentOutOfRangeException(nameof(options)),
            };
        }
        catch (LinkException e)
        {
            throw e.Errno switch
            {
                LinkErrnoPermission or LinkErrnoAccess => new CliException(options.Kind == LinkKind.Raw
                    ? $"--raw {device} needs root or CAP_NET_RAW (AF_PACKET socket)"
                    : $"opening {what} {device} was refused (permission denied): creating a device needs root or CAP_NET_ADMIN, "
                      + $"and an existing persistent one opens without them only for its owner (ip tuntap add dev {device} mode {(options.Kind == LinkKind.Tap ? "tap" : "tun")} user $USER)"),
                LinkErrnoNoDevice => CliException.Usage($"no such interface: {device}"),
                LinkErrnoBusy => new CliException($"{what} {device} is busy (another program has it open)"),
                _ => new CliException($"cannot open {what} {device}: {e.Message.TrimEnd('.')}"),
            };
        }
    }

    // Best effort: without CAP_NET_ADMIN (a persistent TAP owned by the user) the queue stays as it is.
    private static ILink RaiseQueue(ILink link, TextWriter? trace)
    {
        if (link is not TapLink tap)
            return link;
        if (!tap.TryRaiseTransmitQueueLength(TapTransmitQueueLength, out int before, out string? failure))
            trace?.WriteLine($"{tap.Name}: txqueuelen stays {before} (could not raise it to {TapTransmitQueueLength}: {failure?.TrimEnd('.')})");
        else if (before < TapTransmitQueueLength)
            trace?.WriteLine($"{tap.Name}: txqueuelen raised from {before} to {TapTransmitQueueLength} (room for many senders' windows)");
        return link;
    }

    /// <summary>
    /// Says once on <paramref name="trace"/> (-v) how a TAP opened: the library asks for offloads by default and falls back
    /// to plain frames when the device refuses them (<see cref="TapLink.OffloadRefusal"/>); --no-offload opens plain.
    /// </summary>
    internal static TapLink OpenTap(TapLink link, bool offloads, TextWriter? trace)
    {
        trace?.WriteLine(DescribeOffloads(link.Name, offloads, link.Capabilities.Offloads, link.OffloadRefusal));
        return link;
    }

    internal static string DescribeOffloads(string device, bool asked, LinkOffloads offloads, string? refusal) =>
        !asked ? $"{device}: offloads off (--no-offload): plain frames, every checksum verified"
        : refusal is not null ? $"{device}: the device refused offloads ({refusal}); using plain frames"
        : offloads == LinkOffloads.None ? $"{device}: the device has no offloads; using plain frames"
        : $"{device}: offloads on (virtio-net header: TCP super-frames up to 64 KiB and partial checksums from the kernel)";
}
