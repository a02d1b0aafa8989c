using System.Buffers;

namespace Teeceepee.Stack;

/// <summary>One datagram being reassembled: its fragments' data and the ranges received.</summary>
internal sealed class Reassembly
{
    /// <summary>Largest IP header plus the 8 octets an ICMP error quotes (RFC 792).</summary>
    public const int QuoteCapacity = 60 + 8;

    public readonly int[] Starts;
    public readonly int[] Ends;
    public readonly byte[] FirstQuote = new byte[QuoteCapacity];
    public FragmentKey Key;
    public bool InUse;
    public bool Discarded;
    public int Count;
    public int TotalLength = -1;
    public int ReceivedBytes;
    public int FirstQuoteLength;
    public Instant Deadline;
    public byte[]? Buffer;

    public Reassembly(int maxFragments)
    {
        Starts = new int[maxFragments];
        Ends = new int[maxFragments];
    }

    /// <summary>Makes room for data up to <paramref name="end"/>, keeping what is held.</summary>
    public void EnsureCapacity(int end)
    {
        if (Buffer is not null && Buffer.Length >= end)
            return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(end, Math.Min(65536, (Buffer?.Length ?? 1024) * 2)));
        if (Buffer is not null)
        {
            Buffer.AsSpan().CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(Buffer);
        }
        Buffer = bigger;
    }

    /// <summary>Returns the buffer to the pool.</summary>
    public void ReleaseBuffer()
    {
        if (Buffer is not null)
            ArrayPool<byte>.Shared.Return(Buffer);
        Buffer = null;
    }

    /// <summary>Frees the slot.</summary>
    public void Clear()
    {
        ReleaseBuffer();
        InUse = false;
        Discarded = false;
        Count = 0;
        TotalLength = -1;
        ReceivedBytes = 0;
        FirstQuoteLength = 0;
    }
}
