namespace Teeceepee.Fuzz;

/// <summary>One frame of a fuzz input and how to deliver it (see <see cref="FrameInputReader"/>).</summary>
public readonly ref struct FrameRecord
{
    /// <summary>Creates a record.</summary>
    public FrameRecord(bool fixChecksums, TimeSpan delay, ReadOnlySpan<byte> frame)
    {
        FixChecksums = fixChecksums;
        Delay = delay;
        Frame = frame;
    }

    /// <summary>The harness recomputes the IPv4, TCP, UDP and ICMP checksums before delivery.</summary>
    public bool FixChecksums { get; }

    /// <summary>Virtual time that passes before the frame arrives.</summary>
    public TimeSpan Delay { get; }

    /// <summary>The Ethernet frame as it arrives on the link.</summary>
    public ReadOnlySpan<byte> Frame { get; }
}
