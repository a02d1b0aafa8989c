namespace Teeceepee.Dns;

/// <summary>The timers of <see cref="HappyEyeballs"/> (RFC 8305 §8 defaults).</summary>
public sealed record HappyEyeballsOptions
{
    /// <summary>The defaults: 50 ms resolution delay, 250 ms between connection attempts, the system clock.</summary>
    public static HappyEyeballsOptions Default { get; } = new();

    /// <summary>How long an A answer waits for the AAAA answer before connecting (RFC 8305 §3: 50 ms).</summary>
    public TimeSpan ResolutionDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long one attempt runs alone before the next starts (RFC 8305 §5: 250 ms recommended).</summary>
    public TimeSpan ConnectionAttemptDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The clock for both delays.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
