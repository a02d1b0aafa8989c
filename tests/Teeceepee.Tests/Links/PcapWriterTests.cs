using System.Buffers.Binary;
using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Teeceepee.Links;

namespace Teeceepee.Tests.Links;

public class PcapWriterTests
{
    private static readonly DateTimeOffset s_start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void FileHeader_IsClassicLibpcapLittleEndian()
    {
        var header = new byte[24];
        PcapWriter.WriteFileHeader(header, PcapWriter.LinkTypeEthernet);
        Assert.Equal(Convert.FromHexString("D4C3B2A1" + "02000400" + "00000000" + "00000000" + "00000400" + "01000000"), header);
    }

    [Fact]
    public void Construct_WritesHeaderWithLinkTypeByMedium()
    {
        var (a, b) = MemoryLink.CreatePair(new LinkCapabilities(LinkMedium.IP, 1500), withReadinessFd: false);
        using var far = b;
        var output = new MemoryStream();
        using (var pcap = new PcapWriter(a, output, leaveOpen: true))
            Assert.Equal(PcapWriter.LinkTypeRaw, pcap.LinkType);
        Assert.Equal(24, output.Length);
        Assert.Equal(101u, BinaryPrimitives.ReadUInt32LittleEndian(output.ToArray().AsSpan(20)));
    }

    [Fact]
    public void Frames_BothDirections_RecordedWithStackClockTimestamps()
    {
        var time = new FakeTimeProvider(s_start);
        var (a, b) = MemoryLink.CreatePair(withReadinessFd: false);
        using var far = b;
        var output = new MemoryStream();
        var start = Instant.Now(time);
        using (var pcap = new PcapWriter(a, output, time, leaveOpen: true))
        {
            var sent = TestFrames.Numbered(1, 60);
            Assert.True(pcap.TrySend(start + TimeSpan.FromMilliseconds(1500.25), sent));
            far.TrySend(start, TestFrames.Numbered(2, 70));
            Assert.True(pcap.TryReceive(start + TimeSpan.FromSeconds(3), new byte[1514], out _));
            Assert.Equal(2, pcap.RecordedFrames);
        }
        var bytes = output.ToArray();
        Assert.Equal(24 + 16 + 60 + 16 + 70, bytes.Length);
        long startSeconds = s_start.ToUnixTimeSeconds();
        var first = bytes.AsSpan(24);
        Assert.Equal((uint)(startSeconds + 1), BinaryPrimitives.ReadUInt32LittleEndian(first));
        Assert.Equal(500_250u, BinaryPrimitives.ReadUInt32LittleEndian(first[4..]));
        Assert.Equal(60u, BinaryPrimitives.ReadUInt32LittleEndian(first[8..]));
        Assert.Equal(60u, BinaryPrimitives.ReadUInt32LittleEndian(first[12..]));
        Assert.Equal(1, TestFrames.IdOf(first[16..]));
        var second = bytes.AsSpan(24 + 16 + 60);
        Assert.Equal((uint)(startSeconds + 3), BinaryPrimitives.ReadUInt32LittleEndian(second));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(second[4..]));
        Assert.Equal(70u, BinaryPrimitives.ReadUInt32LittleEndian(second[8..]));
        Assert.Equal(2, TestFrames.IdOf(second[16..]));
    }

    [Fact]
    public void Dispose_FlushesAndClosesStream()
    {
        var (a, b) = MemoryLink.CreatePair(withReadinessFd: false);
        using var far = b;
        var path = Path.Combine(Path.GetTempPath(), $"teeceepee-pcap-{Environment.ProcessId}-{Guid.NewGuid():N}.pcap");
        try
        {
            var pcap = PcapWriter.Create(a, path);
            pcap.TrySend(Instant.Zero, TestFrames.Numbered(1, 64));
            pcap.Dispose();
            Assert.Equal(24 + 16 + 64, new FileInfo(path).Length);
            Assert.Throws<ObjectDisposedException>(() => a.TrySend(Instant.Zero, TestFrames.Numbered(1)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BrokenStream_StopsCaptureButNotLink()
    {
        var (a, b) = MemoryLink.CreatePair(withReadinessFd: false);
        using var far = b;
        var output = new MemoryStream();
        using var pcap = new PcapWriter(a, output, leaveOpen: true);
        output.Dispose();
        Assert.True(pcap.TrySend(Instant.Zero, TestFrames.Numbered(1)));
        Assert.NotNull(pcap.Error);
        Assert.Equal(1, far.PendingFrames);
    }

    [ToolFact("tshark")]
    public void Capture_IsReadByTshark()
    {
        var (a, b) = MemoryLink.CreatePair(withReadinessFd: false);
        using var far = b;
        var path = Path.Combine(Path.GetTempPath(), $"teeceepee-pcap-{Environment.ProcessId}-{Guid.NewGuid():N}.pcap");
        try
        {
            using (var pcap = PcapWriter.Create(a, path))
            {
                pcap.TrySend(Instant.Zero, TestFrames.TcpSynAck());
                far.TrySend(Instant.Zero, TestFrames.ArpRequest([0x02, 0, 0, 0, 0, 9], [198, 18, 0, 1], [198, 18, 0, 2]));
                pcap.TryReceive(Instant.Zero + TimeSpan.FromMilliseconds(5), new byte[1514], out _);
            }
            var lines = RunTshark("-r", path, "-T", "fields", "-E", "separator=,",
                "-e", "frame.protocols", "-e", "ip.src", "-e", "tcp.dstport", "-e", "tcp.flags.str", "-e", "arp.dst.proto_ipv4", "-e", "tcp.checksum.status", "-o", "tcp.check_checksum:TRUE");
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("eth:ethertype:ip:tcp,198.18.0.2,80,", lines[0]);
            Assert.Contains("S", lines[0].Split(',')[3]);
            Assert.EndsWith(",1", lines[0]); // checksum verified good
            Assert.StartsWith("eth:ethertype:arp,,,,198.18.0.2", lines[1]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string[] RunTshark(params string[] args)
    {
        var info = new ProcessStartInfo("tshark") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(30_000), "tshark timed out");
        Assert.True(process.ExitCode == 0, $"tshark failed: {stderr.Result}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
