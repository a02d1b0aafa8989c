using System.Globalization;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Links;
using Teeceepee.Tcp;
using Xunit.Abstractions;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>
/// ECN (RFC 3168) and packetization-layer PMTU discovery (RFC 4821) against the kernel, through the FaultInjector's
/// path emulation on the stack's link; a capture on the kernel's TAP shows what went over the wire.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class KernelPathSignalTests(ITestOutputHelper output)
{
    private const int Size = 4 * 1024 * 1024;

    /// <summary>Counts the packets of a capture that match a display filter.</summary>
    private static async Task<int> CountAsync(KernelTcpFixture fx, string pcap, string filter)
    {
        var result = await fx.KernelAsync($"tshark -r {pcap} -Y '{filter}' 2>/dev/null | wc -l", TimeSpan.FromSeconds(60));
        return int.Parse(result.StandardOutput.Trim(), CultureInfo.InvariantCulture);
    }

    private static async Task<NamespaceProcess> CaptureAsync(KernelTcpFixture fx, string pcap)
    {
        // -U: every packet is written at once, so killing tcpdump loses nothing.
        var tcpdump = fx.Net.StartProcess($"tcpdump -U -n -s 128 -i {fx.Net.KernelDevice} -w {pcap} tcp");
        await tcpdump.WaitForOutputAsync("listening on", TimeSpan.FromSeconds(10));
        return tcpdump;
    }

    [NetworkFact]
    public async Task Ecn_KernelAsksAndPathMarks_EceAndCwrBothWays_NoRetransmission()
    {
        // 50 Mbit/s each way, 10 ms RTT, a queue deep enough never to drop, CE above 30 KB of queue.
        var path = new FaultOptions
        {
            RateBitsPerSecond = 50_000_000,
            Delay = TimeSpan.FromMilliseconds(5),
            QueueBytes = 1_000_000,
            EcnThresholdBytes = 30_000,
        };
        await using var fx = KernelTcpFixture.Create(path, seed: 5, options => options with { Ecn = EcnMode.On });
        await fx.KernelAsync("sysctl -qw net.ipv4.tcp_ecn=1", TimeSpan.FromSeconds(10));
        string pcap = fx.PathOf("ecn.pcap");
        using var tcpdump = await CaptureAsync(fx, pcap);

        // The stack sends (kernel curl downloads), then receives (kernel socat uploads).
        var body = fx.WriteFile("big", Size, 31);
        var server = fx.Loop.Add(new HttpServerApp(fx.Loop, 8080, new Dictionary<string, byte[]> { ["/big"] = body }));
        await server.Listening;
        var result = await fx.KernelAsync("curl -sS --fail -m 120 http://198.18.0.2:8080/big | sha256sum", TimeSpan.FromSeconds(130));
        Assert.StartsWith(KernelTcpFixture.Sha256(body), result.StandardOutput, StringComparison.Ordinal);
        var data = fx.WriteFile("up", Size, 32);
        var sink = fx.Loop.Add(new SinkServerApp(fx.Loop, 9000));
        await sink.Listening;
        await fx.KernelAsync($"socat -u FILE:{fx.PathOf("up")} TCP:198.18.0.2:9000", TimeSpan.FromSeconds(120));
        var received = await sink.First.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(KernelTcpFixture.Sha256(data), received.Sha256);
        await Task.Delay(200);
        tcpdump.Dispose();

        const string stack = "ip.src==198.18.0.2";
        const string kernel = "ip.src==198.18.0.1";
        int kernelEcnSyns = await CountAsync(fx, pcap, $"{kernel} && tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.flags.ece==1 && tcp.flags.cwr==1");
        int stackEcnSynAcks = await CountAsync(fx, pcap, $"{stack} && tcp.flags.syn==1 && tcp.flags.ack==1 && tcp.flags.ece==1 && tcp.flags.cwr==0");
        int stackEct = await CountAsync(fx, pcap, $"{stack} && ip.dsfield.ecn==2 && tcp.len>0");
        int stackCe = await CountAsync(fx, pcap, $"{stack} && ip.dsfield.ecn==3");
        int kernelEce = await CountAsync(fx, pcap, $"{kernel} && tcp.flags.syn==0 && tcp.flags.ece==1");
        int stackCwr = await CountAsync(fx, pcap, $"{stack} && tcp.flags.syn==0 && tcp.flags.cwr==1");
        int stackEce = await CountAsync(fx, pcap, $"{stack} && tcp.flags.syn==0 && tcp.flags.ece==1");
        int kernelCwr = await CountAsync(fx, pcap, $"{kernel} && tcp.flags.syn==0 && tcp.flags.cwr==1");
        int retransmissions = await CountAsync(fx, pcap, "tcp.analysis.retransmission || tcp.analysis.fast_retransmission");
        var stats = fx.Stack.Stats;
        output.WriteLine($"kernel ECN SYNs {kernelEcnSyns}, stack ECN SYN-ACKs {stackEcnSynAcks}, stack ECT {stackEct} CE {stackCe}; " +
            $"kernel ECE {kernelEce} -> stack CWR {stackCwr}; stack ECE {stackEce} -> kernel CWR {kernelCwr}; retransmissions {retransmissions} " +
            $"(stack {stats.TcpRetransmissions}); faults out {fx.Faults!.Outbound}; in {fx.Faults.Inbound}");

        Assert.Equal(2, kernelEcnSyns);
        Assert.Equal(2, stackEcnSynAcks);
        Assert.True(stackEct > 0, "the stack's data was not ECT(0)");
        Assert.True(stackCe > 0, "nothing the stack sent was marked CE");
        Assert.True(kernelEce > 0, "the kernel did not echo CE");
        Assert.True(stackCwr > 0, "the stack did not answer ECE with CWR");
        Assert.True(fx.Faults.Inbound.EcnMarked > 0, "nothing the kernel sent was marked CE");
        Assert.True(stackEce > 0, "the stack did not echo CE");
        Assert.True(kernelCwr > 0, "the kernel did not answer the stack's ECE with CWR");
        Assert.Equal(0, fx.Faults.Outbound.QueueDropped + fx.Faults.Inbound.QueueDropped);
        Assert.Equal(0, retransmissions);
        Assert.Equal(0, stats.TcpRetransmissions);
    }

    [NetworkFact]
    public async Task BlackHole1400_NoIcmp_StackFindsThePathMtuAndDeliversByteExact()
    {
        // Packets over 1400 octets vanish both ways without an ICMP error; the kernel's SYN still offers MSS 1460.
        var path = new FaultOptions { RateBitsPerSecond = 50_000_000, Delay = TimeSpan.FromMilliseconds(5), QueueBytes = 200_000, BlackHoleMtu = 1400 };
        await using var fx = KernelTcpFixture.Create(path, seed: 6);
        string pcap = fx.PathOf("pmtu.pcap");
        using var tcpdump = await CaptureAsync(fx, pcap);
        var body = fx.WriteFile("big", 2 * Size, 33);
        var server = fx.Loop.Add(new HttpServerApp(fx.Loop, 8080, new Dictionary<string, byte[]> { ["/big"] = body }));
        await server.Listening;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await fx.KernelAsync("curl -sS --fail -m 60 http://198.18.0.2:8080/big | sha256sum", TimeSpan.FromSeconds(70));
        double seconds = watch.Elapsed.TotalSeconds;
        Assert.StartsWith(KernelTcpFixture.Sha256(body), result.StandardOutput, StringComparison.Ordinal);
        await Task.Delay(200);
        tcpdump.Dispose();

        // What got through from the stack: first 1280-octet packets (the base after the black hole), then probes upward.
        int baseSize = await CountAsync(fx, pcap, "ip.src==198.18.0.2 && ip.len==1280");
        int probedUp = await CountAsync(fx, pcap, "ip.src==198.18.0.2 && ip.len>1380 && ip.len<=1400");
        int largest = await CountAsync(fx, pcap, "ip.src==198.18.0.2 && ip.len>1400");
        int df = await CountAsync(fx, pcap, "ip.src==198.18.0.2 && tcp.len>0 && ip.flags.df==1");
        int notDf = await CountAsync(fx, pcap, "ip.src==198.18.0.2 && tcp.len>0 && ip.flags.df==0");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{2 * Size} octets in {seconds:F2} s ({2 * Size * 8 / seconds / 1e6:F1} Mbit/s incl. curl start); packets of 1280: {baseSize}, 1381-1400: {probedUp}, >1400 seen: {largest}; DF {df} not DF {notDf}; faults {fx.Faults!.Outbound}"));
        Assert.True(fx.Faults.Outbound.BlackHoled > 0, "nothing was black-holed: the test proves nothing");
        Assert.True(baseSize > 0, "no fallback to the base size");
        Assert.True(probedUp > baseSize, "the search did not settle near 1400");
        Assert.Equal(0, largest);
        Assert.Equal(0, notDf); // RFC 1191: DF on every TCP segment
    }
}
