namespace Teeceepee.Tcp;

/// <summary>Receive-side ring with out-of-order reassembly (RFC 9293 §3.10.7.4; RFC 2018 for SACK ranges).</summary>
public sealed class ReceiveBuffer
{
    /// <summary>Creates a buffer; storage is rented lazily on first write.</summary>
    public ReceiveBuffer(int capacity) => throw new NotImplementedException();

    /// <summary>Maximum bytes held.</summary>
    public int Capacity { get; }

    /// <summary>In-order bytes ready for the application.</summary>
    public int Count { get; }

    /// <summary>Capacity - Count: free space the receiver may advertise.</summary>
    public int Window { get; }

    /// <summary>Stores data starting <paramref name="offset"/> bytes after RCV.NXT; returns how many bytes became contiguous at RCV.NXT.</summary>
    public int Write(int offset, ReadOnlySpan<byte> data) => throw new NotImplementedException();

    /// <summary>Consumes in-order bytes.</summary>
    public int Read(Span<byte> destination) => throw new NotImplementedException();

    /// <summary>Copies in-order bytes without consuming them.</summary>
    public int Peek(Span<byte> destination) => throw new NotImplementedException();

    /// <summary>True when data beyond a hole is held.</summary>
    public bool HasOutOfOrderData { get; }

    /// <summary>Out-of-order ranges relative to RCV.NXT, most recently updated first (RFC 2018 §4); returns count written.</summary>
    public int GetOutOfOrderRanges(Span<(int Start, int End)> destination) => throw new NotImplementedException();

    /// <summary>Returns storage to the pool; the buffer is empty and reusable.</summary>
    public void Release() => throw new NotImplementedException();
}
