using Teeceepee.Links;

namespace Teeceepee.Tests.Links;

/// <summary>
/// A test link decorator that passes everything to <see cref="Inner"/>: recorders and droppers override only what they
/// watch or change.
/// </summary>
internal abstract class PassThroughLink(ILink inner) : ILink
{
    /// <summary>The decorated link.</summary>
    protected ILink Inner { get; } = inner;

    public LinkCapabilities Capabilities => Inner.Capabilities;

    public int ReadinessFd => Inner.ReadinessFd;

    public Instant NextDeadline => Inner.NextDeadline;

    public virtual bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload) =>
        Inner.TryReceive(now, buffer, out length, out offload);

    public virtual bool TrySend(Instant now, in LinkFrame frame) => Inner.TrySend(now, frame);

    public void Dispose() => Inner.Dispose();
}
