using BenchmarkDotNet.Attributes;

namespace Teeceepee.Benchmarks;

/// <summary>
/// A bulk transfer between two whole stacks over a memory link on virtual time: per full-size segment,
/// the sender's send path (Tcb, TCP/IPv4/Ethernet emit, checksum) plus the receiver's receive path
/// (parse, checksum, demux, reassembly-free in-order delivery, ACKs) and the copies in and out; over IPv4 or IPv6
/// (extension-header walk, 16-octet addresses in the demux and the pseudo-header, neighbour cache instead of ARP).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class BulkTransferBenchmarks : IDisposable
{
    /// <summary>Full-size segments in 1 MiB (1448 payload octets each with timestamps).</summary>
    public const int SegmentsPerMiB = (1 << 20) / 1448;

    private StackPair? _pair;

    /// <summary>The connection runs over IPv6 (1428 payload octets per segment) instead of IPv4 (1448).</summary>
    [Params(false, true)]
    public bool IPv6 { get; set; }

    /// <summary>Opens the connection and warms it past slow start.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _pair = new StackPair(ipv6: IPv6);
        _pair.Transfer(48L << 20);
    }

    /// <summary>Closes both stacks.</summary>
    [GlobalCleanup]
    public void Dispose()
    {
        _pair?.Dispose();
        _pair = null;
        GC.SuppressFinalize(this);
    }

    /// <summary>One MiB; reported per segment (of IPv4's size, so both families report time per MiB / 724).</summary>
    [Benchmark(OperationsPerInvoke = SegmentsPerMiB)]
    public long Segment() => _pair!.Transfer(1 << 20);
}
