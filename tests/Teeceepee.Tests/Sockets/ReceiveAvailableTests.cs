using System.Net;
using Teeceepee.Sockets;
using Teeceepee.Tests.Stack;

namespace Teeceepee.Tests.Sockets;

/// <summary>
/// <see cref="TcpConnection.ReceiveAvailable"/> and <see cref="TcpConnection.SendAvailable"/> are synchronous (issue 9:
/// the former TryReceive/TrySend were named as if they never blocked): they never wait for data or space, but off the
/// loop thread they wait for the stack's loop to run them.
/// </summary>
public class ReceiveAvailableTests
{
    [Fact]
    public async Task ReceiveAvailable_LoopNotRunning_WaitsForTheLoop_ThenReturnsFalseWithoutData()
    {
        await using var sim = new Simulation();
        await using var listener = new TcpConnectionListener(sim.B, new IPEndPoint(IPAddress.Any, 80));
        listener.Start();
        await using var client = new TcpConnection(sim.A);
        var accept = listener.AcceptAsync();
        var connect = client.ConnectAsync(new IPEndPoint(Simulation.AddressB.ToIPAddress(), 80)).AsTask();
        Assert.True(sim.RunUntil(() => connect.IsCompleted && accept.IsCompleted, TimeSpan.FromSeconds(10)));
        await connect;
        await using var server = await accept;

        // Nobody polls the stacks: the call waits for the loop (it is not a non-blocking Try method).
        var receive = Task.Run(() => server.ReceiveAvailable(new byte[16], out _));
        var send = Task.Run(() => client.SendAvailable("ping"u8, out int sent) ? sent : -1);
        await Task.Delay(200);
        Assert.False(receive.IsCompleted, "ReceiveAvailable returned without the loop running");
        Assert.False(send.IsCompleted, "SendAvailable returned without the loop running");

        // One turn of the loops runs them: nothing had arrived (false, no wait for data); the send was queued.
        for (int i = 0; i < 2000 && !(receive.IsCompleted && send.IsCompleted); i++)
        {
            sim.Step();
            await Task.Delay(1);
        }
        Assert.False(await receive);
        Assert.Equal(4, await send);
        var buffer = new byte[16];
        int got = sim.Await(server.ReceiveAsync(buffer));
        Assert.Equal("ping", System.Text.Encoding.ASCII.GetString(buffer, 0, got));
    }
}
