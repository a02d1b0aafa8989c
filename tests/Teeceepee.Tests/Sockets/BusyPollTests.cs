using System.Net;
using System.Security.Cryptography;
using Teeceepee.Sockets;

namespace Teeceepee.Tests.Sockets;

/// <summary>A loop that busy-polls before sleeping (<c>NetworkStackOptions.BusyPoll</c>) still moves every byte and still sleeps when idle.</summary>
public class BusyPollTests
{
    [Fact]
    public async Task BusyPollingLoops_EchoOneMebibyte_Sha256Equal_AndIdleLoopSleeps()
    {
        await using var net = new MemoryTcpTestNetwork(o => o with { BusyPoll = TimeSpan.FromMicroseconds(50) });
        await using var listener = new TcpConnectionListener(net.Server, new IPEndPoint(IPAddress.Any, 7000));
        listener.Start();
        await using var client = new TcpConnection(net.Client);
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(new IPEndPoint(net.ServerAddress, 7000)).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await using var server = await accept.AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        var payload = RandomNumberGenerator.GetBytes(1024 * 1024);
        var echo = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            int total = 0;
            while (total < payload.Length)
            {
                int n = await server.ReceiveAsync(buffer);
                await server.SendAsync(buffer.AsMemory(0, n));
                total += n;
            }
        });
        var send = client.SendAsync(payload).AsTask();
        var received = new MemoryStream();
        var readBuffer = new byte[64 * 1024];
        while (received.Length < payload.Length)
            received.Write(readBuffer, 0, await client.ReceiveAsync(readBuffer).AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
        await send.WaitAsync(TimeSpan.FromSeconds(20));
        await echo.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received.ToArray()));

        // Idle: the spin ends and the loop sleeps; it does not keep turning.
        await Task.Delay(100);
        long before = net.Client.LoopIterations;
        await Task.Delay(300);
        Assert.InRange(net.Client.LoopIterations - before, 0, 20);
    }
}
