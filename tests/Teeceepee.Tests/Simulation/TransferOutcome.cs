namespace Teeceepee.Tests.Simulations;

/// <summary>What one seeded transfer run ended with, and enough detail to diagnose it.</summary>
internal sealed record TransferOutcome(
    bool Ended,
    bool Complete,
    bool Failed,
    bool Corrupted,
    bool Drained,
    TimeSpan VirtualTime,
    long Polls,
    string Detail)
{
    /// <summary>TCP super-segments both stacks sent (segmentation offload runs only).</summary>
    public long SuperFrames { get; init; }

    public override string ToString() => Detail;
}
