namespace Teeceepee.Stack;

/// <summary>A frame waiting for its next hop's hardware address: a pooled buffer and how much of it is used.</summary>
internal readonly record struct PendingFrame(byte[] Buffer, int Length);
