using Teeceepee.Links;

namespace Teeceepee.Stack.Sharding;

/// <summary>A frame one loop read and another owns: a copy in a pooled buffer, with the link's offload flags.</summary>
internal readonly record struct HandedFrame(byte[] Buffer, int Length, LinkOffload Offload);
