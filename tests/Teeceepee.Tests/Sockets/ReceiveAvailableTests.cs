using System.Net;
using Teeceepee.Links;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Tests.Stack;

namespace Teeceepee.Tests.Sockets;

/// <summary>
/// <see cref="TcpConnection.ReceiveAvailable"/> and <see cref="TcpConnection.SendAvailable"/> are synchronous (issue 9:
/// the former TryReceive/TrySend were named as if they never blocked): they never wait for data or space, but off the
/// loop thread they wait for the stack's loop to run them.
/// </summary>
public class ReceiveAvailableTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ReceiveAvailable_SendAvailable_LoopBusy_WaitForTheLoop_NotForData()
    {
        var (la, lb) = MemoryLink.CreatePair();
        await using var a = new NetworkStack(la, new NetworkStackOptions { Address = Simulation.AddressA, OwnsLink = true });
        await using var b = new NetworkStack(lb, new NetworkStackOptions { Address = Simulation.AddressB, OwnsLink = true });
        a.Start();
        b.Start();
        await using var listener = new TcpConnectionListener(b, new IPEndPoint(IPAddress.Any, 80));
        listener.Start();
        await using var client = new TcpConnection(a);
        var accept = listener.AcceptAsync().AsTask();
        await client.ConnectAsync(new IPEndPoint(Simulation.AddressB.ToIPAddress(), 80)).AsTask().WaitAsync(s_timeout);
        await using var server = await accept.WaitAsync(s_timeout);

        // Both loops busy (a command that waits on a gate): the calls wait for them, so they are no non-blocking Try methods.
        using var gate = new ManualResetEventSlim();
        var busyA = a.InvokeAsync((_, _) => gate.Wait(s_timeout)).AsTask();
        var busyB = b.InvokeAsync((_, _) => gate.Wait(s_timeout)).AsTask();
        var receive = Task.Run(() => server.ReceiveAvailable(new byte[16], out _));
        var send = Task.Run(() => client.SendAvailable("ping"u8, out int sent) ? sent : -1);
        await Task.Delay(300);
        Assert.False(receive.IsCompleted, "ReceiveAvailable returned while the loop was busy");
        Assert.False(send.IsCompleted, "SendAvailable returned while the loop was busy");

        // Once the loops run them: nothing had arrived (false at once, no wait for data); the send was queued.
        gate.Set();
        Assert.True(await busyA && await busyB);
        Assert.False(await receive.WaitAsync(s_timeout));
        Assert.Equal(4, await send.WaitAsync(s_timeout));
        var buffer = new byte[16];
        int got = await server.ReceiveAsync(buffer).AsTask().WaitAsync(s_timeout);
        Assert.Equal("ping", System.Text.Encoding.ASCII.GetString(buffer, 0, got));
    }
}
