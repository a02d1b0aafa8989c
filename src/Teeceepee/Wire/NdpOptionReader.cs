namespace Teeceepee.Wire;

/// <summary>
/// The options of a neighbor discovery message, validated once (RFC 4861 §4.6) and then enumerated
/// without allocating: <c>foreach (var option in reader)</c>.
/// </summary>
public readonly ref struct NdpOptionReader
{
    private readonly ReadOnlySpan<byte> _buffer;

    private NdpOptionReader(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Validates every option: a length of 0 (§4.6: "nodes MUST silently discard an ND packet that
    /// contains an option with length zero"), an option past the end, or a known option of the wrong
    /// length (link-layer address 1 for Ethernet, prefix information 4, MTU 1, RDNSS odd and at least 3)
    /// is <see cref="WireError.BadNdpOption"/>. Unknown types are skipped by their length.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> options, out NdpOptionReader reader, out WireError reason)
    {
        reader = default;
        int i = 0;
        while (i < options.Length)
        {
            if (i + 2 > options.Length || options[i + 1] == 0 || i + options[i + 1] * 8 > options.Length
                || !LengthFits((NdpOptionType)options[i], options[i + 1]))
            {
                reason = WireError.BadNdpOption;
                return false;
            }
            i += options[i + 1] * 8;
        }
        reader = new NdpOptionReader(options);
        reason = WireError.None;
        return true;
    }

    private static bool LengthFits(NdpOptionType type, int units) => type switch
    {
        NdpOptionType.SourceLinkLayerAddress or NdpOptionType.TargetLinkLayerAddress => units == 1,
        NdpOptionType.PrefixInformation => units == 4,
        NdpOptionType.Mtu => units == 1,
        NdpOptionType.RecursiveDnsServer => units >= 3 && (units & 1) == 1,
        _ => true,
    };

    /// <summary>The option octets.</summary>
    public ReadOnlySpan<byte> Buffer => _buffer;

    /// <summary>Enumerates the options in order.</summary>
    public Enumerator GetEnumerator() => new(_buffer);

    /// <summary>Walks validated options.</summary>
    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<byte> _buffer;
        private int _next;
        private int _start;

        internal Enumerator(ReadOnlySpan<byte> buffer)
        {
            _buffer = buffer;
            _next = 0;
            _start = -1;
        }

        /// <summary>The option at the current position.</summary>
        public readonly NdpOption Current => new(_buffer.Slice(_start, _buffer[_start + 1] * 8));

        /// <summary>Moves to the next option.</summary>
        public bool MoveNext()
        {
            if (_next >= _buffer.Length)
                return false;
            _start = _next;
            _next += _buffer[_start + 1] * 8;
            return true;
        }
    }
}
