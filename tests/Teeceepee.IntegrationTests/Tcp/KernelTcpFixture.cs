using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Links;
using Teeceepee.Stack;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>
/// One kernel-peer TCP test's world: a private namespace whose kernel is at 198.18.0.1 on a TAP device,
/// the stack at 198.18.0.2 driven by a <see cref="StackLoop"/>, optionally with faults on the stack's link
/// (both directions), and a scratch directory for files the kernel tools read or write.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class KernelTcpFixture : IAsyncDisposable
{
    /// <summary>The faults the issue asks the kernel-peer suite to survive byte-exact.</summary>
    public static readonly FaultOptions StandardFaults = new() { Loss = 0.02, Reorder = 0.02, Duplicate = 0.01, Corrupt = 0.005 };

    private readonly StackLoop? _loop;
    private readonly List<string> _runnerTrace = [];

    private KernelTcpFixture(TestNetwork net, FaultInjector? faults, StackLoop? loop, NetworkStack stack, DirectoryInfo directory, List<string>? runnerTrace = null)
    {
        Net = net;
        Faults = faults;
        _loop = loop;
        Stack = stack;
        Directory = directory;
        _runnerTrace = runnerTrace ?? [];
    }

    public TestNetwork Net { get; }
    public FaultInjector? Faults { get; }

    /// <summary>The test-driven loop (Tcb-level tests); null for fixtures made with <see cref="CreateWithRunner"/>.</summary>
    public StackLoop Loop => _loop ?? throw new InvalidOperationException("This fixture runs the stack's own runner.");

    public NetworkStack Stack { get; }
    public DirectoryInfo Directory { get; }

    /// <summary>A fixture whose stack runs its own real-time runner (<see cref="NetworkStack.Start"/>), for the socket API.</summary>
    public static KernelTcpFixture CreateWithRunner(bool faults, int seed = 1)
    {
        var net = TestNetwork.CreateTap("tcpv");
        try
        {
            ILink link = faults ? FaultInjector.Symmetric(net.Link, StandardFaults, seed) : net.Link;
            var trace = new List<string>();
            var stack = new NetworkStack(link, new NetworkStackOptions
            {
                Address = PeerAddresses.Stack,
                PrefixLength = 24,
                Seed = seed,
                Trace = line =>
                {
                    lock (trace)
                    {
                        if (trace.Count > 20_000)
                            trace.RemoveRange(0, 10_000);
                        trace.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
                    }
                },
            });
            stack.Start();
            var dir = System.IO.Directory.CreateTempSubdirectory("tcpv-");
            File.SetUnixFileMode(dir.FullName, (UnixFileMode)0b111_101_101);
            return new KernelTcpFixture(net, link as FaultInjector, null, stack, dir, trace);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    public static KernelTcpFixture Create(bool faults, int seed = 1, Func<NetworkStackOptions, NetworkStackOptions>? configure = null)
        => Create(faults ? StandardFaults : null, seed, configure);

    /// <summary>A fixture whose stack link carries <paramref name="faultOptions"/> both ways (none when null).</summary>
    public static KernelTcpFixture Create(FaultOptions? faultOptions, int seed = 1, Func<NetworkStackOptions, NetworkStackOptions>? configure = null)
    {
        var net = TestNetwork.CreateTap("tcpv");
        try
        {
            ILink link = net.Link;
            FaultInjector? injector = null;
            if (faultOptions is not null)
                link = injector = FaultInjector.Symmetric(net.Link, faultOptions, seed);
            var loop = new StackLoop(link, configure);
            var dir = System.IO.Directory.CreateTempSubdirectory("tcpv-");
            // Kernel servers (nginx workers) may read as another user.
            File.SetUnixFileMode(dir.FullName, (UnixFileMode)0b111_101_101);
            return new KernelTcpFixture(net, injector, loop, loop.Stack, dir);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="size"/> random bytes to <paramref name="name"/> in the scratch directory; returns them.</summary>
    public byte[] WriteFile(string name, int size, int seed)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        string path = Path.Combine(Directory.FullName, name);
        File.WriteAllBytes(path, data);
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        return data;
    }

    public string PathOf(string name) => Path.Combine(Directory.FullName, name);

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Runs a kernel-side shell command, failing the test with its output and the stack's trace if it does not exit 0.</summary>
    public async Task<CommandResult> KernelAsync(string command, TimeSpan timeout, bool mustSucceed = true)
    {
        var result = await Net.RunAsync(command, timeout);
        if (mustSucceed && !result.Succeeded)
            Assert.Fail($"'{command}' exited {result.ExitCode}\nstdout: {result.StandardOutput}\nstderr: {result.StandardError}\n{Diagnostics()}");
        return result;
    }

    /// <summary>Stack counters, faults and the trace tail, for failure messages.</summary>
    public string Diagnostics()
    {
        var stats = Stack.Stats;
        string faults = Faults is null ? "none" : $"out {Faults.Outbound}; in {Faults.Inbound}";
        string trace;
        if (_loop is not null)
        {
            trace = _loop.TraceTail();
        }
        else
        {
            lock (_runnerTrace)
                trace = string.Join('\n', _runnerTrace.TakeLast(80));
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"stack: tcp in {stats.TcpSegmentsIn} out {stats.TcpSegmentsOut}, drops {stats.Drops}, loop error {_loop?.Error?.Message ?? Stack.LoopError?.Message}\nfaults: {faults}\ntrace:\n{trace}");
    }

    /// <summary>Measures <paramref name="action"/> and returns MB/s for <paramref name="bytes"/> (for the report, not asserted).</summary>
    public static async Task<double> TimedAsync(long bytes, Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        return bytes / 1e6 / Math.Max(watch.Elapsed.TotalSeconds, 1e-6);
    }

    public async ValueTask DisposeAsync()
    {
        if (_loop is not null)
            await _loop.DisposeAsync();
        else
            await Stack.DisposeAsync();
        Net.Dispose();
        try
        {
            Directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
