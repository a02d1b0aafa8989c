namespace Teeceepee.Stack;

/// <summary>What <see cref="FragmentReassembler.Add"/> did with a fragment.</summary>
internal enum ReassemblyOutcome : byte
{
    /// <summary>Held; the datagram is not complete yet.</summary>
    Held,
    /// <summary>The datagram is complete.</summary>
    Complete,
    /// <summary>The fragment (and maybe its whole datagram) was dropped; see the reason.</summary>
    Dropped,
}
