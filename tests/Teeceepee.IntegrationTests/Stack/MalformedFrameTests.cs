using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Stack;

namespace Teeceepee.IntegrationTests.Stack;

/// <summary>Malformed frames sent by the kernel side (scapy) are dropped and counted by reason; the stack keeps answering.</summary>
public class MalformedFrameTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [NetworkFact]
    public async Task ScapyGarbage_IsDroppedByReason_AndPingStillWorks()
    {
        await using var net = TestNetwork.CreateTap("stackbad");
        await using var stack = new RunningStack(net);
        // Let the kernel resolve us first so its own traffic is settled.
        Assert.True((await net.RunAsync($"ping -c 1 -W 2 {TestNetwork.StackAddress}", s_timeout)).Succeeded, stack.Trace);
        var before = stack.Stack.Stats.Drops;

        string script = Path.Combine(Path.GetTempPath(), $"teeceepee-bad-{Environment.ProcessId}-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(script, $$"""
            from scapy.all import Ether, IP, ICMP, UDP, ARP, Raw, sendp
            e = Ether(src='{{net.KernelMac}}', dst='{{stack.Stack.HardwareAddress}}')
            me, it = '{{TestNetwork.KernelAddress}}', '{{TestNetwork.StackAddress}}'
            frames = [
                e / IP(src=me, dst=it, chksum=0x1234) / ICMP() / Raw(b'x' * 8),                        # BadChecksum (IPv4)
                e / IP(src=me, dst=it, ihl=4) / ICMP(),                                                 # BadHeaderLength
                e / IP(src=me, dst=it, version=6) / ICMP(),                                             # BadVersion
                Ether(src='{{net.KernelMac}}', dst='{{stack.Stack.HardwareAddress}}', type=0x0800) / Raw(bytes([0x45, 0, 0, 20, 0, 0])),  # TruncatedHeader
                e / IP(src=me, dst=it, len=200) / ICMP(),                                               # BadTotalLength
                e / IP(src=me, dst=it) / UDP(sport=1, dport=2, chksum=0x4321) / Raw(b'abc'),            # BadChecksum (UDP)
                e / IP(src=me, dst=it, id=7, flags='MF', frag=0, proto=1) / Raw(b'a' * 16),             # held
                e / IP(src=me, dst=it, id=7, flags='MF', frag=1, proto=1) / Raw(b'b' * 16),             # FragmentOverlap
                e / IP(src=me, dst=it, id=8, flags='MF', frag=0, proto=1) / Raw(b'c' * 13),             # BogusFragment
                e / IP(src=me, dst=it, id=9, frag=8189, proto=1) / Raw(b'd' * 64),                      # OversizeDatagram
                Ether(src='{{net.KernelMac}}', dst='ff:ff:ff:ff:ff:ff') / ARP(op=1, psrc=me, pdst='198.18.0.99'),  # ArpNotForUs
                e / IP(src=me, dst=it, proto=99) / Raw(b'z' * 8),                                       # UnknownProtocol
            ]
            sendp(frames, iface='{{net.KernelDevice}}', verbose=False)
            print('sent', len(frames))
            """);
        try
        {
            var result = await net.RunAsync($"/usr/bin/python3 {script}", s_timeout);
            Assert.True(result.Succeeded, result.StandardOutput + result.StandardError);
            Assert.Contains("sent 12", result.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(script);
        }

        // Wait until the loop has counted them all.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (stack.Stack.Stats.Drops[DropReason.UnknownProtocol] == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(20);

        var drops = stack.Stack.Stats.Drops;
        long Delta(DropReason r) => drops[r] - before[r];
        string all = drops.ToString() + "\n" + stack.Trace;
        Assert.True(Delta(DropReason.BadChecksum) == 2, all);
        Assert.True(Delta(DropReason.BadHeaderLength) == 1, all);
        Assert.True(Delta(DropReason.BadVersion) == 1, all);
        Assert.True(Delta(DropReason.TruncatedHeader) == 1, all);
        Assert.True(Delta(DropReason.BadTotalLength) == 1, all);
        Assert.True(Delta(DropReason.FragmentOverlap) == 1, all);
        Assert.True(Delta(DropReason.BogusFragment) == 1, all);
        Assert.True(Delta(DropReason.OversizeDatagram) == 1, all);
        Assert.True(Delta(DropReason.ArpNotForUs) >= 1, all);
        Assert.True(Delta(DropReason.UnknownProtocol) == 1, all);
        Assert.Null(stack.Stack.LoopError);

        var ping = await net.RunAsync($"ping -c 2 -i 0.2 -W 2 {TestNetwork.StackAddress}", s_timeout);
        Assert.True(ping.Succeeded, ping.StandardOutput + "\n" + stack.Trace);
    }
}
