namespace Teeceepee.Links;

/// <summary>
/// A device that moves whole frames: TAP, TUN, raw AF_PACKET, or an in-memory wire.
/// All calls are non-blocking and made from the stack's loop thread only.
/// </summary>
/// <remarks>
/// <c>now</c> is passed in so that middleware (fault injection with delay, pcap timestamps) runs on
/// the stack's clock, virtual in simulations.
/// </remarks>
public interface ILink : IDisposable
{
    /// <summary>Medium, MTU, hardware address and offloads.</summary>
    LinkCapabilities Capabilities { get; }

    /// <summary>
    /// Copies the next waiting frame into <paramref name="buffer"/> (at least
    /// <see cref="LinkCapabilities.MaxFrameLength"/> long). Returns false when no frame is waiting.
    /// </summary>
    bool TryReceive(Instant now, Span<byte> buffer, out int length);

    /// <summary>Transmits one frame. Returns false when the link dropped it (queue full, device gone).</summary>
    bool TrySend(Instant now, ReadOnlySpan<byte> frame);

    /// <summary>
    /// A file descriptor that polls readable when <see cref="TryReceive"/> may succeed, or -1 when the
    /// link has none (the loop then relies on <see cref="NextDeadline"/> and explicit wake-ups).
    /// </summary>
    int ReadinessFd { get; }

    /// <summary>When the link next has work of its own (a delayed frame to release); <see cref="Instant.MaxValue"/> if none.</summary>
    Instant NextDeadline => Instant.MaxValue;
}
