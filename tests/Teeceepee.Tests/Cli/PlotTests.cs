using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Xml.Linq;
using PacketDotNet;
using SkiaSharp;
using Teeceepee.Cli;
using Teeceepee.Cli.Commands;
using Teeceepee.Cli.Network;
using Teeceepee.Cli.Options;
using Teeceepee.Cli.Plot;
using Teeceepee.Links;
using Teeceepee.Tcp;
using Teeceepee.Tests.Stack;

namespace Teeceepee.Tests.Cli;

/// <summary><c>teeceepee plot</c> on captures with injected loss, and <c>--plot</c> on the stack.</summary>
public sealed class PlotTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"teeceepee-plot-{Guid.NewGuid():N}");

    public PlotTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// A 300 kB transfer from A to B with 4 % loss both ways, captured between A's stack and the loss (so the capture holds
    /// every segment A sent, lost ones included). Returns the capture and A's own retransmission count.
    /// </summary>
    private static async Task<(byte[] Pcap, long SenderRetransmits)> CaptureLossyTransferAsync(int seed)
    {
        var capture = new MemoryStream();
        PcapWriter? writer = null;
        var faults = new FaultOptions { Loss = 0.04, Delay = TimeSpan.FromMilliseconds(5) };
        await using (var sim = new Simulation(faults: faults, seed: seed, wrapA: link => writer = new PcapWriter(link, capture, leaveOpen: true)))
        {
            var listener = sim.B.Tcp.Listen(new TcpEndpoint(Simulation.AddressB, 80));
            var client = sim.A.Tcp.Connect(sim.Now, Simulation.AddressA, new TcpEndpoint(Simulation.AddressB, 80));
            Tcb? server = null;
            Assert.True(sim.RunUntil(() => listener.TryAccept(out server), TimeSpan.FromSeconds(30)));
            var data = RandomNumberGenerator.GetBytes(300_000);
            var received = sim.Transfer(client, server!, data, TimeSpan.FromSeconds(120));
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
            writer!.Flush();
            return (capture.ToArray(), client.GetInfo().Retransmits);
        }
    }

    /// <summary>The oracle: PacketDotNet decodes the frames; a segment is a retransmission when it starts below the highest sequence number sent before.</summary>
    private static List<double> RetransmissionTimes(byte[] pcap, string sender)
    {
        var times = new List<double>();
        bool started = false;
        uint isn = 0;
        long highest = 0;
        double first = double.NaN;
        for (int offset = 24; offset + 16 <= pcap.Length;)
        {
            double time = BinaryPrimitives.ReadUInt32LittleEndian(pcap.AsSpan(offset)) + BinaryPrimitives.ReadUInt32LittleEndian(pcap.AsSpan(offset + 4)) / 1e6;
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(pcap.AsSpan(offset + 8));
            var frame = pcap.AsSpan(offset + 16, length).ToArray();
            offset += 16 + length;
            if (double.IsNaN(first))
                first = time;
            if (Packet.ParsePacket(LinkLayers.Ethernet, frame) is not EthernetPacket { PayloadPacket: IPv4Packet { PayloadPacket: PacketDotNet.TcpPacket tcp } ip }
                || ip.SourceAddress.ToString() != sender)
            {
                continue;
            }
            if (!started)
            {
                started = true;
                isn = tcp.SequenceNumber;
            }
            long seq = unchecked(tcp.SequenceNumber - isn);
            int occupied = tcp.PayloadData.Length + (tcp.Synchronize ? 1 : 0) + (tcp.Finished ? 1 : 0);
            if (occupied == 0)
                continue;
            if (seq < highest)
                times.Add(time - first);
            highest = Math.Max(highest, seq + occupied);
        }
        return times;
    }

    private static void AssertPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], bytes[..8]);
        using var bitmap = SKBitmap.Decode(bytes);
        Assert.NotNull(bitmap);
        Assert.Equal(FlowPlotter.Width, bitmap.Width);
        Assert.Equal(FlowPlotter.Height, bitmap.Height);
    }

    private static XDocument AssertSvg(string path)
    {
        var svg = XDocument.Load(path);
        Assert.Equal(XName.Get("svg", "http://www.w3.org/2000/svg"), svg.Root!.Name);
        return svg;
    }

    [Fact]
    public async Task Analyzer_CaptureWithInjectedLoss_FindsEveryRetransmissionTheCaptureHas()
    {
        var (pcap, senderRetransmits) = await CaptureLossyTransferAsync(seed: 3);
        var oracle = RetransmissionTimes(pcap, "198.18.0.1");
        Assert.NotEmpty(oracle);
        // The capture sits before the loss: every retransmission the sender counted is on it.
        Assert.Equal(senderRetransmits, oracle.Count);

        var analysis = TcpCaptureAnalyzer.Analyze(PcapReader.Read(new MemoryStream(pcap)));
        var connection = Assert.Single(analysis.Connections);
        Assert.Equal("198.18.0.1", connection.Forward.Sender.Split(':')[0]);
        var flow = connection.Forward;
        Assert.Equal(oracle.Count, flow.Retransmissions);
        var found = flow.Segments.Where(s => s.Retransmission).Select(s => s.Time).ToList();
        Assert.Equal(oracle.Count, found.Count);
        for (int i = 0; i < found.Count; i++)
            Assert.Equal(oracle[i], found[i], 5);
        Assert.Equal(1 + 300_000, flow.HighestSeq); // the SYN, then every octet (no FIN yet)
        Assert.True(flow.Acks.Count > 50, $"{flow.Acks.Count} ACKs");
        Assert.Contains(flow.Acks, a => a.Sack.Length > 0); // loss makes the receiver report SACK blocks
        // Every round-trip sample includes the 10 ms the injected delay adds (5 ms each way).
        Assert.NotEmpty(flow.RttSamples);
        Assert.All(flow.RttSamples, s => Assert.True(s.Seconds >= 0.0099, $"{s.Seconds}"));
    }

    [Fact]
    public async Task PlotCommand_CaptureWithInjectedLoss_WritesValidPngAndSvgMarkingTheRetransmissions()
    {
        var (pcap, _) = await CaptureLossyTransferAsync(seed: 5);
        int retransmissions = RetransmissionTimes(pcap, "198.18.0.1").Count;
        Assert.True(retransmissions > 0);
        string path = Path.Combine(_directory, "lossy.pcap");
        await File.WriteAllBytesAsync(path, pcap);
        var output = new StringWriter();
        var context = new CliContext { Out = output, OutStream = Stream.Null, Error = new StringWriter() };

        int code = await CliApp.RunAsync(["plot", path, "-o", Path.Combine(_directory, "out")], context);

        Assert.Equal(0, code);
        Assert.Contains($"conn1 198.18.0.1:", output.ToString());
        Assert.Contains($"{retransmissions} retransmissions", output.ToString());
        var files = Directory.GetFiles(Path.Combine(_directory, "out")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(6, files.Length); // only A sent data: three figures, two formats
        foreach (string kind in new[] { "tseq", "throughput", "rtt" })
        {
            string prefix = Path.Combine(_directory, "out", files.Single(f => f!.EndsWith($"-{kind}.png", StringComparison.Ordinal))![..^4]);
            AssertPng(prefix + ".png");
            AssertSvg(prefix + ".svg");
        }
        string tseq = File.ReadAllText(Path.Combine(_directory, "out", files.Single(f => f!.EndsWith("-tseq.svg", StringComparison.Ordinal))!));
        Assert.Contains($"retransmissions ({retransmissions})", tseq);
        Assert.Contains("SACK blocks", tseq);
        Assert.Contains("receive window", tseq);
    }

    [Fact]
    public async Task PlotCommand_NotAPcap_IsAUsageErrorNamingTheFile()
    {
        string path = Path.Combine(_directory, "junk.pcap");
        await File.WriteAllBytesAsync(path, new byte[100]);
        var error = new StringWriter();
        var context = new CliContext { Out = new StringWriter(), OutStream = Stream.Null, Error = error };

        Assert.Equal(ExitCodes.Usage, await CliApp.RunAsync(["plot", path], context));
        Assert.Contains($"{path}: not a pcap file (magic 0x00000000)", error.ToString());
        Assert.Equal(ExitCodes.Usage, await CliApp.RunAsync(["plot", Path.Combine(_directory, "missing.pcap")], context));
        Assert.Contains("no such capture file", error.ToString());
    }

    [Fact]
    public async Task PcapReader_FileCutInsideAFrame_KeepsTheFramesBefore()
    {
        var (pcap, _) = await CaptureLossyTransferAsync(seed: 3);
        var whole = PcapReader.Read(new MemoryStream(pcap));
        var cut = PcapReader.Read(new MemoryStream(pcap[..^10]));
        Assert.False(whole.Truncated);
        Assert.True(cut.Truncated);
        Assert.Equal(whole.Records.Count - 1, cut.Records.Count);
        Assert.Equal(PcapReader.LinkTypeEthernet, cut.LinkType);
    }

    [Fact]
    public async Task TcpProbeRecorder_LossyTransfer_DrawsCwndAndRttPerConnection()
    {
        var recorder = new TcpProbeRecorder(Path.Combine(_directory, "stack"));
        var faults = new FaultOptions { Loss = 0.04, Delay = TimeSpan.FromMilliseconds(5) };
        await using (var sim = new Simulation(faults: faults, seed: 3, configureA: o => o with { TcpProbe = recorder }))
        {
            var listener = sim.B.Tcp.Listen(new TcpEndpoint(Simulation.AddressB, 80));
            var client = sim.A.Tcp.Connect(sim.Now, Simulation.AddressA, new TcpEndpoint(Simulation.AddressB, 80));
            Tcb? server = null;
            Assert.True(sim.RunUntil(() => listener.TryAccept(out server), TimeSpan.FromSeconds(30)));
            var data = new byte[200_000];
            Assert.Equal(data.Length, sim.Transfer(client, server!, data, TimeSpan.FromSeconds(120)).Length);
        }

        Assert.Equal(1, recorder.ConnectionCount);
        var files = recorder.Write();
        Assert.Equal(5, files.Count);
        foreach (string file in files)
        {
            if (file.EndsWith(".png", StringComparison.Ordinal))
                AssertPng(file);
            else if (file.EndsWith(".svg", StringComparison.Ordinal))
                AssertSvg(file);
        }
        // The CSV: a header and one line per sample, each with the controller's phase (CUBIC's here).
        string[] csv = File.ReadAllLines(files.Single(f => f.EndsWith("-probe.csv", StringComparison.Ordinal)));
        Assert.StartsWith("time_s,phase,cwnd,inflight,", csv[0]);
        Assert.True(csv.Length > 20, $"{csv.Length} lines");
        Assert.All(csv.Skip(1), line => Assert.Equal(12, line.Split(',').Length));
        string[] cubicPhases = ["slow-start", "conservative-slow-start", "congestion-avoidance", "recovery", "loss"];
        Assert.All(csv.Skip(1), line => Assert.Contains(line.Split(',')[1], cubicPhases));
        string cwnd = File.ReadAllText(files.Single(f => f.EndsWith("-cwnd.svg", StringComparison.Ordinal)));
        Assert.Contains("cwnd", cwnd);
        Assert.Contains("ssthresh", cwnd);
        Assert.Contains("RTT samples", File.ReadAllText(files.Single(f => f.EndsWith("-rtt.svg", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task PlotOption_OnTheStackNetwork_WritesThePlotsAtExit()
    {
        string plots = Path.Combine(_directory, "net");
        var options = new LinkOptions { Kind = LinkKind.Tap, Device = "mem-a", Address = IPAddress.Parse("198.18.0.2"), PrefixLength = 24, Seed = 1, PlotDirectory = plots };
        var (first, second) = MemoryLink.CreatePair();
        var a = TeeceepeeNetwork.FromLink(first, options, null);
        await using (var b = TeeceepeeNetwork.FromLink(second, options with { Device = "mem-b", Address = IPAddress.Parse("198.18.0.1"), Seed = 2, PlotDirectory = null }, null))
        {
            await using var listener = await b.ListenAsync(new IPEndPoint(IPAddress.Parse("198.18.0.1"), 8080), 4, CancellationToken.None);
            var accept = listener.AcceptAsync(CancellationToken.None);
            await using (var connection = await a.ConnectAsync(new IPEndPoint(IPAddress.Parse("198.18.0.1"), 8080), CancellationToken.None))
            {
                await using var peer = await accept;
                await connection.Stream.WriteAsync(new byte[100_000]);
                var buffer = new byte[65536];
                int total = 0;
                while (total < 100_000)
                    total += await peer.Stream.ReadAsync(buffer);
            }
            await a.DisposeAsync();
        }

        var files = Directory.GetFiles(plots).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(5, files.Length);
        Assert.All(files, f => Assert.StartsWith("stack-conn1-198.18.0.2_", f));
        Assert.Contains(files, f => f!.EndsWith("-probe.csv", StringComparison.Ordinal));
        Assert.Contains(files, f => f!.EndsWith("-cwnd.png", StringComparison.Ordinal));
        Assert.Contains(files, f => f!.EndsWith("-rtt.svg", StringComparison.Ordinal));
    }

    [Fact]
    public void PlotOption_IsALinkOption()
    {
        var set = new LinkOptionSet();
        var command = new System.CommandLine.Command("x");
        set.AddTo(command);
        var parsed = set.Read(command.Parse(["--tap", "tap9", "--ip", "198.18.0.2/24", "--plot", "/tmp/p"]), new Fakes.FakeProbe(), requireLink: true);
        Assert.Equal("/tmp/p", parsed.PlotDirectory);
    }
}
