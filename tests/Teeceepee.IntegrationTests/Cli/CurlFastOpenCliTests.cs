using System.Security.Cryptography;
using System.Text;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// <c>teeceepee curl --tcp-fastopen</c> against the kernel (RFC 7413): a private namespace holds tap0 (kernel side
/// 198.18.0.1/24, <c>net.ipv4.tcp_fastopen=3</c>) and a python http.server whose listener sets TCP_FASTOPEN; tshark
/// captures tap0. The first run asks for a cookie and keeps it in a file; the second sends its request in the SYN.
/// </summary>
public sealed class CurlFastOpenCliTests : IAsyncLifetime
{
    private CliNamespace _ns = null!;
    private string _work = null!;
    private byte[] _file = null!;

    public async Task InitializeAsync()
    {
        _ns = await CliNamespace.CreateAsync();
        _work = Directory.CreateTempSubdirectory($"tcpcli-tfo-{Environment.ProcessId}-").FullName;
        try
        {
            await StackCliTests.AddTap(_ns);
            var sysctl = await _ns.Exec("sysctl", "-qw", "net.ipv4.tcp_fastopen=3");
            Assert.True(sysctl.ExitCode == 0, sysctl.Stderr);
            _file = RandomNumberGenerator.GetBytes(50_000);
            Directory.CreateDirectory(Path.Combine(_work, "site"));
            await File.WriteAllBytesAsync(Path.Combine(_work, "site", "file"), _file);
            // TCP_FASTOPEN (23) on the listener: the kernel then takes data in SYNs that carry a valid cookie.
            await _ns.StartBackground("ready", "python3", "-u", "-c",
                "import http.server,functools,socket\n" +
                "class S(http.server.ThreadingHTTPServer):\n" +
                "    def server_bind(self):\n" +
                "        self.socket.setsockopt(socket.IPPROTO_TCP, 23, 16)\n" +
                "        super().server_bind()\n" +
                $"h=functools.partial(http.server.SimpleHTTPRequestHandler, directory='{Path.Combine(_work, "site")}')\n" +
                "s=S(('198.18.0.1', 8000), h)\nprint('ready', flush=True)\ns.serve_forever()");
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _ns.DisposeAsync();
        Directory.Delete(_work, true);
    }

    private Task<ProcessResult> Curl(string cookies, string output, bool fastOpen) =>
        _ns.Exec(["env", $"TEECEEPEE_FASTOPEN_COOKIES={cookies}", CliNamespace.Dotnet, CliNamespace.CliAssembly,
            "curl", "--tap", "tap0", "--ip", "198.18.0.2/24", "-sS", "-o", output, .. (fastOpen ? new[] { "--tcp-fastopen" } : []),
            "http://198.18.0.1:8000/file"]);

    [CliNamespaceTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Curl_TwoRuns_SecondSynCarriesTheRequestOnlyWithFastOpen(bool fastOpen)
    {
        string pcap = Path.Combine(_work, "tap0.pcap");
        string pidFile = Path.Combine(_work, "tshark.pid");
        string cookies = Path.Combine(_work, "cookies");
        await _ns.StartBackground("ready", "sh", "-c", $"tshark -i tap0 -w {pcap} -q 2>/dev/null & echo $! > {pidFile}; while [ ! -s {pcap} ]; do sleep 0.1; done; sleep 0.5; echo ready; wait");

        for (int run = 0; run < 2; run++)
        {
            string output = Path.Combine(_work, $"out{run}");
            var result = await Curl(cookies, output, fastOpen);
            Assert.True(result.ExitCode == 0, $"run {run}: exit {result.ExitCode}: {result.Stderr}");
            Assert.Equal(Convert.ToHexString(SHA256.HashData(_file)), Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(output))));
        }
        await Task.Delay(500);
        await _ns.Exec("kill", "-INT", (await File.ReadAllTextAsync(pidFile)).Trim());
        await Task.Delay(1000);

        // SYNs from the stack: their TCP payload (hex) and whether they carry a Fast Open option (kind 34).
        var syns = await _ns.Exec("tshark", "-r", pcap, "-Y", "tcp.flags.syn==1 && tcp.flags.ack==0 && ip.src==198.18.0.2",
            "-T", "fields", "-e", "tcp.len", "-e", "tcp.payload", "-e", "tcp.option_kind");
        Assert.True(syns.ExitCode == 0, syns.Stderr);
        var lines = syns.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 2, $"SYNs seen: [{string.Join(" | ", lines)}]");
        var withData = lines.Where(l => !l.StartsWith("0\t", StringComparison.Ordinal)).ToList();
        if (!fastOpen)
        {
            Assert.Empty(withData);
            Assert.DoesNotContain(lines, l => l.Split('\t')[2].Split(',').Contains("34"));
            return;
        }
        // Run 1: an empty SYN with a cookie request; run 2: the HTTP request in the SYN (RFC 7413 §4.2.1).
        Assert.StartsWith("0\t", lines[0], StringComparison.Ordinal);
        Assert.Contains("34", lines[0].Split('\t')[2].Split(','));
        Assert.Single(withData);
        Assert.Same(lines[1], withData[0]);
        var request = Encoding.ASCII.GetString(Convert.FromHexString(withData[0].Split('\t')[1].Replace(":", "", StringComparison.Ordinal)));
        Assert.StartsWith("GET /file HTTP/1.1\r\n", request, StringComparison.Ordinal);
        // The kernel took the data: its SYN-ACK acknowledges the SYN and the request (ack = ISN + 1 + length).
        var synAck = await _ns.Exec("tshark", "-r", pcap, "-Y", "tcp.flags.syn==1 && tcp.flags.ack==1 && ip.src==198.18.0.1",
            "-T", "fields", "-e", "tcp.ack");
        var acks = synAck.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(acks.Length == 2, $"SYN-ACKs seen: [{string.Join(" | ", acks)}]");
        int length = int.Parse(withData[0].Split('\t')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal((1 + length).ToString(System.Globalization.CultureInfo.InvariantCulture), acks[1].Trim());
    }
}
