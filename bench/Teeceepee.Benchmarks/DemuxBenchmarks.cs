using BenchmarkDotNet.Attributes;
using Teeceepee.Tcp;

namespace Teeceepee.Benchmarks;

/// <summary>The 4-tuple lookup every incoming segment makes (<see cref="TcpHost.Find"/>), with 10 or 10 000 connections.</summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class DemuxBenchmarks
{
    private const int Lookups = 1024;

    private TcpFourTuple[] _keys = [];
    private TcpHost _server = null!;

    /// <summary>Established connections on the host.</summary>
    [Params(10, 10_000)]
    public int Connections { get; set; }

    /// <summary>Opens the connections and picks keys spread over all of them.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var hosts = new HostPair(backlog: Connections + 1);
        var all = new TcpFourTuple[Connections];
        for (int i = 0; i < Connections; i++)
        {
            var (_, server) = hosts.Open();
            all[i] = new TcpFourTuple(server.LocalAddress, server.LocalPort, server.RemoteAddress, server.RemotePort);
        }
        var random = new Random(3);
        _keys = new TcpFourTuple[Lookups];
        for (int i = 0; i < Lookups; i++)
            _keys[i] = all[random.Next(Connections)];
        _server = hosts.Server;
    }

    /// <summary>One lookup (of 1024 random ones over the table).</summary>
    [Benchmark(OperationsPerInvoke = Lookups)]
    public int Find()
    {
        int found = 0;
        foreach (var key in _keys)
        {
            if (_server.Find(key) is not null)
                found++;
        }
        return found;
    }
}
