namespace Teeceepee.Links;

/// <summary>Shorthands over <see cref="ILink"/> for callers that use no offloads (tests, tools, plain frames).</summary>
public static class LinkExtensions
{
    /// <summary>
    /// Receives one frame with complete checksums: a partial checksum the link reports is completed in place (what a
    /// NIC without offloads would have delivered). A link with receive segmentation may still deliver a super-frame.
    /// </summary>
    public static bool TryReceive(this ILink link, Instant now, Span<byte> buffer, out int length)
    {
        ArgumentNullException.ThrowIfNull(link);
        if (!link.TryReceive(now, buffer, out length, out var offload))
            return false;
        if ((offload.Flags & LinkOffloadFlags.NeedsChecksum) != 0)
            offload.TryCompleteChecksum(buffer[..length]);
        return true;
    }

    /// <summary>Transmits one complete frame (<see cref="LinkOffload.None"/>).</summary>
    public static bool TrySend(this ILink link, Instant now, ReadOnlySpan<byte> frame)
    {
        ArgumentNullException.ThrowIfNull(link);
        return link.TrySend(now, new LinkFrame(frame));
    }

    /// <summary>Transmits one contiguous frame with its offload request (<see cref="ILink.TrySend"/> without payload slices).</summary>
    public static bool TrySend(this ILink link, Instant now, ReadOnlySpan<byte> frame, in LinkOffload offload)
    {
        ArgumentNullException.ThrowIfNull(link);
        return link.TrySend(now, new LinkFrame(frame, offload));
    }
}
