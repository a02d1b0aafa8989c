using Teeceepee.Links;

namespace Teeceepee.IntegrationTests.Stack;

/// <summary>
/// Middleware that watches the IPv6 traffic of a stack: notes when an ICMPv6 packet too big comes in, and the longest
/// IPv6 TCP packet the stack sends before and after it (the stack handles a frame in the poll that read it, before
/// it sends again, so everything after is shaped by the new path MTU).
/// </summary>
internal sealed class PacketTooBigRecorder(ILink inner) : ILink
{
    private volatile bool _tooBigSeen;

    /// <summary>An ICMPv6 packet too big passed inbound.</summary>
    public bool TooBigSeen => _tooBigSeen;

    /// <summary>The longest IPv6 TCP packet sent before the first packet too big.</summary>
    public int LongestBefore { get; private set; }

    /// <summary>The longest IPv6 TCP packet sent after it, and how many were sent.</summary>
    public int LongestAfter { get; private set; }

    public int SentAfter { get; private set; }

    public LinkCapabilities Capabilities => inner.Capabilities;
    public int ReadinessFd => inner.ReadinessFd;
    public Instant NextDeadline => inner.NextDeadline;

    public bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload)
    {
        if (!inner.TryReceive(now, buffer, out length, out offload))
            return false;
        // Ethernet, IPv6 (next header 58 at 14 + 6), ICMPv6 type 2 at 14 + 40.
        var frame = buffer[..length];
        if (frame.Length > 54 && frame[12] == 0x86 && frame[13] == 0xDD && frame[20] == 58 && frame[54] == 2)
            _tooBigSeen = true;
        return true;
    }

    private readonly byte[] _flat = new byte[LinkFrame.MaxLength];

    public bool TrySend(Instant now, in LinkFrame linkFrame)
    {
        // A test double looks at whole frames: gather sends are flattened into its own buffer.
        var frame = linkFrame.Flatten(_flat);
        if (frame.Length > 54 && frame[12] == 0x86 && frame[13] == 0xDD && frame[20] == 6)
        {
            int packet = frame.Length - 14;
            if (_tooBigSeen)
            {
                LongestAfter = Math.Max(LongestAfter, packet);
                SentAfter++;
            }
            else
            {
                LongestBefore = Math.Max(LongestBefore, packet);
            }
        }
        return inner.TrySend(now, linkFrame);
    }

    public void Dispose() => inner.Dispose();
}
