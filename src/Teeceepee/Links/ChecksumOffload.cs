namespace Teeceepee.Links;

/// <summary>Checksum work a link does for the stack.</summary>
[Flags]
public enum ChecksumOffload : byte
{
    /// <summary>The stack computes and verifies every checksum.</summary>
    None = 0,
    /// <summary>Received frames arrive with L3/L4 checksums already verified (skip verification).</summary>
    Receive = 1,
    /// <summary>The link fills in L4 checksums on transmit (the stack may leave them partial).</summary>
    Transmit = 2,
}
