using Teeceepee.Links;
using Teeceepee.Tests.Links;

namespace Teeceepee.Tests.Simulations;

/// <summary>A link decorator that keeps a copy of every frame in and out (for byte-level diagnosis of a seed).</summary>
internal sealed class FrameRecorder(ILink inner) : PassThroughLink(inner)
{
    public List<(Instant At, bool Out, byte[] Frame)> Frames { get; } = [];

    public override bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload)
    {
        if (!Inner.TryReceive(now, buffer, out length, out offload))
            return false;
        Frames.Add((now, false, buffer[..length].ToArray()));
        return true;
    }

    public override bool TrySend(Instant now, in LinkFrame frame)
    {
        var copy = new byte[frame.Length];
        frame.CopyTo(copy);
        Frames.Add((now, true, copy));
        return Inner.TrySend(now, frame);
    }
}
