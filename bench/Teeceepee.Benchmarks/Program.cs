using BenchmarkDotNet.Running;

namespace Teeceepee.Benchmarks;

internal static class Program
{
    // `quick [filter]` runs the min-of-batches runner; `loop-server` the bench contract's servers on the bare stack loop; anything else goes to BenchmarkDotNet.
    private static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "loop-server")
            Environment.Exit(LoopBenchServer.Run());
        if (args.Length > 0 && args[0] == "quick")
            QuickRunner.Run(args.Length > 1 ? args[1] : null);
        else
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
