using System.Security.Cryptography;
using Teeceepee.Tcp;
using Teeceepee.Tcp.Congestion;

namespace Teeceepee.Tests.Tcp;

/// <summary>Each controller, paced and not, moves 2 MiB byte-exact over a lossy 20 ms path on virtual time.</summary>
public class TcpCongestionLoopbackTests
{
    [Theory]
    [InlineData(CongestionAlgorithm.Cubic, false, "cubic")]
    [InlineData(CongestionAlgorithm.Cubic, true, "cubic")]
    [InlineData(CongestionAlgorithm.NewReno, false, "reno")]
    [InlineData(CongestionAlgorithm.NewReno, true, "reno")]
    public void Transfer_WithLoss_ArrivesIntact_InfoNamesTheController(CongestionAlgorithm algorithm, bool pacing, string name)
    {
        var config = TcpConfig.Default with { CongestionControl = algorithm, Pacing = pacing };
        var net = new TcpLoopback(7, loss: 0.01, config: config) { Latency = TimeSpan.FromMilliseconds(10) };
        var payload = new byte[2 * 1024 * 1024];
        new Random(7).NextBytes(payload);
        var (ok, received, client, maxPacing) = net.BulkTransfer(payload, 600_000);
        Assert.True(ok, $"transfer did not finish: {client.GetInfo()}");
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received));
        var info = client.GetInfo();
        Assert.Equal(name, info.CongestionAlgorithm);
        Assert.NotNull(info.CongestionPhase);
        Assert.True(info.Retransmits > 0, "1 % loss must have cost retransmissions");
        Assert.InRange(info.MinRtt!.Value, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(25));
        Assert.True(info.DeliveryRate > 0);
        Assert.Equal(pacing, maxPacing > 0);
    }

    [Fact]
    public void DefaultConfig_IsCubic()
    {
        Assert.Equal(CongestionAlgorithm.Cubic, TcpConfig.Default.CongestionControl);
        Assert.IsType<CubicCongestionController>(TcpConfig.Default.CreateCongestionController(1460));
        Assert.IsType<NewRenoCongestionController>((TcpConfig.Default with { CongestionControl = CongestionAlgorithm.NewReno }).CreateCongestionController(1460));
    }
}
