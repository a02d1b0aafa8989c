namespace Teeceepee.Tcp;

/// <summary>Send-side byte ring: the application appends; the TCB reads at an offset from SND.UNA; ACKs free bytes.</summary>
public sealed class SendBuffer
{
    /// <summary>Creates a buffer; storage is rented lazily from <see cref="System.Buffers.ArrayPool{T}.Shared"/> on first write.</summary>
    public SendBuffer(int capacity) => throw new NotImplementedException();

    /// <summary>Maximum bytes held.</summary>
    public int Capacity { get; }

    /// <summary>Bytes held (unacknowledged + unsent).</summary>
    public int Count { get; }

    /// <summary>Space left for the application.</summary>
    public int Free { get; }

    /// <summary>Appends as much of <paramref name="data"/> as fits; returns bytes accepted.</summary>
    public int Write(ReadOnlySpan<byte> data) => throw new NotImplementedException();

    /// <summary>Copies bytes starting <paramref name="offset"/> bytes after the oldest byte; returns the count copied.</summary>
    public int CopyTo(int offset, Span<byte> destination) => throw new NotImplementedException();

    /// <summary>Drops <paramref name="count"/> acknowledged bytes from the front.</summary>
    public void Advance(int count) => throw new NotImplementedException();

    /// <summary>Returns storage to the pool; the buffer is empty and reusable.</summary>
    public void Release() => throw new NotImplementedException();
}
