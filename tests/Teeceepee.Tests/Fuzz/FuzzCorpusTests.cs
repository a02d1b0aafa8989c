using Teeceepee.Fuzz;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Fuzz;

/// <summary>
/// The fuzz harness (tests/Teeceepee.Fuzz) outside the fuzzer: its starting state is what it claims,
/// the corpus it seeds AFL++ with keeps every invariant, and its invariants do fail when broken.
/// </summary>
public class FuzzCorpusTests
{
    private static readonly string s_corpus = Path.Combine(AppContext.BaseDirectory, "fuzz-corpus");

    public static TheoryData<string> CorpusFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Replay.Files([s_corpus]))
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void CorpusInput_Replayed_KeepsEveryInvariant(string name)
    {
        var failure = Replay.RunOne(File.ReadAllBytes(Path.Combine(s_corpus, name)));
        Assert.Null(failure);
    }

    [Fact]
    public void Corpus_CoversEveryProtocolTheStackSpeaks()
    {
        var names = Replay.Files([s_corpus]).Select(Path.GetFileName).ToList();
        Assert.True(names.Count >= 50, $"{names.Count} seeds");
        foreach (var prefix in new[] { "arp-", "ethernet-", "ipv4-fragments", "ipv4-options", "icmp-", "udp-", "tcp-", "capture-" })
            Assert.Contains(names, n => n!.StartsWith(prefix, StringComparison.Ordinal));
        // Seeds stay small: they are in the repository.
        Assert.All(Replay.Files([s_corpus]), f => Assert.True(new FileInfo(f).Length <= 16 * 1024, f));
    }

    [Fact]
    public void Harness_Setup_HasAnEstablishedAndAnOpeningConnection()
    {
        using var harness = new FrameInputHarness();
        Assert.Equal(TcpState.Established, harness.Server.State);
        Assert.NotEqual(0, harness.ClientPort);
        Assert.NotEqual(0u, harness.ClientIsn);
        Assert.Equal(0, harness.Stack.Stats.Drops.Total);
    }

    [Fact]
    public async Task Harness_DataSeed_DeliversThePayloadToTheEstablishedConnection()
    {
        using var harness = new FrameInputHarness();
        harness.Feed(File.ReadAllBytes(Path.Combine(s_corpus, "tcp-data.bin")), runTimers: false);
        var buffer = new byte[200];
        var read = harness.Server.ReceiveAsync(buffer);
        harness.Stack.Poll(harness.Now);
        Assert.True(read.IsCompleted);
        Assert.Equal(100, await read);
        Assert.Equal("abcdefghij"u8.ToArray(), buffer[..10]);
    }

    [Fact]
    public void Harness_SeedsAreDeterministic_SameInputSameCounters()
    {
        var input = File.ReadAllBytes(Path.Combine(s_corpus, "ipv4-fragments-reversed-overlap.bin"));
        using var a = new FrameInputHarness();
        using var b = new FrameInputHarness();
        a.Feed(input);
        b.Feed(input);
        Assert.Equal(a.StackIsn, b.StackIsn);
        Assert.Equal(a.Stack.Stats.Drops.NonZero, b.Stack.Stats.Drops.NonZero);
        Assert.True(a.Stack.Stats.Drops[DropReason.FragmentOverlap] + a.Stack.Stats.Drops[DropReason.FragmentOfDiscardedDatagram] > 0);
    }

    [Fact]
    public void Reader_Records_SplitAsDocumented()
    {
        byte[] input = [0x03, 0x00, 0x02, 0xAA, 0xBB, 0x04, 0xFF, 0xFF, 0xCC];
        var reader = new FrameInputReader(input);
        Assert.True(reader.TryRead(out var first));
        Assert.True(first.FixChecksums);
        Assert.Equal(TimeSpan.FromMilliseconds(1), first.Delay);
        Assert.Equal([0xAA, 0xBB], first.Frame.ToArray());
        Assert.True(reader.TryRead(out var second));
        Assert.False(second.FixChecksums);
        Assert.Equal(TimeSpan.FromMilliseconds(4), second.Delay);
        Assert.Equal([0xCC], second.Frame.ToArray()); // a length past the end takes what is left
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void ChecksumFixer_MutatedTcpSegment_VerifiesAgain()
    {
        var frame = PeerFrames.Tcp(new TcpRepr { SourcePort = 1, DestinationPort = 80, Control = TcpControl.Syn, SeqNumber = new SeqNumber(5), WindowLength = 100 });
        frame[14 + 20 + 4] ^= 0xFF; // sequence number
        frame[14 + 8] ^= 0x01;      // TTL
        ChecksumFixer.Fix(frame);
        Assert.True(IPv4Packet.TryParse(frame.AsSpan(14), out var ip, out _));
        Assert.True(TcpSegment.TryParse(ip.Payload, out var tcp, out _));
        Assert.True(TcpRepr.TryParse(tcp, ip.Source, ip.Destination, verifyChecksum: true, out _, out var reason), reason.ToString());
    }
}
