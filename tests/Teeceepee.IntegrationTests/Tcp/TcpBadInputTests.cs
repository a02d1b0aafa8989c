using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using System.Text.Json;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Xunit.Abstractions;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>
/// Bad input against a live connection (issue 4 item 10): Scripts/tcp_bad_input.py (scapy, kernel side)
/// learns the connection's sequence numbers from a capture, fires malformed and hostile segments as the
/// kernel's end of the 4-tuple, and records what the stack answers; then the connection must still
/// carry 100 KB byte-exact.
/// </summary>
[SupportedOSPlatform("linux")]
public class TcpBadInputTests(ITestOutputHelper output)
{
    private const ushort Port = 9002;

    [NetworkFact]
    public async Task ScapyHostileSegments_DroppedByReason_ChallengeAcked_ConnectionSurvives()
    {
        await using var fx = KernelTcpFixture.Create(faults: false);
        var echo = fx.Loop.Add(new EchoServerApp(fx.Loop, Port));
        await echo.Listening;
        var before = fx.Loop.Stack.Stats.Drops;
        long[] was = Enum.GetValues<DropReason>().Select(r => before[r]).ToArray();

        var run = await fx.KernelAsync($"/usr/bin/python3 {ScriptPath()} --iface {fx.Net.KernelDevice} --port {Port}", TimeSpan.FromSeconds(120));
        var stackSide = await echo.First.WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine(run.StandardOutput);

        using var doc = JsonDocument.Parse(run.StandardOutput);
        var root = doc.RootElement;
        uint rcvNxt = root.GetProperty("seq").GetProperty("rcv_nxt").GetUInt32();
        uint sndNxt = root.GetProperty("seq").GetProperty("snd_nxt").GetUInt32();
        var probes = root.GetProperty("probes").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("responses"));
        var drops = fx.Loop.Stack.Stats.Drops;
        long Delta(DropReason r) => drops[r] - was[Array.IndexOf(Enum.GetValues<DropReason>(), r)];
        string context = $"{run.StandardOutput}\n{fx.Diagnostics()}";

        // Malformed segments never reach TCP: dropped at the parser, counted by reason, unanswered.
        Assert.True(Delta(DropReason.BadChecksum) == 1, context);
        Assert.True(Delta(DropReason.BadHeaderLength) == 2, context);
        Assert.True(Delta(DropReason.TruncatedHeader) == 1, context);
        Assert.True(Delta(DropReason.BadTcpOption) == 1, context);
        Assert.True(Delta(DropReason.BadTcpFlags) == 2, context); // SYN+FIN, SYN+RST (RFC 9293 §3.1: never valid)
        foreach (var name in new[] { "bad_checksum", "data_offset_past_end", "data_offset_too_small", "truncated_header", "garbage_options", "syn_fin", "syn_rst" })
            Assert.True(probes[name].GetArrayLength() == 0, $"{name} was answered\n{context}");

        // RFC 9293 §3.10.7.4 first check: unacceptable segments (out of window, old duplicates) get <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
        AssertSingleAck(probes["out_of_window_data"], sndNxt, rcvNxt, "out_of_window_data", context);
        AssertSingleAck(probes["old_duplicate_data"], sndNxt, rcvNxt, "old_duplicate_data", context);
        // RFC 5961 §5.2 / RFC 9293 §3.10.7.4 fifth: an ACK for data never sent is answered with an ACK and dropped.
        AssertSingleAck(probes["ack_for_unsent_data"], sndNxt, rcvNxt, "ack_for_unsent_data", context);
        // RFC 5961 §3.2: a RST outside the window is dropped silently; inside the window but not exact: challenge ACK.
        Assert.True(probes["rst_out_of_window"].GetArrayLength() == 0, context);
        AssertSingleAck(probes["rst_in_window_not_exact"], sndNxt, rcvNxt, "rst_in_window_not_exact", context);
        // RFC 5961 §4.2: a SYN in a synchronized state gets a challenge ACK, the connection stays.
        AssertSingleAck(probes["syn_in_established"], sndNxt, rcvNxt, "syn_in_established", context);

        // The connection survived: 100 KB echoed byte-exact, and nothing injected reached the application.
        Assert.True(root.GetProperty("echo_ok").GetBoolean(), context);
        Assert.Equal(root.GetProperty("sent_sha256").GetString(), stackSide.Sha256);
        Assert.Equal(13 + 100_000, stackSide.Bytes);
        Assert.Equal(TcpError.None, stackSide.Error);
        var tcb = echo.FirstConnection!;
        Assert.True(tcb.ChallengeAcks >= 3, $"challenge ACKs {tcb.ChallengeAcks}\n{context}");
        Assert.True(tcb.GetInfo().SegmentsDropped >= 6, $"dropped {tcb.GetInfo().SegmentsDropped}\n{context}");
    }

    private static void AssertSingleAck(JsonElement responses, uint sndNxt, uint rcvNxt, string name, string context)
    {
        Assert.True(responses.GetArrayLength() == 1, $"{name}: expected one ACK, got {responses}\n{context}");
        var r = responses[0];
        Assert.True(r.GetProperty("flags").GetString() == "A" && r.GetProperty("len").GetInt32() == 0
            && r.GetProperty("seq").GetUInt32() == sndNxt && r.GetProperty("ack").GetUInt32() == rcvNxt,
            $"{name}: expected <SEQ={sndNxt}><ACK={rcvNxt}><CTL=ACK>, got {r}\n{context}");
    }

    private static string ScriptPath([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "Scripts", "tcp_bad_input.py"));
}
