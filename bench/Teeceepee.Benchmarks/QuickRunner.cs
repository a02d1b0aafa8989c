using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Teeceepee.Benchmarks;

/// <summary>
/// A fast second opinion for busy machines: runs every [Benchmark] method in batches and reports the fastest batch
/// (ns/op) and the bytes allocated per op. The minimum filters out time lost to other processes, which a shared
/// 2-core machine adds to BenchmarkDotNet's mean.
/// </summary>
internal static class QuickRunner
{
    private const int Batches = 1000;
    private const double BatchNanoseconds = 200_000;

    public static void Run(string? filter)
    {
        Console.WriteLine($"Vector512/256/128 accelerated: {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}/{System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated}/{System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated}");
        Console.WriteLine($"{"Benchmark",-48} {"min ns/op",12} {"median ns/op",14} {"alloc B/op",12}");
        Measure(new ChecksumBenchmarks { Size = 64 }, "Size=64", filter);
        Measure(new ChecksumBenchmarks { Size = 1500 }, "Size=1500", filter);
        Measure(new ChecksumBenchmarks { Size = 65536 }, "Size=65536", filter);
        Measure(new TcpBenchmarks(), "", filter);
        Measure(new DemuxBenchmarks { Connections = 10 }, "Connections=10", filter);
        Measure(new DemuxBenchmarks { Connections = 10_000 }, "Connections=10000", filter);
        Measure(new ConnectionSetupBenchmarks { Existing = 0 }, "Existing=0", filter);
        Measure(new ConnectionSetupBenchmarks { Existing = 1_000 }, "Existing=1000", filter);
        Measure(new ConnectionSetupBenchmarks { Existing = 10_000 }, "Existing=10000", filter);
        Measure(new BulkTransferBenchmarks { IPv6 = false }, "IPv6=False", filter);
        Measure(new BulkTransferBenchmarks { IPv6 = true }, "IPv6=True", filter);
        Measure(new Tcp6Benchmarks(), "", filter);
    }

    private static void Measure(object instance, string parameters, string? filter)
    {
        var type = instance.GetType();
        if (filter is not null && !type.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)
            && !type.GetMethods().Any(m => $"{type.Name}.{m.Name}".Contains(filter, StringComparison.OrdinalIgnoreCase)))
            return;
        foreach (var setup in type.GetMethods().Where(m => m.GetCustomAttribute<GlobalSetupAttribute>() is not null))
            setup.Invoke(instance, null);
        foreach (var method in type.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
        {
            string name = $"{type.Name}.{method.Name}" + (parameters.Length > 0 ? $"({parameters})" : "");
            if (filter is not null && !name.Contains(filter, StringComparison.OrdinalIgnoreCase))
                continue;
            Action op = method.ReturnType == typeof(void) ? method.CreateDelegate<Action>(instance)
                : method.ReturnType == typeof(int) ? Sink(method.CreateDelegate<Func<int>>(instance))
                : method.ReturnType == typeof(ushort) ? Sink(method.CreateDelegate<Func<ushort>>(instance))
                : method.ReturnType == typeof(long) ? Sink(method.CreateDelegate<Func<long>>(instance))
                : throw new NotSupportedException(method.ToString());
            Report(name, op, method.GetCustomAttribute<BenchmarkAttribute>()!.OperationsPerInvoke);
        }
        foreach (var cleanup in type.GetMethods().Where(m => m.GetCustomAttribute<GlobalCleanupAttribute>() is not null))
            cleanup.Invoke(instance, null);
    }

    private static int s_sink;

    private static Action Sink(Func<int> f) => () => s_sink += f();

    private static Action Sink(Func<ushort> f) => () => s_sink += f();

    private static Action Sink(Func<long> f) => () => s_sink += (int)f();

    private static void Report(string name, Action op, int operationsPerInvoke)
    {
        // Warm up (tiered JIT), then size batches to about 0.2 ms each.
        long warm = Stopwatch.GetTimestamp();
        int calls = 0;
        while (Stopwatch.GetElapsedTime(warm).TotalMilliseconds < 300)
        {
            op();
            calls++;
        }
        double estimate = 300e6 / calls;
        int perBatch = (int)Math.Clamp(BatchNanoseconds / estimate, 1, 1_000_000);

        var times = new double[Batches];
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int b = 0; b < Batches; b++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < perBatch; i++)
                op();
            times[b] = Stopwatch.GetElapsedTime(t0).TotalNanoseconds / perBatch / operationsPerInvoke;
        }
        double allocated = (double)(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / ((long)Batches * perBatch * operationsPerInvoke);
        Array.Sort(times);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-48} {times[0],12:F1} {times[Batches / 2],14:F1} {allocated,12:F1}"));
    }
}
