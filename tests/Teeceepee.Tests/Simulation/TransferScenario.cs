using System.Globalization;
using Teeceepee.Links;
using Teeceepee.Tcp;

namespace Teeceepee.Tests.Simulations;

/// <summary>
/// Everything one seeded transfer run varies, drawn from the seed: the faults on the wire, the MTU,
/// the TCP options and buffer sizes, and the payload sizes each way.
/// </summary>
internal sealed record TransferScenario(int Seed, FaultOptions Faults, int Mtu, TcpConfig Tcp, int UpBytes, int DownBytes)
{
    /// <summary>Loss above this may legitimately end in an error; at or below it the transfer must succeed.</summary>
    public const double MustSucceedLoss = 0.20;

    /// <summary>Both stacks send TCP super-segments (TSO), cut into wire frames in software before the faults.</summary>
    public bool SegmentationOffload { get; init; }

    /// <summary>The scenario for <paramref name="seed"/>; <paramref name="maxLoss"/> caps the loss rate drawn.</summary>
    public static TransferScenario FromSeed(int seed, double maxLoss = MustSucceedLoss, int minBytes = 256 * 1024, int maxBytes = 2 * 1024 * 1024)
    {
        var rng = new Random(seed);
        // One seed in eight runs a clean wire (the fast path must be right too).
        bool clean = rng.Next(8) == 0;
        var faults = clean ? FaultOptions.None : new FaultOptions
        {
            Loss = rng.NextDouble() * maxLoss,
            Reorder = rng.NextDouble() * 0.10,
            Duplicate = rng.NextDouble() * 0.05,
            Corrupt = rng.NextDouble() * 0.02,
            Delay = TimeSpan.FromMilliseconds(rng.Next(0, 40)),
            Jitter = TimeSpan.FromMilliseconds(rng.Next(0, 3) == 0 ? rng.Next(1, 10) : 0),
            ReorderDelay = TimeSpan.FromMilliseconds(rng.Next(1, 20)),
            // Sometimes a bottleneck whose queue overflows (loss in bursts, like a real router).
            RateBitsPerSecond = rng.Next(4) == 0 ? rng.Next(10, 1000) * 1_000_000L : 0,
        };
        int mtu = rng.Next(6) switch
        {
            0 => 576,
            1 => 9000,
            _ => 1500,
        };
        int[] buffers = [16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024];
        var tcp = TcpConfig.Default with
        {
            MaxSegmentSize = mtu - 40,
            SendBufferSize = buffers[rng.Next(buffers.Length)],
            ReceiveBufferSize = buffers[rng.Next(buffers.Length)],
            WindowScaling = rng.Next(4) != 0,
            Timestamps = rng.Next(4) != 0,
            Sack = rng.Next(4) != 0,
            NoDelay = rng.Next(2) == 0,
            Msl = TimeSpan.FromSeconds(1),
        };
        int up = rng.Next(minBytes, maxBytes + 1);
        int down = rng.Next(minBytes, maxBytes + 1);
        return new TransferScenario(seed, faults, mtu, tcp, up, down);
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"seed {Seed} (TEECEEPEE_SEED={Seed}): loss {Faults.Loss:P1} reorder {Faults.Reorder:P1} dup {Faults.Duplicate:P1} corrupt {Faults.Corrupt:P1} " +
        $"delay {Faults.Delay.TotalMilliseconds}ms jitter {Faults.Jitter.TotalMilliseconds}ms rate {Faults.RateBitsPerSecond / 1e6}Mbit/s mtu {Mtu} " +
        $"sndbuf {Tcp.SendBufferSize} rcvbuf {Tcp.ReceiveBufferSize} wscale {Tcp.WindowScaling} ts {Tcp.Timestamps} sack {Tcp.Sack} nodelay {Tcp.NoDelay} " +
        $"up {UpBytes} B down {DownBytes} B");
}
