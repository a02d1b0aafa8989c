using BenchmarkDotNet.Attributes;
using Teeceepee.Wire;

namespace Teeceepee.Benchmarks;

/// <summary>The Internet checksum over a minimum frame, a full Ethernet payload and a 64 KiB TSO-sized buffer.</summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class ChecksumBenchmarks
{
    private byte[] _buffer = [];
    private int _offset;

    private ReadOnlySpan<byte> Data => _buffer.AsSpan(_offset, Size);

    /// <summary>Octets summed.</summary>
    [Params(64, 1500, 65536)]
    public int Size { get; set; }

    /// <summary>Random data, fixed seed.</summary>
    [GlobalSetup]
    public void Setup()
    {
        // Pinned and started on a 64-octet boundary, so runs do not differ by where the GC put the array.
        _buffer = GC.AllocateArray<byte>(Size + 64, pinned: true);
        new Random(42).NextBytes(_buffer);
        _offset = (int)(64 - AddressOf(_buffer) % 64) % 64;
        if (ChecksumVariants.ScalarCarry(Data) != Checksum.Compute(Data)
            || Checksum.Fold(Checksum.SumCore(Data, 0, 128)) != Checksum.Compute(Data)
            || ChecksumVariants.ScalarBigEndian(Data) != Checksum.Compute(Data))
            throw new InvalidOperationException("Checksum variants disagree.");
    }

    /// <summary>The library's vectorised sum.</summary>
    [Benchmark(Baseline = true)]
    public ushort Compute() => Checksum.Compute(Data);

    /// <summary>The original scalar loop (big-endian 64-bit reads).</summary>
    [Benchmark]
    public ushort ScalarBigEndian() => ChecksumVariants.ScalarBigEndian(Data);

    /// <summary>Native-order 64-bit adds with carry, unrolled.</summary>
    [Benchmark]
    public ushort ScalarCarry() => ChecksumVariants.ScalarCarry(Data);

    /// <summary>The library's loop forced to 512-bit vectors.</summary>
    [Benchmark]
    public ushort Vector512() => Checksum.Fold(Checksum.SumCore(Data, 0, 512));

    /// <summary>The library's loop forced to 256-bit vectors (what AVX2-only machines run).</summary>
    [Benchmark]
    public ushort Vector256() => Checksum.Fold(Checksum.SumCore(Data, 0, 256));

    /// <summary>The library's loop forced to 128-bit vectors.</summary>
    [Benchmark]
    public ushort Vector128() => Checksum.Fold(Checksum.SumCore(Data, 0, 128));

    private static unsafe long AddressOf(byte[] array)
    {
        fixed (byte* p = array)
            return (long)p;
    }
}
