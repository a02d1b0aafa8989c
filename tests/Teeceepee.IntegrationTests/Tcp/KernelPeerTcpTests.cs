using System.Globalization;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Tcp;
using Xunit.Abstractions;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>
/// The Linux kernel as the TCP peer (issue 4 item 9), over a TAP device in a private namespace: kernel
/// curl fetches from the stack, the stack fetches from python's http.server and nginx, socat uploads to
/// the stack, half-close, RST for closed ports, refused and timed-out connects. Each transfer compares
/// SHA-256 on both sides; every test runs on a clean link and again with 2 % loss, 2 % reorder,
/// 1 % duplicates and 0.5 % corruption on the stack's link, both directions.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class KernelPeerTcpTests(ITestOutputHelper output)
{
    private const ushort HttpPort = 8080;
    private const int MiB = 1024 * 1024;

    public static TheoryData<int, bool> ServeSizes => new()
    {
        { 0, false }, { 1, false }, { MiB, false },
        { 0, true }, { 1, true }, { MiB, true },
    };

    [NetworkTheory]
    [MemberData(nameof(ServeSizes))]
    public async Task KernelCurl_FetchesFromStack_ByteExact(int size, bool faults)
    {
        await using var fx = KernelTcpFixture.Create(faults);
        var body = fx.WriteFile("f", size, size);
        var server = fx.Loop.Add(new HttpServerApp(fx.Loop, HttpPort, new Dictionary<string, byte[]> { ["/f"] = body }));
        await server.Listening;

        var result = await fx.KernelAsync($"curl -sS --fail -m 60 -o {fx.PathOf("got")} http://198.18.0.2:{HttpPort}/f && sha256sum {fx.PathOf("got")}", TimeSpan.FromSeconds(90));

        Assert.StartsWith(KernelTcpFixture.Sha256(body), result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(size, new FileInfo(fx.PathOf("got")).Length);
    }

    [NetworkTheory]
    [InlineData(100, false)]
    [InlineData(20, true)] // 2 % loss and reordering both ways: the stack's sender ran ~4 MB/s before RFC 6675/PRR/TLP, ~15-20 after
    public async Task KernelCurl_LargeFile_FromStack_ByteExact(int mebibytes, bool faults)
    {
        await using var fx = KernelTcpFixture.Create(faults);
        var body = fx.WriteFile("big", mebibytes * MiB, 100);
        var server = fx.Loop.Add(new HttpServerApp(fx.Loop, HttpPort, new Dictionary<string, byte[]> { ["/big"] = body }));
        await server.Listening;

        CommandResult? result = null;
        double rate = await KernelTcpFixture.TimedAsync(body.Length, async () =>
            result = await fx.KernelAsync($"curl -sS --fail -m 300 http://198.18.0.2:{HttpPort}/big | sha256sum", TimeSpan.FromSeconds(320)));

        output.WriteLine($"{mebibytes} MiB stack -> kernel curl, faults {faults}: {rate:F1} MB/s");
        Assert.StartsWith(KernelTcpFixture.Sha256(body), result!.StandardOutput, StringComparison.Ordinal);
    }

    [NetworkTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HundredConcurrentKernelCurls_AllByteExact(bool faults)
    {
        await using var fx = KernelTcpFixture.Create(faults);
        var body = fx.WriteFile("f", 200_000, 7);
        var server = fx.Loop.Add(new HttpServerApp(fx.Loop, HttpPort, new Dictionary<string, byte[]> { ["/f"] = body }));
        await server.Listening;

        var result = await fx.KernelAsync(
            $"seq 100 | xargs -P 100 -I{{}} sh -c 'curl -sS --fail -m 120 http://198.18.0.2:{HttpPort}/f | sha256sum'",
            TimeSpan.FromSeconds(180));

        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(100, lines.Length);
        string expected = KernelTcpFixture.Sha256(body);
        Assert.All(lines, line => Assert.StartsWith(expected, line, StringComparison.Ordinal));
        Assert.Equal(0, server.Failed);
    }

    public static TheoryData<string, int, bool> FetchCases()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (var server in new[] { "python", "nginx" })
        {
            foreach (bool faults in new[] { false, true })
            {
                foreach (int size in new[] { 0, 1, MiB })
                    data.Add(server, size, faults);
            }
            data.Add(server, 100 * MiB, false);
        }
        data.Add("nginx", 100 * MiB, true);
        return data;
    }

    [NetworkTheory]
    [MemberData(nameof(FetchCases))]
    public async Task StackGet_FromKernelServer_ByteExact(string kind, int size, bool faults)
    {
        await using var fx = KernelTcpFixture.Create(faults);
        var www = Directory.CreateDirectory(fx.PathOf("www"));
        File.SetUnixFileMode(www.FullName, (UnixFileMode)0b111_101_101);
        var body = fx.WriteFile("www/f", size, size + 1);
        ushort port = StartKernelServer(fx, kind);
        await fx.Net.WaitForTcpListenerAsync(port, TimeSpan.FromSeconds(15));

        var get = fx.Loop.Add(new HttpGetApp(fx.Loop, new TcpEndpoint(PeerAddresses.Kernel, port), "/f"));
        StreamResult? result = null;
        double rate = await KernelTcpFixture.TimedAsync(size, async () => result = await get.Result.WaitAsync(TimeSpan.FromSeconds(300)));

        output.WriteLine($"{kind} -> stack GET {size} B, faults {faults}: {rate:F1} MB/s");
        Assert.True(result!.Error == TcpError.None, $"{result}\n{fx.Diagnostics()}");
        Assert.Contains(" 200 ", result.Detail, StringComparison.Ordinal);
        Assert.Equal(size, result.Bytes);
        Assert.Equal(KernelTcpFixture.Sha256(body), result.Sha256);
    }

    public static TheoryData<int, bool> UploadCases => new() { { 100 * MiB, false }, { 10 * MiB, true }, { 100 * MiB, true } };

    [NetworkTheory]
    [MemberData(nameof(UploadCases))]
    public async Task KernelSocatUpload_ToStack_ByteExact(int size, bool faults)
    {
        await using var fx = KernelTcpFixture.Create(faults);
        var data = fx.WriteFile("up", size, 3);
        var sink = fx.Loop.Add(new SinkServerApp(fx.Loop, 9000));
        await sink.Listening;

        StreamResult? result = null;
        double rate = await KernelTcpFixture.TimedAsync(size, async () =>
        {
            await fx.KernelAsync($"socat -u FILE:{fx.PathOf("up")} TCP:198.18.0.2:9000", TimeSpan.FromSeconds(300));
            result = await sink.First.WaitAsync(TimeSpan.FromSeconds(60));
        });

        output.WriteLine($"socat upload {size} B -> stack, faults {faults}: {rate:F1} MB/s");
        Assert.True(result!.Error == TcpError.None, $"{result}\n{fx.Diagnostics()}");
        Assert.Equal(size, result.Bytes);
        Assert.Equal(KernelTcpFixture.Sha256(data), result.Sha256);
    }

    [NetworkTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HalfClose_KernelShutsDownWrite_StackStillAnswers_ThenCloses(bool faults)
    {
        // RFC 9293 §3.6: the kernel's FIN puts the stack in CLOSE-WAIT, from where it still sends its
        // whole reply before its own FIN; socat half-closes on stdin EOF and prints the reply until our FIN.
        await using var fx = KernelTcpFixture.Create(faults);
        var request = fx.WriteFile("req", 50_000, 11);
        var reply = new byte[700_000];
        new Random(12).NextBytes(reply);
        var sink = fx.Loop.Add(new SinkServerApp(fx.Loop, 9001) { Reply = reply });
        await sink.Listening;

        var result = await fx.KernelAsync($"socat -t 30 - TCP:198.18.0.2:9001 < {fx.PathOf("req")} | sha256sum", TimeSpan.FromSeconds(60));
        var received = await sink.First.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(request.Length, received.Bytes);
        Assert.Equal(KernelTcpFixture.Sha256(request), received.Sha256);
        Assert.StartsWith(KernelTcpFixture.Sha256(reply), result.StandardOutput, StringComparison.Ordinal);
    }

    [NetworkTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task KernelCurl_ToClosedStackPort_IsRefusedFast(bool faults)
    {
        // RFC 9293 §3.10.7.1: a SYN to a port nobody listens on gets <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>.
        await using var fx = KernelTcpFixture.Create(faults);
        var result = await fx.KernelAsync("start=$(date +%s%N); curl -sS -m 10 http://198.18.0.2:9999/; rc=$?; echo rc=$rc ms=$(( ($(date +%s%N) - start) / 1000000 ))",
            TimeSpan.FromSeconds(20), mustSucceed: false);

        Assert.Contains("rc=7", result.StandardOutput, StringComparison.Ordinal);
        // curl only says "Couldn't connect"; socat names the errno, ECONNREFUSED (a RST, not an ICMP error or a timeout).
        var socat = await fx.KernelAsync("socat -u STDIN TCP:198.18.0.2:9999 </dev/null", TimeSpan.FromSeconds(20), mustSucceed: false);
        Assert.Contains("Connection refused", socat.StandardError, StringComparison.Ordinal);
        int ms = int.Parse(result.StandardOutput[(result.StandardOutput.IndexOf("ms=", StringComparison.Ordinal) + 3)..].Trim(), CultureInfo.InvariantCulture);
        // Without faults the first SYN is refused at once; with 2 % loss a retried SYN (1 s) may be needed.
        Assert.InRange(ms, 0, faults ? 3500 : 1000);
        Assert.True(fx.Loop.Stack.Stats.TcpSegmentsOut >= 1);
    }

    [NetworkTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StackConnect_ToClosedKernelPort_IsConnectionRefused(bool faults)
    {
        await using var fx = KernelTcpFixture.Create(faults);
        var connect = fx.Loop.Add(new ConnectApp(fx.Loop, new TcpEndpoint(PeerAddresses.Kernel, 9)));
        var (state, error, took) = await connect.Result.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(TcpError.ConnectionRefused, error);
        Assert.Equal(TcpState.Closed, state);
        Assert.InRange(took, TimeSpan.Zero, TimeSpan.FromSeconds(faults ? 8 : 2));
    }

    [NetworkTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StackConnect_KernelDropsSyns_TimesOut(bool faults)
    {
        // A kernel listener whose accept queue is full drops further SYNs silently (no RST): our SYN
        // retries back off (1 s, 2 s) and the connect fails with TimedOut (RFC 9293 §3.8.3, R2).
        await using var fx = KernelTcpFixture.Create(faults);
        using var full = fx.Net.StartProcess("/usr/bin/python3 -c \"import socket,time; s=socket.socket(); s.bind(('198.18.0.1', 9100)); s.listen(0); time.sleep(120)\"");
        await fx.Net.WaitForTcpListenerAsync(9100, TimeSpan.FromSeconds(10));
        // Fill the queue from the kernel side itself (the listener never accepts).
        using var filler1 = fx.Net.StartProcess("sleep 1; socat -u TCP:198.18.0.1:9100 STDOUT");
        using var filler2 = fx.Net.StartProcess("sleep 1; socat -u TCP:198.18.0.1:9100 STDOUT");
        await Task.Delay(2500);

        var config = TcpConfig.Default with { SynRetries = 2 };
        var connect = fx.Loop.Add(new ConnectApp(fx.Loop, new TcpEndpoint(PeerAddresses.Kernel, 9100), config));
        var (_, error, took) = await connect.Result.WaitAsync(TimeSpan.FromSeconds(40));

        Assert.Equal(TcpError.TimedOut, error);
        // SYN at 0, retries at 1 s and 3 s, give-up at 7 s.
        Assert.InRange(took, TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(12));
    }

    private static ushort StartKernelServer(KernelTcpFixture fx, string kind)
    {
        string www = fx.PathOf("www");
        if (kind == "python")
        {
            fx.Net.StartProcess($"/usr/bin/python3 -m http.server 8082 --bind 198.18.0.1 --directory {www}");
            return 8082;
        }
        string prefix = fx.PathOf("nginx");
        string conf = ScratchDirectory.WriteNginxConf(prefix, www, 8081);
        fx.Net.StartProcess($"nginx -c {conf} -p {prefix}");
        return 8081;
    }
}
