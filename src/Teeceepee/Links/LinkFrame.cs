namespace Teeceepee.Links;

/// <summary>
/// One frame to send, as a gather list: its leading octets (<see cref="Headers"/>: link, IP and transport headers, or the
/// whole frame), then up to two payload slices (the two halves of a wrapped send ring), and its offload descriptor.
/// A link that can gather (a TAP: one <c>writev</c>) sends the pieces as they are; one that needs contiguous octets
/// flattens them into a buffer of its own (<see cref="CopyTo"/>, <see cref="Flatten"/>).
/// </summary>
/// <remarks>Valid only for the duration of the <see cref="ILink.TrySend"/> call: the slices point into the sender's buffers.</remarks>
public readonly ref struct LinkFrame
{
    /// <summary>The longest frame a link may be handed: a 64 KiB IP super-frame behind an Ethernet header (flatten buffers are this long).</summary>
    public const int MaxLength = LinkCapabilities.MaxSuperFrameIPLength + LinkCapabilities.EthernetHeaderLength;

    /// <summary>A contiguous frame.</summary>
    public LinkFrame(ReadOnlySpan<byte> frame, in LinkOffload offload = default)
    {
        Headers = frame;
        Offload = offload;
    }

    /// <summary>A frame in pieces: <paramref name="headers"/>, then <paramref name="payload"/>, then <paramref name="payload2"/>.</summary>
    public LinkFrame(ReadOnlySpan<byte> headers, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> payload2, in LinkOffload offload = default)
    {
        Headers = headers;
        Payload = payload;
        Payload2 = payload2;
        Offload = offload;
    }

    /// <summary>The frame's first octets (the whole frame when <see cref="IsContiguous"/>).</summary>
    public ReadOnlySpan<byte> Headers { get; }

    /// <summary>The first payload slice (may be empty).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The second payload slice (may be empty).</summary>
    public ReadOnlySpan<byte> Payload2 { get; }

    /// <summary>The offload request (<see cref="LinkOffload.None"/> for a complete frame).</summary>
    public LinkOffload Offload { get; }

    /// <summary>Octets in the whole frame.</summary>
    public int Length => Headers.Length + Payload.Length + Payload2.Length;

    /// <summary>True when the whole frame is <see cref="Headers"/> (no payload slices).</summary>
    public bool IsContiguous => Payload.IsEmpty && Payload2.IsEmpty;

    /// <summary>Copies the whole frame to the start of <paramref name="destination"/> (at least <see cref="Length"/> long).</summary>
    public void CopyTo(Span<byte> destination)
    {
        Headers.CopyTo(destination);
        Payload.CopyTo(destination[Headers.Length..]);
        Payload2.CopyTo(destination[(Headers.Length + Payload.Length)..]);
    }

    /// <summary>
    /// The frame as one span: <see cref="Headers"/> itself when contiguous (no copy), else the pieces copied into
    /// <paramref name="scratch"/>. Empty when it is in pieces and longer than <paramref name="scratch"/>.
    /// </summary>
    public ReadOnlySpan<byte> Flatten(Span<byte> scratch)
    {
        if (IsContiguous)
            return Headers;
        int length = Length;
        if (length > scratch.Length)
            return default;
        CopyTo(scratch);
        return scratch[..length];
    }
}
