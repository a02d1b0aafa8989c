using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using Teeceepee.Http;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Links;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Stack;

/// <summary>
/// The IPv6 host against the Linux kernel in a namespace on a random fd00::/48 per test: duplicate address detection
/// against an address the kernel holds, HTTP both ways with faults on the stack's link, packet too big lowering the
/// MSS of a live connection, and floods of neighbour solicitations and fragments (scapy) against the limits.
/// </summary>
public class KernelIPv6HostTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private static (IPv6Address Kernel, IPv6Address Stack) Addresses() => KernelIPv6Network.RandomAddresses();

    private static void AddKernelAddress(TestNetwork net, IPv6Address address) => KernelIPv6Network.AddKernelAddress(net, address);

    private static async Task WaitForAsync(Func<bool> done, TimeSpan limit, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(watch.Elapsed < limit, $"{what} did not happen within {limit.TotalSeconds} s");
            await Task.Delay(20);
        }
    }

    private static Task WaitForPreferredAsync(RunningStack stack, IPv6Address address) =>
        WaitForAsync(() => stack.Stack.IPv6Addresses.Any(a => a.Address.Address == address && a.State == IPv6AddressState.Preferred),
            TimeSpan.FromSeconds(10), $"DAD of {address}");

    private static async Task<string> RunScapyAsync(TestNetwork net, string script)
    {
        string path = Path.Combine(Path.GetTempPath(), $"teeceepee-v6-{Environment.ProcessId}-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(path, script);
        try
        {
            var result = await net.RunAsync($"/usr/bin/python3 {path}", TimeSpan.FromSeconds(120));
            Assert.True(result.Succeeded, result.StandardOutput + result.StandardError);
            return result.StandardOutput;
        }
        finally
        {
            File.Delete(path);
        }
    }

    [NetworkFact]
    public async Task Dad_AddressTheKernelHolds_IsDuplicate_CountedAndNeverUsed()
    {
        var (kernel, self) = Addresses();
        await using var net = TestNetwork.CreateTap("v6dad");
        AddKernelAddress(net, kernel);
        net.Exec($"ip -6 addr add {self}/64 dev {net.KernelDevice} nodad"); // the kernel already holds our address
        await using var stack = new RunningStack(net, o => o with { IPv6Addresses = [new IPv6AddressPrefix(self, 64)] });

        await WaitForAsync(() => stack.Stack.IPv6Addresses.Any(a => a.State == IPv6AddressState.Duplicate), TimeSpan.FromSeconds(10), "DAD failure");
        // RFC 4862 §5.4.5: the kernel's advertisement for the tentative address ends it; it is never assigned.
        Assert.Equal(IPv6AddressState.Duplicate, stack.Stack.IPv6Addresses.Single(a => a.Origin == IPv6AddressOrigin.Static).State);
        Assert.Equal(1, stack.Stack.Stats.DuplicateAddresses);
        Assert.True(stack.Stack.Stats.Drops[DropReason.DuplicateAddress] >= 1);
        Assert.Contains("is a duplicate", stack.Trace, StringComparison.Ordinal);
        Assert.False(stack.Stack.IsOurIPv6Address(self));
        // The link-local address passed its own DAD and still works with the kernel.
        await WaitForAsync(() => stack.Stack.IPv6Addresses[0].State == IPv6AddressState.Preferred, TimeSpan.FromSeconds(10), "link-local DAD");
        var linkLocal = stack.Stack.IPv6Addresses[0].Address.Address;
        var ping = await net.RunAsync($"ping -6 -c 2 -i 0.2 -W 2 {linkLocal}%{net.KernelDevice}", TimeSpan.FromSeconds(20));
        Assert.True(ping.Succeeded, ping.StandardOutput + ping.StandardError + "\n" + stack.Trace);
    }

    [NetworkFact]
    public async Task Http_BothWays_OverIPv6_WithLossReorderAndDuplication_ArrivesByteExact()
    {
        var (kernel, self) = Addresses();
        await using var net = TestNetwork.CreateTap("v6http");
        AddKernelAddress(net, kernel);
        FaultInjector? faults = null;
        await using var stack = new RunningStack(net, o => o with { IPv6Addresses = [new IPv6AddressPrefix(self, 64)] },
            link => faults = FaultInjector.Symmetric(link, new FaultOptions { Loss = 0.02, Reorder = 0.02, Duplicate = 0.01 }, seed: 10));
        await WaitForPreferredAsync(stack, self);

        var dir = Directory.CreateTempSubdirectory("teeceepee-v6http-");
        try
        {
            // Kernel → stack: python's server on the kernel's IPv6 address, HttpClient over the stack.
            var content = RandomNumberGenerator.GetBytes(1024 * 1024);
            await File.WriteAllBytesAsync(Path.Combine(dir.FullName, "file.bin"), content);
            using var server = net.StartProcess($"python3 -m http.server 8080 --bind {kernel} --directory {dir.FullName}");
            using var http = new HttpClient(TeeceepeeHttp.CreateHandler(stack.Stack)) { Timeout = s_timeout };
            byte[]? got = null;
            var watch = Stopwatch.StartNew();
            while (got is null)
            {
                try
                {
                    got = await http.GetByteArrayAsync($"http://[{kernel}]:8080/file.bin");
                }
                catch (HttpRequestException) when (watch.Elapsed < TimeSpan.FromSeconds(20))
                {
                    await Task.Delay(200); // the server is still starting
                }
            }
            Assert.Equal(Convert.ToHexString(SHA256.HashData(content)), Convert.ToHexString(SHA256.HashData(got)));

            // Stack → kernel: a one-request HTTP server on the stack, curl -6 in the namespace.
            var body = RandomNumberGenerator.GetBytes(1024 * 1024);
            await using var listener = new TcpConnectionListener(stack.Stack, new IPEndPoint(IPAddress.IPv6Any, 8081));
            listener.Start();
            var serve = ServeOnceAsync(listener, body);
            string output = Path.Combine(dir.FullName, "fetched.bin");
            var curl = await net.RunAsync($"curl -6 -sS --max-time 60 -o {output} http://[{self}]:8081/", s_timeout);
            Assert.True(curl.Succeeded, curl.StandardError + "\n" + stack.Trace);
            await serve.WaitAsync(s_timeout);
            Assert.Equal(Convert.ToHexString(SHA256.HashData(body)), Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(output))));

            // The faults hit both directions, and TCP repaired them.
            Assert.True(faults!.Outbound.Lost > 0 && faults.Inbound.Lost > 0, $"lost out {faults.Outbound.Lost}, in {faults.Inbound.Lost}");
            Assert.True(faults.Outbound.Reordered + faults.Inbound.Reordered > 0);
            Assert.True(faults.Outbound.Duplicated + faults.Inbound.Duplicated > 0);
            Assert.True(stack.Stack.Stats.TcpRetransmissions > 0);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task ServeOnceAsync(TcpConnectionListener listener, byte[] body)
    {
        await using var connection = await listener.AcceptAsync();
        var stream = connection.GetStream();
        var request = new List<byte>();
        var buffer = new byte[4096];
        while (!Encoding.ASCII.GetString([.. request]).Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int n = await stream.ReadAsync(buffer);
            if (n == 0)
                return;
            request.AddRange(buffer.AsSpan(0, n));
        }
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
        await stream.WriteAsync(body);
        await stream.FlushAsync();
    }

    [NetworkFact]
    public async Task PacketTooBig_QuotingALiveSegment_LowersTheMss_UploadCompletesByteExact()
    {
        var (kernel, self) = Addresses();
        await using var net = TestNetwork.CreateTap("v6ptb");
        AddKernelAddress(net, kernel);
        PacketTooBigRecorder? recorder = null;
        await using var stack = new RunningStack(net, o => o with { IPv6Addresses = [new IPv6AddressPrefix(self, 64)] },
            link => recorder = new PacketTooBigRecorder(link));
        await WaitForPreferredAsync(stack, self);

        // The kernel's sink reads to the end and prints the SHA-256 of what it got.
        using var sink = net.StartProcess("/usr/bin/python3 -u -c \"import socket,hashlib; l=socket.socket(socket.AF_INET6); "
            + "l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); " + $"l.bind(('{kernel}', 5001)); l.listen(1); print('ready', flush=True); "
            + "c,_=l.accept(); h=hashlib.sha256()\nwhile True:\n  b=c.recv(65536)\n  if not b: break\n  h.update(b)\nprint(h.hexdigest().upper(), flush=True)\"");
        // scapy plays a router with a 1280-octet next hop: it answers the first full-sized segment with a packet too big.
        string ptb = $$"""
            from scapy.all import sniff, sendp, Ether, IPv6, ICMPv6PacketTooBig, Raw
            p = sniff(iface='{{net.KernelDevice}}', count=1, timeout=90, started_callback=lambda: print('sniffing', flush=True),
                      lfilter=lambda f: IPv6 in f and f[IPv6].src == '{{self}}' and f[IPv6].nh == 6 and len(f[IPv6]) > 1400)
            q = bytes(p[0][IPv6])[:1232]
            sendp(Ether(src=p[0].dst, dst=p[0].src) / IPv6(src='{{kernel}}', dst='{{self}}') / ICMPv6PacketTooBig(mtu=1280) / Raw(q),
                  iface='{{net.KernelDevice}}', verbose=False)
            print('sent', len(p[0][IPv6]))
            """;
        string script = Path.Combine(Path.GetTempPath(), $"teeceepee-v6ptb-{Environment.ProcessId}-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(script, ptb);
        using var scapy = net.StartProcess($"/usr/bin/python3 -u {script}");
        try
        {
            await WaitForAsync(() => scapy.Output.Contains("sniffing", StringComparison.Ordinal), s_timeout, "scapy's start");
        }
        finally
        {
            File.Delete(script);
        }

        var data = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        await using (var connection = new TcpConnection(stack.Stack))
        {
            await connection.ConnectAsync(new IPEndPoint(kernel.ToIPAddress(), 5001)).AsTask().WaitAsync(s_timeout);
            var stream = connection.GetStream();
            for (int at = 0; at < data.Length; at += 64 * 1024)
            {
                await stream.WriteAsync(data.AsMemory(at, 64 * 1024));
                if (at == 1024 * 1024)
                    await WaitForAsync(() => scapy.Output.Contains("sent", StringComparison.Ordinal), s_timeout, "scapy's packet too big");
            }
            connection.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            await WaitForAsync(() => sink.Output.Contains(Convert.ToHexString(SHA256.HashData(data)), StringComparison.Ordinal), s_timeout, "the kernel's SHA-256");
        }

        Assert.True(recorder!.TooBigSeen, stack.Trace);
        Assert.Equal(1, stack.Stack.Stats.Icmpv6In[(byte)Icmpv6Type.PacketTooBig]);
        Assert.Equal(1500, recorder.LongestBefore);
        // RFC 8201 §4-5: every segment after the packet too big fits the new path MTU (1280), and many were sent.
        Assert.True(recorder.SentAfter > 100, $"{recorder.SentAfter} sent after");
        Assert.InRange(recorder.LongestAfter, 1200, 1280);
        Assert.Equal(1280, stack.Stack.PathMtu(Instant.Now(TimeProvider.System), kernel));
    }

    [NetworkFact]
    public async Task Flood_OfNeighbourSolicitationsAndFragments_HitsTheLimits_MemoryBounded_PingStillWorks()
    {
        var (kernel, self) = Addresses();
        await using var net = TestNetwork.CreateTap("v6flood");
        AddKernelAddress(net, kernel);
        await using var stack = new RunningStack(net, o => o with { IPv6Addresses = [new IPv6AddressPrefix(self, 64)] });
        await WaitForPreferredAsync(stack, self);
        var ready = await stack.Stack.PingAsync(kernel, 56, TimeSpan.FromSeconds(3));
        Assert.True(ready.Status == PingStatus.Success, $"{ready}\n{stack.Trace}");
        GC.Collect();
        long before = GC.GetTotalMemory(forceFullCollection: true);

        // 3000 solicitations from 3000 different on-link sources (each would be a new neighbour, RFC 4861 §7.2.3), then
        // 3000 first fragments of different datagrams that never complete (each would hold a reassembly slot for 60 s).
        string flood = $$"""
            import os
            from scapy.all import sendp, Ether, IPv6, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, IPv6ExtHdrFragment, Raw
            dev, me, it, mac = '{{net.KernelDevice}}', '{{kernel}}', '{{self}}', '{{stack.Stack.HardwareAddress}}'
            prefix = me.rsplit('::', 1)[0]
            group, gmac = '{{self.SolicitedNode}}', '{{self.SolicitedNode.MulticastMac}}'
            ns = []
            for i in range(3000):
                src = '%s::%x:%x' % (prefix, 0x1000 + i // 60000, 0x10 + i)
                smac = '02:%02x:%02x:%02x:%02x:%02x' % tuple(os.urandom(5))
                ns.append(Ether(src=smac, dst=gmac) / IPv6(src=src, dst=group, hlim=255) / ICMPv6ND_NS(tgt=it) / ICMPv6NDOptSrcLLAddr(lladdr=smac))
            sendp(ns, iface=dev, verbose=False)
            frags = [Ether(dst=mac) / IPv6(src=me, dst=it, nh=44) / IPv6ExtHdrFragment(nh=58, offset=0, m=1, id=0x5000 + i) / Raw(b'f' * 1024)
                     for i in range(3000)]
            sendp(frags, iface=dev, verbose=False)
            print('sent', len(ns), len(frags))
            """;
        var sent = await RunScapyAsync(net, flood);
        Assert.Contains("sent 3000 3000", sent, StringComparison.Ordinal);
        await WaitForAsync(() => stack.Stack.Stats.IPv6FragmentsIn >= 2900, TimeSpan.FromSeconds(20), "the fragments' arrival");

        var stats = stack.Stack.Stats;
        string all = stats + "\n" + stack.Trace;
        // The neighbour cache stays at its capacity (256), evicting the least recently used; the answers went out.
        Assert.InRange(stack.Stack.NeighborCount, 1, 256);
        Assert.True(stats.NeighborCacheEvictions >= 2000, all);
        // Reassembly holds at most 16 datagrams: the rest evicted the oldest or were refused, each counted.
        Assert.True(stats.Drops[DropReason.ReassemblyEvicted] + stats.Drops[DropReason.ReassemblyLimit] >= 2900, all);
        Assert.InRange(stack.Stack.ReassemblyHeldBytes, 0, 256 * 1024);
        Assert.InRange(stack.Stack.ReassemblyCount, 0, 16);
        // The process (other tests run beside this one) keeps what it held: no per-flooded-packet retention.
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(after - before < 64 * 1024 * 1024, $"managed memory grew by {(after - before) / 1024} KiB");
        Assert.Null(stack.Stack.LoopError);

        // Legitimate traffic still works, both ways.
        var reply = await stack.Stack.PingAsync(kernel, 56, TimeSpan.FromSeconds(3));
        Assert.True(reply.Status == PingStatus.Success, $"{reply}\n{stack.Trace}");
        var ping = await net.RunAsync($"ping -6 -c 2 -i 0.2 -W 2 {self}", TimeSpan.FromSeconds(20));
        Assert.True(ping.Succeeded, ping.StandardOutput + ping.StandardError);
    }
}
