using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// <c>teeceepee path-emulator</c> between two kernels: the emulator joins two TAPs in a namespace of its own, the TAPs
/// move into two namespaces on one /24, and the kernels' own tools measure what the path gives them: RTT (ping), rate
/// (a timed iperf3 TCP transfer) and loss (counted UDP datagrams), each within a few percent of what was asked.
/// </summary>
public class PathEmulatorAccuracyTests
{
    private const string AddressA = "198.18.9.1";
    private const string AddressB = "198.18.9.2";

    [CliNamespaceFact]
    public async Task RateDelayQueue_KernelsMeasureTheRttAndRateAsked()
    {
        // 20 Mbit/s, 25 ms each way (RTT 50 ms), a queue of 100 ms at the rate (two BDPs: the link stays busy).
        await using var path = await EmulatedPath.StartAsync("--rate", "20mbit", "--queue", "100ms", "--delay", "25", "--seed", "1");

        // RTT: the ARP exchange first (it crosses the path too), then 20 echoes; the serialisation of a 98-octet frame adds 39 µs each way.
        await path.A.Exec("ping", "-c", "2", "-i", "0.1", "-q", AddressB);
        var ping = await path.A.Exec("ping", "-c", "20", "-i", "0.05", AddressB);
        Assert.True(ping.ExitCode == 0, ping.StdoutText + ping.Stderr);
        var rtts = Regex.Matches(ping.StdoutText, @"time=([\d.]+) ms").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Order().ToList();
        Assert.Equal(20, rtts.Count);
        double median = rtts[rtts.Count / 2];
        Assert.True(median >= 50.0 * 0.97 && median <= 50.0 * 1.04, $"median RTT {median} ms of {string.Join(", ", rtts)}");
        Assert.True(rtts[0] >= 50.0, $"an echo came back faster than the path allows: {rtts[0]} ms");

        // Rate: 4 s of bulk TCP from A to B (the first second, slow start, left out). Goodput is the rate times the payload
        // share of a full frame: 1448 of 1514 octets with timestamps.
        await path.B.StartBackground("Server listening", "iperf3", "-s", "-1", "-B", AddressB, "--forceflush");
        var iperf = await path.A.Exec("iperf3", "-c", AddressB, "-t", "4", "-O", "1", "-J");
        Assert.True(iperf.ExitCode == 0, iperf.StdoutText + iperf.Stderr);
        using var report = JsonDocument.Parse(iperf.StdoutText);
        double goodput = report.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble();
        double expected = 20e6 * 1448 / 1514;
        Assert.InRange(goodput, expected * 0.97, expected * 1.03);
    }

    [CliNamespaceFact]
    public async Task LossOneWay_UdpCountShowsTheShareAsked()
    {
        await using var path = await EmulatedPath.StartAsync("--ab-loss", "10%", "--seed", "1");
        await path.A.Exec("ping", "-c", "2", "-i", "0.1", "-q", AddressB);
        const int Count = 20000;
        var receiver = path.B.Exec("python3", "-c",
            "import socket\n"
            + "s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4<<20)\n"
            + $"s.bind(('{AddressB}', 9000)); s.settimeout(30); seen=set()\n"
            + "try:\n  while True:\n    d,_=s.recvfrom(2048); seen.add(int.from_bytes(d[:4],'big')); s.settimeout(2)\nexcept socket.timeout: pass\n"
            + "print(len(seen))");
        await path.WaitForUdpSocketAsync(path.B, 9000);
        // Paced (50 datagrams per 2 ms) so that no queue on the way overflows: every loss is the emulator's.
        var sender = await path.A.Exec("python3", "-c",
            "import socket,time\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            + $"for i in range({Count}):\n  s.sendto(i.to_bytes(4,'big')+b'x'*60, ('{AddressB}', 9000))\n  if i % 50 == 49: time.sleep(0.002)\n");
        Assert.True(sender.ExitCode == 0, sender.Stderr);
        var received = await receiver;
        Assert.True(received.ExitCode == 0, received.Stderr);
        double loss = 1 - int.Parse(received.StdoutText.Trim(), CultureInfo.InvariantCulture) / (double)Count;
        Assert.InRange(loss, 0.10 * 0.95, 0.10 * 1.05);
    }

    /// <summary>The emulator in a namespace of its own with TAPs pa0 and pb0, moved into namespaces A (198.18.9.1) and B (198.18.9.2).</summary>
    private sealed class EmulatedPath : IAsyncDisposable
    {
        private readonly CliNamespace _emulator;

        private EmulatedPath(CliNamespace emulator, CliNamespace a, CliNamespace b)
        {
            _emulator = emulator;
            A = a;
            B = b;
        }

        public CliNamespace A { get; }

        public CliNamespace B { get; }

        public static async Task<EmulatedPath> StartAsync(params string[] pathOptions)
        {
            var emulator = await CliNamespace.CreateAsync();
            var a = await CliNamespace.CreateAsync();
            var b = await CliNamespace.CreateAsync();
            var path = new EmulatedPath(emulator, a, b);
            try
            {
                foreach (var ns in new[] { a, b })
                    await ns.Exec("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
                // The emulator creates both TAPs (they vanish with it); their kernel ends then move out to A and B. It runs at a
                // real-time priority, as netem runs in the kernel: on a loaded machine a timer wake-up can otherwise come
                // milliseconds late, and the delay asked would grow by the scheduler's latency.
                await emulator.StartBackground("path-emulator:",
                    ["chrt", "-f", "10", CliNamespace.Dotnet, CliNamespace.CliAssembly, "path-emulator", "--tap", "pa0", "--tap", "pb0", .. pathOptions]);
                await Checked("ip", "-n", emulator.Name, "link", "set", "pa0", "netns", a.Name);
                await Checked("ip", "-n", emulator.Name, "link", "set", "pb0", "netns", b.Name);
                await Checked("ip", "-n", a.Name, "addr", "add", AddressA + "/24", "dev", "pa0");
                await Checked("ip", "-n", b.Name, "addr", "add", AddressB + "/24", "dev", "pb0");
                await Checked("ip", "-n", a.Name, "link", "set", "pa0", "up");
                await Checked("ip", "-n", b.Name, "link", "set", "pb0", "up");
                return path;
            }
            catch
            {
                await path.DisposeAsync();
                throw;
            }
        }

        public async Task WaitForUdpSocketAsync(CliNamespace ns, int port)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                var ss = await ns.Exec("ss", "-Huln", $"sport = :{port}");
                if (ss.StdoutText.Contains(':' + port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
                    return;
                await Task.Delay(50);
            }
            throw new TimeoutException($"nothing bound UDP port {port} in {ns.Name}");
        }

        private static async Task Checked(params string[] command)
        {
            var result = await CliNamespace.Run(command[0], command[1..]);
            if (result.ExitCode != 0)
                throw new InvalidOperationException($"{string.Join(' ', command)} failed: {result.Stderr}");
        }

        public async ValueTask DisposeAsync()
        {
            await _emulator.DisposeAsync();
            await A.DisposeAsync();
            await B.DisposeAsync();
        }
    }
}
