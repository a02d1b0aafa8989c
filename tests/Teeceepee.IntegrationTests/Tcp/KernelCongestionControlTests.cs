using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Links;
using Teeceepee.Tcp.Congestion;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>
/// Each congestion controller, paced and not, serves a file to kernel curl and receives one from kernel socat under 1 %
/// random loss both ways (FaultInjector over the TAP) with 5 ms of delay: both arrive byte-exact.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class KernelCongestionControlTests
{
    private const int Size = 4 * 1024 * 1024;

    [NetworkTheory]
    [InlineData(CongestionAlgorithm.Cubic, false)]
    [InlineData(CongestionAlgorithm.Cubic, true)]
    [InlineData(CongestionAlgorithm.NewReno, false)]
    [InlineData(CongestionAlgorithm.Bbr, false)]
    [InlineData(CongestionAlgorithm.BbrLossTolerant, false)]
    public async Task Controller_WithLoss_MovesBytesBothWays_ByteExact(CongestionAlgorithm algorithm, bool pacing)
    {
        var faults = new FaultOptions { Loss = 0.01, Delay = TimeSpan.FromMilliseconds(5) };
        await using var fx = KernelTcpFixture.Create(faults, seed: 3, options => options with
        {
            CongestionControl = algorithm,
            Tcp = pacing ? Teeceepee.Tcp.TcpConfig.Default with { Pacing = true, MaxSegmentSize = 1460 } : options.Tcp,
        });
        var body = fx.WriteFile("big", Size, 21);
        var server = fx.Loop.Add(new HttpServerApp(fx.Loop, 8080, new Dictionary<string, byte[]> { ["/big"] = body }));
        await server.Listening;
        var result = await fx.KernelAsync("curl -sS --fail -m 120 http://198.18.0.2:8080/big | sha256sum", TimeSpan.FromSeconds(130));
        Assert.StartsWith(KernelTcpFixture.Sha256(body), result.StandardOutput, StringComparison.Ordinal);

        var data = fx.WriteFile("up", Size, 22);
        var sink = fx.Loop.Add(new SinkServerApp(fx.Loop, 9000));
        await sink.Listening;
        await fx.KernelAsync($"socat -u FILE:{fx.PathOf("up")} TCP:198.18.0.2:9000", TimeSpan.FromSeconds(120));
        var received = await sink.First.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(Size, received.Bytes);
        Assert.Equal(KernelTcpFixture.Sha256(data), received.Sha256);
    }
}
