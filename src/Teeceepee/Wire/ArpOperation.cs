namespace Teeceepee.Wire;

/// <summary>The ARP opcode (RFC 826).</summary>
public enum ArpOperation : ushort
{
    /// <summary>Who has the target protocol address?</summary>
    Request = 1,
    /// <summary>The sender has the sender protocol address.</summary>
    Reply = 2,
}
