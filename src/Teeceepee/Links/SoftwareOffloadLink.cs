namespace Teeceepee.Links;

/// <summary>
/// Wraps any link and offers transmit offloads it may lack (<see cref="LinkOffloads.TransmitChecksum"/>,
/// <see cref="LinkOffloads.TransmitSegmentation"/>), done in software with <see cref="SoftwareOffload"/>: super-frames
/// are cut into MSS-sized wire frames and partial checksums completed before the inner link sees them (Linux's
/// software GSO). Lets a stack build TCP super-segments on a memory link (simulation) or any link without TSO.
/// </summary>
/// <remarks>
/// What the inner link does itself it is left to do (the descriptor is passed on). Receive offloads and descriptors pass
/// through unchanged. The frame path does not allocate.
/// </remarks>
public sealed class SoftwareOffloadLink : ILink
{
    private readonly ILink _inner;
    private readonly int _linkHeaderLength;
    private readonly byte[] _scratch;
    private byte[]? _flat; // a frame in pieces flattened before it is cut (allocated on the first one)

    /// <summary>Wraps <paramref name="inner"/> (disposed with this one).</summary>
    public SoftwareOffloadLink(ILink inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        var caps = inner.Capabilities;
        _linkHeaderLength = caps.Medium == LinkMedium.Ethernet ? LinkCapabilities.EthernetHeaderLength : 0;
        Capabilities = caps with { Offloads = caps.Offloads | LinkOffloads.TransmitChecksum | LinkOffloads.TransmitSegmentation };
        _scratch = new byte[Math.Max(caps.MaxFrameLength, caps.MaxOffloadFrameLength)];
    }

    /// <summary>The wrapped link.</summary>
    public ILink Inner => _inner;

    /// <inheritdoc />
    public LinkCapabilities Capabilities { get; }

    /// <inheritdoc />
    public int ReadinessFd => _inner.ReadinessFd;

    /// <inheritdoc />
    public Instant NextDeadline => _inner.NextDeadline;

    /// <summary>Super-frames cut into wire frames.</summary>
    public long SuperFramesCut { get; private set; }

    /// <summary>Wire frames made from super-frames.</summary>
    public long SegmentsMade { get; private set; }

    /// <summary>Frames dropped because their descriptor could not be carried out (not a TCP/IPv4 or TCP/IPv6 super-frame without extension headers).</summary>
    public long Rejected { get; private set; }

    /// <inheritdoc />
    public bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload) =>
        _inner.TryReceive(now, buffer, out length, out offload);

    /// <inheritdoc />
    /// <remarks>True when every wire frame was accepted by the inner link.</remarks>
    public bool TrySend(Instant now, in LinkFrame frame)
    {
        var offload = frame.Offload;
        if (offload.IsNone)
            return _inner.TrySend(now, frame);
        var native = _inner.Capabilities.Offloads;
        if (offload.GsoType == LinkGsoType.None ? (native & LinkOffloads.TransmitChecksum) != 0 : (native & LinkOffloads.TransmitSegmentation) != 0)
            return _inner.TrySend(now, frame);
        var whole = frame.IsContiguous ? frame.Headers : frame.Flatten(_flat ??= new byte[LinkFrame.MaxLength]);
        if (whole.IsEmpty || !SoftwareOffload.TryCreate(whole, offload, _linkHeaderLength, out var cutter))
        {
            Rejected++;
            return false;
        }
        if (offload.GsoType != LinkGsoType.None)
        {
            SuperFramesCut++;
            SegmentsMade += cutter.Count;
        }
        bool all = true;
        while (cutter.TryNext(_scratch, out int length))
            all &= _inner.TrySend(now, _scratch.AsSpan(0, length));
        return all;
    }

    /// <inheritdoc />
    public void Dispose() => _inner.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"gso({_inner})";
}
