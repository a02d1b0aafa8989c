using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>Gather send: data segments that leave their payload in the send ring (issue 9 item 3) or in the application's blocks (issue 12).</summary>
public sealed partial class Tcb
{
    private bool _payloadTaken = true;          // the in-place payload below was handed out (or there is none)
    private ReadOnlyMemory<byte> _payload, _payload2; // the last data segment's payload in the send ring (PayloadInPlace)

    /// <summary>
    /// When set (<see cref="TcpHost.GatherSend"/>), data segments leave their payload in the send ring: TryDispatch copies
    /// nothing into the payload buffer (it still bounds the length) and <see cref="TakePayloadInPlace"/> gives the slices,
    /// for a link that gathers them (one copy fewer per sent byte).
    /// </summary>
    public bool PayloadInPlace { get; set; }

    /// <summary>
    /// Queues <paramref name="length"/> bytes at <paramref name="start"/> in <paramref name="block"/> by reference (no copy
    /// on the way in): returns the bytes accepted, as <see cref="Send(ReadOnlySpan{byte})"/>; the block is held until ACKs
    /// pass them.
    /// </summary>
    public int Send(RetainableBlock block, int start, int length)
    {
        if (!IsSendOpen || _snd.Buffer is null || length == 0)
            return 0;
        int n = _snd.Buffer.Append(block, start, length);
        if (n > 0)
            RequestPoll();
        return n;
    }

    /// <summary>
    /// After a <see cref="TryDispatch(Instant, Span{byte}, out TcpRepr, out int)"/> that built a data segment with
    /// <see cref="PayloadInPlace"/>: its payload's slices of the send ring (valid until the next call into this TCB); true
    /// once per such segment, false otherwise (the payload, if any, is in the caller's buffer).
    /// </summary>
    public bool TakePayloadInPlace(out ReadOnlyMemory<byte> payload, out ReadOnlyMemory<byte> payload2)
    {
        payload = _payload;
        payload2 = _payload2;
        bool fresh = !_payloadTaken;
        _payloadTaken = true;
        _payload = _payload2 = default;
        return fresh;
    }
}
