namespace Teeceepee.Stack;

/// <summary>
/// The SYNs an overloaded loop shed recently, as a time-rotated Bloom filter of their (addresses, ports, ISN) hashes
/// (issue 13 item 3). A client retransmits a SYN it got no answer to with the same ISN (RFC 9293 §3.8.1, RFC 6298 §5:
/// after 1 s, then 2 s more), so a SYN found here is most likely a real client retrying, not a flood's random SYN;
/// <see cref="SynDeferral"/> answers those first. A false positive only ranks a SYN higher. Two generations of
/// <see cref="GenerationMilliseconds"/> each: a shed SYN is remembered for 2–4 s. 2 × 512 KiB, allocated at the first
/// shed SYN and released when both generations hold nothing (2–4 s after the last shed SYN: an overload over leaves no
/// memory behind, issue 13 item 2); each look-up and insertion touches one 64-bit word per generation (a blocked Bloom
/// filter, two bits).
/// </summary>
internal sealed class ShedSynFilter
{
    /// <summary>How long one generation collects (2 s: a SYN shed now is still known at its first retransmission, 1 s later, and its second, 3 s later).</summary>
    public const int GenerationMilliseconds = 2000;

    private const int WordBits = 16; // 2^16 words of 64 bits per generation: 4 Mi bits; ~3 % false positives at 400k SYNs

    private ulong[]? _current;
    private ulong[]? _previous;
    private bool _currentUsed;   // a hash was added to the current generation
    private Instant _rotateAt;

    /// <summary>True while the filter's arrays are allocated (a SYN was shed within the last 2–4 s).</summary>
    public bool IsAllocated => _current is not null;

    /// <summary>SYN hashes added so far (diagnostics).</summary>
    public long Added { get; private set; }

    /// <summary>True when <paramref name="hash"/> was added within the last 2–4 s.</summary>
    public bool Contains(Instant now, ulong hash)
    {
        if (_current is null)
            return false;
        Rotate(now);
        if (_current is null)
            return false;
        int word = Word(hash);
        ulong bits = Bits(hash);
        return (_current[word] & bits) == bits || (_previous![word] & bits) == bits;
    }

    /// <summary>Remembers <paramref name="hash"/>.</summary>
    public void Add(Instant now, ulong hash)
    {
        if (_current is not null)
            Rotate(now);
        if (_current is null)
        {
            _current = new ulong[1 << WordBits];
            _previous = new ulong[1 << WordBits];
            _rotateAt = now + TimeSpan.FromMilliseconds(GenerationMilliseconds);
        }
        _current[Word(hash)] |= Bits(hash);
        _currentUsed = true;
        Added++;
    }

    /// <summary>Rotates the generations as time passes without a look-up (the loop calls it each turn): releases the arrays once both are empty.</summary>
    public void Expire(Instant now)
    {
        if (_current is not null)
            Rotate(now);
    }

    private void Rotate(Instant now)
    {
        if (now < _rotateAt)
            return;
        var generation = TimeSpan.FromMilliseconds(GenerationMilliseconds);
        if (now >= _rotateAt + generation || !_currentUsed)
        {
            // Two generations or more without a look, or the one ending held nothing (and the one before it is now
            // dropped): nothing is remembered; the arrays go back to the GC until the next shed SYN.
            _current = null;
            _previous = null;
            _currentUsed = false;
            return;
        }
        (_current, _previous) = (_previous, _current);
        Array.Clear(_current!);
        _currentUsed = false;
        _rotateAt += generation;
    }

    private static int Word(ulong hash) => (int)(hash & ((1u << WordBits) - 1));

    private static ulong Bits(ulong hash) => (1UL << (int)((hash >> 32) & 63)) | (1UL << (int)((hash >> 40) & 63));
}
