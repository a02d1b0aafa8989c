namespace Teeceepee.Links;

/// <summary>
/// One end of an in-memory wire: what one end sends, the other receives. For simulations on virtual
/// time (poll <see cref="TryReceive"/>, or read <see cref="PendingFrames"/>) and for stacks on real
/// threads (<see cref="ReadinessFd"/> is an eventfd readable while frames wait).
/// </summary>
/// <remarks>Each direction is a bounded queue; a frame sent into a full queue is dropped, as by a real NIC.</remarks>
public sealed class MemoryLink : ILink
{
    /// <summary>Default frames per direction.</summary>
    public const int DefaultQueueCapacity = 256;

    private readonly FrameQueue _inbound;
    private readonly FrameQueue _outbound;
    private bool _disposed;

    private MemoryLink(LinkCapabilities capabilities, FrameQueue inbound, FrameQueue outbound)
    {
        Capabilities = capabilities;
        _inbound = inbound;
        _outbound = outbound;
    }

    /// <summary>Creates two connected ends.</summary>
    /// <param name="capabilities">Both ends' capabilities; default Ethernet, MTU 1500, no MAC (each stack picks one), no offloads.</param>
    /// <param name="queueCapacity">Frames each direction holds before it drops.</param>
    /// <param name="withReadinessFd">
    /// True: each end gets an eventfd as <see cref="ReadinessFd"/> (for loops that sleep in epoll).
    /// False: <see cref="ReadinessFd"/> is -1 and the ends are driven purely by polling (no file descriptors).
    /// </param>
    public static (MemoryLink First, MemoryLink Second) CreatePair(
        LinkCapabilities? capabilities = null, int queueCapacity = DefaultQueueCapacity, bool withReadinessFd = true)
    {
        var caps = capabilities ?? new LinkCapabilities(LinkMedium.Ethernet, 1500);
        if (caps.Mtu is < 68 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(capabilities), caps.Mtu, "The MTU must be between 68 and 65535.");
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        var toSecond = new FrameQueue(queueCapacity, caps.MaxFrameLength, withReadinessFd);
        FrameQueue toFirst;
        try
        {
            toFirst = new FrameQueue(queueCapacity, caps.MaxFrameLength, withReadinessFd);
        }
        catch
        {
            toSecond.Dispose();
            throw;
        }
        return (new MemoryLink(caps, toFirst, toSecond), new MemoryLink(caps, toSecond, toFirst));
    }

    /// <inheritdoc />
    public LinkCapabilities Capabilities { get; }

    /// <inheritdoc />
    public int ReadinessFd => _inbound.Fd;

    /// <summary>Frames waiting to be received at this end.</summary>
    public int PendingFrames => _inbound.Count;

    /// <summary>Frames this end sent that the other end's queue accepted.</summary>
    public long SentFrames { get; private set; }

    /// <summary>Frames this end received.</summary>
    public long ReceivedFrames { get; private set; }

    /// <summary>Frames this end tried to send that were dropped (queue full, too long, or the other end disposed).</summary>
    public long DroppedFrames { get; private set; }

    /// <inheritdoc />
    public Instant NextDeadline => Instant.MaxValue;

    /// <inheritdoc />
    /// <remarks>Frames carry no descriptor: <paramref name="offload"/> is always <see cref="LinkOffload.None"/>.</remarks>
    public bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        offload = LinkOffload.None;
        if (!_inbound.TryDequeue(buffer, out length))
            return false;
        ReceivedFrames++;
        return true;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Complete frames only (wrap the link in <see cref="SoftwareOffloadLink"/> for transmit offloads). The pieces are
    /// copied straight into the peer's queue slot.
    /// </remarks>
    public bool TrySend(Instant now, in LinkFrame frame)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!frame.Offload.IsNone)
            throw LinkOffload.NotSupportedBy(this);
        if (frame.Length > Capabilities.MaxFrameLength || !_outbound.TryEnqueue(frame))
        {
            DroppedFrames++;
            return false;
        }
        SentFrames++;
        return true;
    }

    /// <summary>Disposes this end; the other end's sends are dropped from now on.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        // Each end owns the queue it reads (and its eventfd); the other end's sends into it now fail.
        _inbound.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"memory {Capabilities.Medium} mtu {Capabilities.Mtu}";
}
