namespace Teeceepee.Stack;

/// <summary>A frame waiting for its next hop's hardware address: a pooled buffer, how much of it is used, and its offload request.</summary>
internal readonly record struct PendingFrame(byte[] Buffer, int Length, Links.LinkOffload Offload = default);
