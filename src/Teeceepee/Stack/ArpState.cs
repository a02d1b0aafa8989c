namespace Teeceepee.Stack;

/// <summary>Where a neighbour entry is in its life.</summary>
internal enum ArpState : byte
{
    /// <summary>Requests sent, no answer yet; packets wait in the entry's queue.</summary>
    Incomplete,
    /// <summary>The hardware address is known and fresh.</summary>
    Reachable,
}
