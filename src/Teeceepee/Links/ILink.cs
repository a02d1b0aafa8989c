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

    /// <summary>
    /// Like <see cref="TryReceive(Instant, Span{byte}, out int)"/>, and reports the frame's offload descriptor
    /// (<see cref="LinkOffload.None"/> from links without <see cref="LinkCapabilities.Offloads"/>). A link with
    /// <see cref="LinkOffloads.ReceiveSegmentation"/> may deliver super-frames up to 64 KiB: size the buffer for them.
    /// </summary>
    bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload)
    {
        offload = LinkOffload.None;
        return TryReceive(now, buffer, out length);
    }

    /// <summary>
    /// Transmits one frame with an offload request: a partial checksum to complete, a super-frame to cut (TSO).
    /// Ask only for what <see cref="LinkCapabilities.Offloads"/> lists; links without offloads send
    /// <see cref="LinkOffload.None"/> frames and throw <see cref="NotSupportedException"/> for anything else.
    /// </summary>
    bool TrySend(Instant now, ReadOnlySpan<byte> frame, in LinkOffload offload) =>
        offload.IsNone ? TrySend(now, frame) : throw new NotSupportedException($"{GetType().Name} has no transmit offloads.");

    /// <summary>When the link next has work of its own (a delayed frame to release); <see cref="Instant.MaxValue"/> if none.</summary>
    Instant NextDeadline => Instant.MaxValue;
}
