namespace Teeceepee.Links;

/// <summary>
/// A device that moves whole frames: TAP, TUN, raw AF_PACKET, or an in-memory wire.
/// All calls are non-blocking and made from the stack's loop thread only.
/// </summary>
/// <remarks>
/// One method each way, both carrying the frame's offload descriptor (<see cref="LinkOffload"/>), so that a middleware
/// wraps exactly one receive and one send. <c>now</c> is passed in so that middleware (fault injection with delay, pcap
/// timestamps) runs on the stack's clock, virtual in simulations. Callers that use no offloads have the
/// <see cref="LinkExtensions"/> shorthands.
/// </remarks>
public interface ILink : IDisposable
{
    /// <summary>Medium, MTU, hardware address and offloads.</summary>
    LinkCapabilities Capabilities { get; }

    /// <summary>
    /// Copies the next waiting frame into <paramref name="buffer"/> and reports its offload descriptor
    /// (<see cref="LinkOffload.None"/> from links without receive offloads). Returns false when no frame is waiting.
    /// </summary>
    /// <remarks>
    /// The buffer must hold <see cref="LinkCapabilities.MaxFrameLength"/> octets, or
    /// <see cref="LinkCapabilities.MaxOffloadFrameLength"/> on a link with <see cref="LinkOffloads.ReceiveSegmentation"/>
    /// (super-frames up to 64 KiB).
    /// </remarks>
    bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload);

    /// <summary>
    /// Transmits one frame, given as headers plus up to two payload slices (a gather list: a TAP writes the pieces with
    /// one <c>writev</c>, links and middleware that need contiguous octets flatten them into their own buffer), with its
    /// offload request (<see cref="LinkFrame.Offload"/>: <see cref="LinkOffload.None"/> for a complete frame; a partial
    /// checksum to complete or a super-frame to cut only where <see cref="LinkCapabilities.Offloads"/> lists it).
    /// Returns false when the link dropped it (queue full, device gone, a descriptor it could not carry out).
    /// </summary>
    /// <exception cref="NotSupportedException">An offload the link's capabilities do not list (a caller's bug, not a bad frame).</exception>
    bool TrySend(Instant now, in LinkFrame frame);

    /// <summary>
    /// A file descriptor that polls readable when <see cref="TryReceive"/> may succeed, or -1 when the
    /// link has none (the loop then relies on <see cref="NextDeadline"/> and explicit wake-ups).
    /// </summary>
    int ReadinessFd { get; }

    /// <summary>When the link next has work of its own (a delayed frame to release); <see cref="Instant.MaxValue"/> if none.</summary>
    Instant NextDeadline { get; }
}
