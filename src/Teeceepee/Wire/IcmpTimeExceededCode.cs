namespace Teeceepee.Wire;

/// <summary>Codes of ICMP time exceeded (RFC 792).</summary>
public enum IcmpTimeExceededCode : byte
{
    /// <summary>Time to live exceeded in transit.</summary>
    TimeToLiveExceeded = 0,
    /// <summary>Fragment reassembly time exceeded.</summary>
    ReassemblyTimeExceeded = 1,
}
