using BenchmarkDotNet.Attributes;
using Teeceepee.Wire;

namespace Teeceepee.Benchmarks;

/// <summary>The Internet checksum over a minimum frame, a full Ethernet payload and a 64 KiB TSO-sized buffer.</summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class ChecksumBenchmarks
{
    private byte[] _data = [];

    /// <summary>Octets summed.</summary>
    [Params(64, 1500, 65536)]
    public int Size { get; set; }

    /// <summary>Random data, fixed seed.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Size];
        new Random(42).NextBytes(_data);
        if (ChecksumVariants.ScalarCarry(_data) != Checksum.Compute(_data)
            || Checksum.Fold(Checksum.SumCore(_data, 0, 128)) != Checksum.Compute(_data)
            || ChecksumVariants.ScalarBigEndian(_data) != Checksum.Compute(_data))
            throw new InvalidOperationException("Checksum variants disagree.");
    }

    /// <summary>The library's vectorised sum.</summary>
    [Benchmark(Baseline = true)]
    public ushort Compute() => Checksum.Compute(_data);

    /// <summary>The original scalar loop (big-endian 64-bit reads).</summary>
    [Benchmark]
    public ushort ScalarBigEndian() => ChecksumVariants.ScalarBigEndian(_data);

    /// <summary>Native-order 64-bit adds with carry, unrolled.</summary>
    [Benchmark]
    public ushort ScalarCarry() => ChecksumVariants.ScalarCarry(_data);

    /// <summary>The library's loop forced to 512-bit vectors.</summary>
    [Benchmark]
    public ushort Vector512() => Checksum.Fold(Checksum.SumCore(_data, 0, 512));

    /// <summary>The library's loop forced to 256-bit vectors (what AVX2-only machines run).</summary>
    [Benchmark]
    public ushort Vector256() => Checksum.Fold(Checksum.SumCore(_data, 0, 256));

    /// <summary>The library's loop forced to 128-bit vectors.</summary>
    [Benchmark]
    public ushort Vector128() => Checksum.Fold(Checksum.SumCore(_data, 0, 128));
}
