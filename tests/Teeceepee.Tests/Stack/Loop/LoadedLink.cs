using Microsoft.Extensions.Time.Testing;
using Teeceepee.Links;

namespace Teeceepee.Tests.Stack.Loop;

/// <summary>
/// A link on a busy host, in virtual time: the n-th frame read costs <c>costOfRead(n)</c> of the clock (a slow loop, or
/// one the scheduler preempts now and then), and
/// a frame sent leaves at the clock's present whatever <c>now</c> the stack passed (the wire does not wait for the
/// stack's notion of time). Records the <c>now</c> the stack passed with each frame it read. <see cref="BeforeRead"/>
/// lets the rest of the world run while this stack is busy (the peer keeps sending during a long poll).
/// </summary>
internal sealed class LoadedLink(ILink inner, FakeTimeProvider clock, Func<int, TimeSpan> costOfRead) : ILink
{
    /// <summary>The <c>now</c> of every successful read, in order.</summary>
    public List<Instant> ReadStamps { get; } = [];

    /// <summary>Runs before each read (the peer's loop, concurrent with this one in real life).</summary>
    public Action? BeforeRead { get; set; }

    public LinkCapabilities Capabilities => inner.Capabilities;

    public int ReadinessFd => inner.ReadinessFd;

    public Instant NextDeadline => inner.NextDeadline;

    public bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload)
    {
        BeforeRead?.Invoke();
        if (!inner.TryReceive(Instant.Now(clock), buffer, out length, out offload))
            return false;
        clock.Advance(costOfRead(ReadStamps.Count));
        ReadStamps.Add(now);
        return true;
    }

    public bool TrySend(Instant now, in LinkFrame frame) => inner.TrySend(Instant.Now(clock), frame);

    public void Dispose() => inner.Dispose();
}
