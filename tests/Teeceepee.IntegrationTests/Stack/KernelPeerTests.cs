using System.Security.Cryptography;
using System.Text;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Stack;

/// <summary>The stack as a host on a TAP, with the Linux kernel as its neighbour.</summary>
public class KernelPeerTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    [NetworkFact]
    public async Task Kernel_Pings_Stack()
    {
        await using var net = TestNetwork.CreateTap("stack");
        await using var stack = new RunningStack(net);
        var result = await net.RunAsync($"ping -c 3 -i 0.2 -W 2 {TestNetwork.StackAddress}", s_timeout);
        Assert.True(result.Succeeded, result.StandardOutput + result.StandardError + "\n" + stack.Trace);
        Assert.Contains("3 received", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("ttl=64", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(3, stack.Stack.Stats.IcmpOut.EchoReplies);
    }

    [NetworkFact]
    public async Task Kernel_Pings_Stack_With4000Bytes_Fragmented()
    {
        await using var net = TestNetwork.CreateTap("stack");
        await using var stack = new RunningStack(net);
        var result = await net.RunAsync($"ping -c 2 -i 0.2 -W 2 -s 4000 {TestNetwork.StackAddress}", s_timeout);
        Assert.True(result.Succeeded, result.StandardOutput + result.StandardError + "\n" + stack.Trace);
        Assert.Contains("4008 bytes from", result.StandardOutput, StringComparison.Ordinal);
        var stats = stack.Stack.Stats;
        Assert.Equal(2, stats.DatagramsReassembled);
        Assert.Equal(6, stats.FragmentsOut); // each 4008-octet reply in three fragments
    }

    [NetworkFact]
    public async Task Stack_Pings_Kernel_AndBothLearnEachOther()
    {
        await using var net = TestNetwork.CreateTap("stack");
        await using var stack = new RunningStack(net);
        for (int i = 0; i < 3; i++)
        {
            var reply = await stack.Stack.PingAsync(RunningStack.Kernel, 56, TimeSpan.FromSeconds(3));
            Assert.True(reply.Status == PingStatus.Success, $"{reply}\n{stack.Trace}");
            Assert.Equal(RunningStack.Kernel, reply.Address);
            Assert.Equal(64, reply.TimeToLive);
            Assert.Equal(56, reply.DataSize);
        }
        var big = await stack.Stack.PingAsync(RunningStack.Kernel, 4000, TimeSpan.FromSeconds(3));
        Assert.Equal(PingStatus.Success, big.Status);

        // ARP both ways: we asked once (plus our announcement); the kernel learned us from our
        // request, so it never had to ask (RFC 826 merge on its side too).
        var stats = stack.Stack.Stats;
        Assert.Equal(2, stats.ArpRequestsOut);
        Assert.Equal(1, stats.ArpRepliesIn);
        string neigh = net.Exec($"ip neigh show {TestNetwork.StackAddress} dev {net.KernelDevice}");
        Assert.Contains($"lladdr {stack.Stack.HardwareAddress}", neigh, StringComparison.Ordinal);
    }

    [NetworkFact]
    public async Task Kernel_Resolves_Stack_AndTheStackLearnsTheKernelFromTheRequest()
    {
        await using var net = TestNetwork.CreateTap("stack");
        await using var stack = new RunningStack(net);
        var result = await net.RunAsync($"ping -c 1 -W 2 {TestNetwork.StackAddress}", s_timeout);
        Assert.True(result.Succeeded, result.StandardOutput + "\n" + stack.Trace);
        var stats = stack.Stack.Stats;
        Assert.True(stats.ArpRepliesOut >= 1);
        Assert.Equal(1, stats.ArpRequestsOut); // only the announcement: the echo reply needed no resolution
        string neigh = net.Exec($"ip neigh show {TestNetwork.StackAddress} dev {net.KernelDevice}");
        Assert.Matches("lladdr [0-9a-f:]{17} (REACHABLE|STALE|DELAY)", neigh);

        // And the stack now pings back without asking.
        Assert.Equal(PingStatus.Success, (await stack.Stack.PingAsync(RunningStack.Kernel, TimeSpan.FromSeconds(3))).Status);
        Assert.Equal(1, stack.Stack.Stats.ArpRequestsOut);
    }

    [NetworkFact]
    public async Task Stack_Pings_AbsentHost_IsHostUnreachable()
    {
        await using var net = TestNetwork.CreateTap("stack");
        await using var stack = new RunningStack(net);
        var reply = await stack.Stack.PingAsync(IPv4Address.Parse("198.18.0.77"), 56, TimeSpan.FromSeconds(10));
        Assert.Equal(PingStatus.HostUnreachable, reply.Status);
        Assert.Equal(4, stack.Stack.Stats.ArpRequestsOut);
    }

    [NetworkFact]
    public async Task Udp_KernelToStack_WithSocat_BytesArrive()
    {
        await using var net = TestNetwork.CreateTap("stack");
        await using var stack = new RunningStack(net);
        using var socket = new UdpSocket(stack.Stack, 9000);

        // A large datagram (fragmented by the kernel) and a small one, both random bytes.
        string file = Path.Combine(Path.GetTempPath(), $"teeceepee-udp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var payload = RandomNumberGenerator.GetBytes(5000);
        await File.WriteAllBytesAsync(file, payload);
        try
        {
            var buffer = new byte[65536];
            var receive = socket.ReceiveFromAsync(buffer).AsTask();
            var send = await net.RunAsync($"socat -u OPEN:{file} UDP4-SENDTO:{TestNetwork.StackAddress}:9000,sourceport=4444", s_timeout);
            Assert.True(send.Succeeded, send.StandardError);
            var got = await receive.WaitAsync(s_timeout);
            Assert.Equal(payload.Length, got.ReceivedBytes);
            Assert.Equal(SHA256.HashData(payload), SHA256.HashData(buffer.AsSpan(0, got.ReceivedBytes)));
            Assert.Equal(RunningStack.Kernel, got.RemoteAddress);
            Assert.Equal(4444, got.RemotePort);
            Assert.Equal(1, stack.Stack.Stats.DatagramsReassembled);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [NetworkFact]
    public async Task Udp_StackToKernel_WithSocat_BytesArrive()
    {
        await using var net = TestNetwork.CreateTap("stack");
        await using var stack = new RunningStack(net);
        string text = Convert.ToHexString(RandomNumberGenerator.GetBytes(600)); // 1200 printable octets
        using var receiver = net.StartProcess($"socat -u UDP4-RECV:9001,bind={TestNetwork.KernelAddress} STDOUT");
        await Task.Delay(300);
        using var socket = new UdpSocket(stack.Stack);
        await socket.SendToAsync(Encoding.ASCII.GetBytes(text + "\n"), new System.Net.IPEndPoint(TestNetwork.KernelAddress, 9001));
        await receiver.WaitForOutputAsync(text, s_timeout);
        Assert.Equal(text, receiver.StandardOutput.Trim());
    }

    [NetworkFact]
    public async Task Udp_EchoThroughKernelSocat_RoundTrips()
    {
        await using var net = TestNetwork.CreateTap("stack");
        await using var stack = new RunningStack(net);
        using var echo = net.StartProcess($"socat UDP4-RECVFROM:9002,bind={TestNetwork.KernelAddress},fork EXEC:cat");
        await Task.Delay(300);
        using var socket = new UdpSocket(stack.Stack);
        socket.Connect(new System.Net.IPEndPoint(TestNetwork.KernelAddress, 9002));
        var buffer = new byte[4096];
        for (int i = 0; i < 5; i++)
        {
            var message = RandomNumberGenerator.GetBytes(100 + i * 300);
            await socket.SendAsync(message);
            var got = await socket.ReceiveFromAsync(buffer).AsTask().WaitAsync(s_timeout);
            Assert.Equal(message, buffer.AsSpan(0, got.ReceivedBytes).ToArray());
        }
    }

    [NetworkFact]
    public async Task Udp_ToClosedKernelPort_ConnectedSocketSeesConnectionRefused()
    {
        await using var net = TestNetwork.CreateTap("stack");
        await using var stack = new RunningStack(net);
        using var socket = new UdpSocket(stack.Stack);
        socket.Connect(new System.Net.IPEndPoint(TestNetwork.KernelAddress, 9));
        var receive = socket.ReceiveFromAsync(new byte[100]).AsTask();
        await socket.SendAsync(new byte[] { 1, 2, 3 });
        var error = await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => receive.WaitAsync(s_timeout));
        Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, error.SocketErrorCode);
    }

    [NetworkFact]
    public async Task Kernel_ToClosedStackPort_GetsPortUnreachable()
    {
        await using var net = TestNetwork.CreateTap("stack");
        await using var stack = new RunningStack(net);
        // A connected kernel UDP socket reports our port unreachable as ECONNREFUSED.
        string script = Path.Combine(Path.GetTempPath(), $"teeceepee-refused-{Environment.ProcessId}-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(script, $$"""
            import socket, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(3)
            s.connect(('{{TestNetwork.StackAddress}}', 9))
            s.send(b'x')
            try:
                s.recv(10)
                print('no error')
            except ConnectionRefusedError:
                print('refused')
            """);
        try
        {
            var result = await net.RunAsync($"/usr/bin/python3 {script}", s_timeout);
            Assert.Contains("refused", result.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(script);
        }
        Assert.Equal(1, stack.Stack.Stats.IcmpOut.DestinationUnreachable);
        Assert.True(stack.Stack.Stats.Drops[DropReason.PortUnreachable] >= 1);
    }

    [NetworkFact]
    public async Task Tun_Kernel_Pings_Stack()
    {
        await using var net = TestNetwork.CreateTun("stack");
        await using var stack = new RunningStack(net);
        // Point-to-point: the kernel routes 198.18.0.0/24 to the TUN already (its address is on it).
        var result = await net.RunAsync($"ping -c 2 -i 0.2 -W 2 -s 3000 {TestNetwork.StackAddress}", s_timeout);
        Assert.True(result.Succeeded, result.StandardOutput + "\n" + stack.Trace);
        Assert.Equal(0, stack.Stack.Stats.ArpRequestsOut);
        Assert.Equal(2, stack.Stack.Stats.IcmpOut.EchoReplies);
        Assert.Equal(2, stack.Stack.Stats.DatagramsReassembled);
    }

    [NetworkFact]
    public async Task OffLinkDestination_GoesViaTheGateway()
    {
        await using var net = TestNetwork.CreateTap("stack");
        // The kernel owns 198.19.0.1 (on its loopback): off our prefix, reachable only through 198.18.0.1.
        net.Exec("ip link set lo up && ip addr add 198.19.0.1/32 dev lo");
        await using var stack = new RunningStack(net, o => o with { Gateway = RunningStack.Kernel });
        var far = IPv4Address.Parse("198.19.0.1");
        var reply = await stack.Stack.PingAsync(far, 56, TimeSpan.FromSeconds(3));
        Assert.True(reply.Status == PingStatus.Success, $"{reply}\n{stack.Trace}");
        Assert.Equal(far, reply.Address);
        // Only the gateway was resolved.
        Assert.Equal(2, stack.Stack.Stats.ArpRequestsOut);

        using var receiver = net.StartProcess("socat -u UDP4-RECV:9003,bind=198.19.0.1 STDOUT");
        await Task.Delay(300);
        using var socket = new UdpSocket(stack.Stack);
        await socket.SendToAsync(Encoding.ASCII.GetBytes("via gateway\n"), new System.Net.IPEndPoint(far.ToIPAddress(), 9003));
        await receiver.WaitForOutputAsync("via gateway", s_timeout);
    }

    [NetworkFact]
    public async Task OffLinkDestination_WithoutGateway_IsNetworkUnreachable()
    {
        await using var net = TestNetwork.CreateTap("stack");
        await using var stack = new RunningStack(net);
        var reply = await stack.Stack.PingAsync(IPv4Address.Parse("198.19.0.1"), 56, TimeSpan.FromSeconds(3));
        Assert.Equal(PingStatus.NetworkUnreachable, reply.Status);
    }
}
