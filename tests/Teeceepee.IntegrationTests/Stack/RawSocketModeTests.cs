using System.Security.Cryptography;
using System.Text;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Sockets;
using Teeceepee.Stack;

namespace Teeceepee.IntegrationTests.Stack;

/// <summary>
/// Raw-socket mode: the stack owns 198.18.0.2 on a veth whose own kernel side has no address, and
/// answers ARP for it itself; a kernel peer in another namespace talks to it.
/// </summary>
public class RawSocketModeTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    [NetworkFact]
    public async Task KernelPeer_Pings_Stack_OnVeth()
    {
        await using var net = TestNetwork.CreateVeth("stackraw");
        await using var stack = new RunningStack(net);
        Assert.Equal(net.Link.Capabilities.HardwareAddress, stack.Stack.HardwareAddress);

        var result = await net.RunAsync($"ping -c 3 -i 0.2 -W 2 {TestNetwork.StackAddress}", s_timeout);
        Assert.True(result.Succeeded, result.StandardOutput + result.StandardError + "\n" + stack.Trace);
        Assert.Contains("3 received", result.StandardOutput, StringComparison.Ordinal);
        var big = await net.RunAsync($"ping -c 2 -i 0.2 -W 2 -s 4000 {TestNetwork.StackAddress}", s_timeout);
        Assert.True(big.Succeeded, big.StandardOutput + "\n" + stack.Trace);
        Assert.Equal(2, stack.Stack.Stats.DatagramsReassembled);

        string neigh = net.Exec($"ip neigh show {TestNetwork.StackAddress} dev {net.KernelDevice}");
        Assert.Contains($"lladdr {stack.Stack.HardwareAddress}", neigh, StringComparison.Ordinal);
    }

    [NetworkFact]
    public async Task Stack_Pings_KernelPeer_OnVeth()
    {
        await using var net = TestNetwork.CreateVeth("stackraw");
        await using var stack = new RunningStack(net);
        var reply = await stack.Stack.PingAsync(RunningStack.Kernel, 1000, TimeSpan.FromSeconds(3));
        Assert.True(reply.Status == PingStatus.Success, $"{reply}\n{stack.Trace}");
        Assert.Equal(1000, reply.DataSize);
    }

    [NetworkFact]
    public async Task Udp_BothWays_OnVeth()
    {
        await using var net = TestNetwork.CreateVeth("stackraw");
        await using var stack = new RunningStack(net);
        using var socket = new UdpSocket(stack.Stack, 9100);

        // Kernel peer -> stack.
        var buffer = new byte[4096];
        var receive = socket.ReceiveFromAsync(buffer).AsTask();
        string text = Convert.ToHexString(RandomNumberGenerator.GetBytes(700));
        var send = await net.RunAsync($"printf %s {text} | socat -u STDIN UDP4-SENDTO:{TestNetwork.StackAddress}:9100", s_timeout);
        Assert.True(send.Succeeded, send.StandardError);
        var got = await receive.WaitAsync(s_timeout);
        Assert.Equal(text, Encoding.ASCII.GetString(buffer, 0, got.ReceivedBytes));
        Assert.Equal(RunningStack.Kernel, got.RemoteAddress);

        // Stack -> kernel peer.
        using var receiver = net.StartProcess($"socat -u UDP4-RECV:9101,bind={TestNetwork.KernelAddress} STDOUT");
        await Task.Delay(300);
        string back = Convert.ToHexString(RandomNumberGenerator.GetBytes(500));
        await socket.SendToAsync(Encoding.ASCII.GetBytes(back + "\n"), new System.Net.IPEndPoint(TestNetwork.KernelAddress, 9101));
        await receiver.WaitForOutputAsync(back, s_timeout);
        Assert.Equal(back, receiver.StandardOutput.Trim());
    }
}
