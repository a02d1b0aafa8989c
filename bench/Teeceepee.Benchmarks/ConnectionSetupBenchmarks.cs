using BenchmarkDotNet.Attributes;
using Teeceepee.Tcp;

namespace Teeceepee.Benchmarks;

/// <summary>
/// Connection setup and teardown (SYN, SYN-ACK, ACK, accept, then RST) between two TCP hosts that
/// already hold <see cref="Existing"/> established connections: the cost must not grow with it (O(1)
/// demux, timer heap, ephemeral port choice).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class ConnectionSetupBenchmarks
{
    private HostPair _hosts = null!;

    /// <summary>Established connections already open on both hosts.</summary>
    [Params(0, 1_000, 10_000)]
    public int Existing { get; set; }

    /// <summary>Opens the standing connections.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _hosts = new HostPair(backlog: 1024);
        for (int i = 0; i < Existing; i++)
            _hosts.Open();
    }

    /// <summary>Three-way handshake plus accept, then an abort (RST) that removes both ends.</summary>
    [Benchmark]
    public int OpenAndAbort()
    {
        var (client, server) = _hosts.Open();
        client.Abort();
        _hosts.Pump();
        if (server.State != TcpState.Closed)
            throw new InvalidOperationException("The RST did not close the server side.");
        return _hosts.Server.ConnectionCount;
    }
}
