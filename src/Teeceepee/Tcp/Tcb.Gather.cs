using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>Gather send: data segments that leave their payload in the send ring (issue 9 item 3).</summary>
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
