namespace Teeceepee.Links;

/// <summary>
/// Wraps any link and applies seeded, reproducible faults per direction: loss, duplication, reordering, corruption
/// (one flipped bit), delay with jitter, a bottleneck rate with a drop-tail queue and ECN step marking, and an MTU
/// black hole: a path emulator on the stack's clock.
/// </summary>
/// <remarks>
/// Delayed frames wait in a bounded queue and leave at their instant on the stack's clock:
/// inbound ones through <see cref="TryReceive"/>, outbound ones on any call (or <see cref="ReleaseDue"/>)
/// at or after <see cref="NextDeadline"/>, which the stack's loop sleeps until.
/// Same seed, same options, same calls: same outcome.
/// Faults apply to wire frames: a TCP super-frame the stack sends (transmit segmentation, offered here and done in
/// software) is cut into its segments first, and so is a super-frame an offloading inner link delivers; partial
/// checksums are completed. Frames leave this link without descriptors.
/// </remarks>
public sealed class FaultInjector : ILink
{
    /// <summary>Default number of frames each direction may hold (delayed, reordered, queued at the bottleneck).</summary>
    public const int DefaultHoldCapacity = 1024;

    // Frames read from the inner link per TryReceive call before giving the loop back (all may be lost).
    private const int MaxReadsPerCall = 64;

    private readonly ILink _inner;
    private readonly FaultDirection _inbound;
    private readonly FaultDirection _outbound;
    private readonly byte[] _scratch;
    private byte[]? _flat; // an offloaded frame sent in pieces, flattened to be cut (allocated on the first one)
    private readonly byte[] _cut;
    private readonly int _linkHeaderLength;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The link to wrap (disposed with this one).</param>
    /// <param name="inbound">Faults on frames received from the inner link; default none.</param>
    /// <param name="outbound">Faults on frames sent to the inner link; default none.</param>
    /// <param name="seed">Seed of the random streams (one per direction).</param>
    /// <param name="holdCapacity">Frames each direction may hold; more are dropped and counted as overflowed.</param>
    public FaultInjector(ILink inner, FaultOptions? inbound = null, FaultOptions? outbound = null, int seed = 0, int holdCapacity = DefaultHoldCapacity)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfLessThan(holdCapacity, 1);
        inbound ??= FaultOptions.None;
        outbound ??= FaultOptions.None;
        inbound.Validate(nameof(inbound));
        outbound.Validate(nameof(outbound));
        _inner = inner;
        int max = inner.Capabilities.MaxFrameLength;
        _inbound = new FaultDirection(inbound, seed, holdCapacity, max);
        _outbound = new FaultDirection(outbound, unchecked(seed * -1640531535 + 0x3C6EF372), holdCapacity, max);
        _scratch = new byte[max];
        _cut = new byte[max];
        _linkHeaderLength = inner.Capabilities.Medium == LinkMedium.Ethernet ? LinkCapabilities.EthernetHeaderLength : 0;
    }

    /// <summary>Wraps <paramref name="inner"/> with the same faults in both directions (independent random streams).</summary>
    public static FaultInjector Symmetric(ILink inner, FaultOptions options, int seed = 0, int holdCapacity = DefaultHoldCapacity) =>
        new(inner, options, options, seed, holdCapacity);

    /// <summary>The wrapped link.</summary>
    public ILink Inner => _inner;

    /// <summary>Faults applied to received frames.</summary>
    public FaultOptions InboundOptions => _inbound.Options;

    /// <summary>Faults applied to sent frames.</summary>
    public FaultOptions OutboundOptions => _outbound.Options;

    /// <summary>What happened to received frames.</summary>
    public FaultCounters Inbound => _inbound.Counters;

    /// <summary>What happened to sent frames.</summary>
    public FaultCounters Outbound => _outbound.Counters;

    /// <summary>Frames held (both directions).</summary>
    public int HeldFrames => _inbound.Held.Count + _outbound.Held.Count;

    /// <inheritdoc />
    /// <remarks>
    /// The inner link's transmit offloads, carried out here in software so that faults hit wire frames (a link without
    /// them keeps plain frames coming: wrap it in <see cref="SoftwareOffloadLink"/> to have super-frames cut before the
    /// faults); received frames come without descriptors.
    /// </remarks>
    public LinkCapabilities Capabilities => _inner.Capabilities with
    {
        Offloads = _inner.Capabilities.Offloads & (LinkOffloads.TransmitChecksum | LinkOffloads.TransmitSegmentation),
    };

    /// <summary>Super-frames cut into wire frames (sent by the stack, or delivered by an offloading inner link).</summary>
    public long SuperFramesCut { get; private set; }

    /// <inheritdoc />
    public int ReadinessFd => _inner.ReadinessFd;

    /// <inheritdoc />
    public Instant NextDeadline =>
        Instant.Min(_inner.NextDeadline, Instant.Min(_inbound.Held.NextRelease, _outbound.Held.NextRelease));

    /// <summary>Sends every held outbound frame whose instant has come.</summary>
    public void ReleaseDue(Instant now)
    {
        var held = _outbound.Held;
        while (held.TryPeekDue(now, out var frame))
        {
            SendInner(now, frame);
            held.RemoveFirst();
        }
    }

    /// <inheritdoc />
    /// <remarks>Frames leave with complete checksums and without descriptors: <paramref name="offload"/> is always <see cref="LinkOffload.None"/>.</remarks>
    public bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload)
    {
        offload = LinkOffload.None;
        ReleaseDue(now);
        if (TakeDue(now, buffer, out length))
            return true;
        for (int reads = 0; reads < MaxReadsPerCall; reads++)
        {
            if (!_inner.TryReceive(now, buffer, out length, out var received))
                return false;
            if (received.GsoType != LinkGsoType.None)
            {
                // A super-frame (receive offload): the faults are for its wire segments, so cut it first; all are held.
                HoldSegments(now, buffer[..length], received);
            }
            else
            {
                if ((received.Flags & LinkOffloadFlags.NeedsChecksum) != 0)
                    received.TryCompleteChecksum(buffer[..length]);
                if (Admit(_inbound, now, buffer[..length], holdWhenDue: false))
                {
                    _inbound.Counters.Delivered++;
                    return true;
                }
            }
            // Held or dropped: a held frame may already be due (it was held before this one): hand that out instead.
            if (TakeDue(now, buffer, out length))
                return true;
        }
        length = 0;
        return false;
    }

    /// <inheritdoc />
    /// <remarks>
    /// A super-frame or partial checksum is carried out in software first; each wire frame then meets the faults.
    /// Returns true for frames the injector dropped or held on purpose: the stack must not learn of simulated loss.
    /// </remarks>
    public bool TrySend(Instant now, in LinkFrame frame)
    {
        ReleaseDue(now);
        var offload = frame.Offload;
        if (offload.IsNone)
        {
            if (_outbound.Passthrough)
            {
                _outbound.Counters.Frames++;
                return SendInner(now, frame); // in its pieces: no fault can touch it
            }
            if (frame.Length > _scratch.Length)
            {
                _outbound.Counters.Frames++;
                _outbound.Counters.Rejected++;
                return false;
            }
            // Faults may change the whole (corruption, CE marks): work on a copy.
            frame.CopyTo(_scratch);
            return SendWire(now, _scratch.AsSpan(0, frame.Length));
        }
        // Software offload reads the whole frame (and writes each wire frame into a buffer of ours).
        var whole = frame.IsContiguous ? frame.Headers
            : frame.Flatten(_flat ??= new byte[LinkFrame.MaxLength]);
        if (whole.IsEmpty || !SoftwareOffload.TryCreate(whole, offload, _linkHeaderLength, out var cutter))
        {
            _outbound.Counters.Frames++;
            _outbound.Counters.Rejected++;
            return false;
        }
        if (offload.GsoType != LinkGsoType.None)
            SuperFramesCut++;
        bool all = true;
        while (cutter.TryNext(_cut, out int length))
            all &= SendWire(now, _cut.AsSpan(0, length));
        return all;
    }

    // One outbound wire frame, in a buffer of ours that the faults may change.
    private bool SendWire(Instant now, Span<byte> frame)
    {
        if (_outbound.Passthrough)
        {
            _outbound.Counters.Frames++;
            return SendInner(now, frame);
        }
        return !Admit(_outbound, now, frame, holdWhenDue: false) || SendInner(now, frame);
    }

    private void HoldSegments(Instant now, ReadOnlySpan<byte> frame, in LinkOffload offload)
    {
        var direction = _inbound;
        if (!SoftwareOffload.TryCreate(frame, offload, _linkHeaderLength, out var cutter))
        {
            direction.Counters.Frames++;
            direction.Counters.Rejected++;
            return;
        }
        SuperFramesCut++;
        while (cutter.TryNext(_cut, out int length))
            Admit(direction, now, _cut.AsSpan(0, length), holdWhenDue: true);
    }

    /// <summary>
    /// Runs one wire frame through <paramref name="direction"/>'s faults, in order: black hole, loss, duplication,
    /// corruption, reordering, the bottleneck (tail drop, CE mark), delay. True when the frame leaves now (the caller
    /// passes it on and counts it delivered); false when it was dropped or held. With <paramref name="holdWhenDue"/> a
    /// frame due now is held too (delivered by a later call).
    /// </summary>
    private bool Admit(FaultDirection direction, Instant now, Span<byte> frame, bool holdWhenDue)
    {
        var counters = direction.Counters;
        counters.Frames++;
        if (direction.Passthrough && !holdWhenDue)
            return true;
        if (direction.IsBlackHoled(frame.Length - _linkHeaderLength))
        {
            counters.BlackHoled++;
            return false;
        }
        if (direction.DrawLoss())
        {
            counters.Lost++;
            return false;
        }
        if (direction.DrawDuplicate())
        {
            counters.Duplicated++;
            // The copy is an independent frame: it gets its own place in the queue and its own delay.
            if (!direction.TryAdmit(now, frame.Length, reorder: false, out var copy))
            {
                counters.QueueDropped++;
            }
            else if (direction == _outbound && copy.Release <= now)
            {
                direction.Commit(copy);
                SendInner(now, frame);
            }
            else
            {
                direction.Hold(now, frame, copy); // inbound: one frame per call, so the copy comes with a later one
            }
        }
        if (direction.DrawCorrupt())
            direction.Corrupt(frame);
        bool reorder = direction.DrawReorder();
        if (reorder)
            counters.Reordered++;
        if (!direction.TryAdmit(now, frame.Length, reorder, out var admission))
        {
            counters.QueueDropped++;
            return false;
        }
        if (admission.MarkCe && EcnMarking.TryMarkCe(frame, _linkHeaderLength))
            counters.EcnMarked++;
        return Place(direction, now, frame, admission, holdWhenDue);
    }

    // True when the frame leaves now (the caller passes it on); otherwise it is held (or overflowed).
    private static bool Place(FaultDirection direction, Instant now, ReadOnlySpan<byte> frame, in FaultAdmission admission, bool holdWhenDue)
    {
        if (admission.Release <= now && !holdWhenDue)
        {
            direction.Commit(admission);
            return true;
        }
        direction.Hold(now, frame, admission);
        return false;
    }

    private bool TakeDue(Instant now, Span<byte> buffer, out int length)
    {
        var held = _inbound.Held;
        if (!held.TryPeekDue(now, out var due))
        {
            length = 0;
            return false;
        }
        length = Math.Min(due.Length, buffer.Length);
        due[..length].CopyTo(buffer);
        held.RemoveFirst();
        _inbound.Counters.Delivered++;
        return true;
    }

    private bool SendInner(Instant now, ReadOnlySpan<byte> frame) => SendInner(now, new LinkFrame(frame));

    private bool SendInner(Instant now, in LinkFrame frame)
    {
        if (_inner.TrySend(now, frame))
        {
            _outbound.Counters.Delivered++;
            return true;
        }
        _outbound.Counters.Rejected++;
        return false;
    }

    /// <summary>Disposes the inner link and drops held frames.</summary>
    public void Dispose()
    {
        _inbound.Dispose();
        _outbound.Dispose();
        _inner.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"faults({_inner})";
}
