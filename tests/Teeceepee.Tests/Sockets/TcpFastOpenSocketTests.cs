using System.Net;
using System.Security.Cryptography;
using Teeceepee.Sockets;

namespace Teeceepee.Tests.Sockets;

/// <summary>TCP Fast Open (RFC 7413) through the socket API, two stacks on a memory link.</summary>
public class TcpFastOpenSocketTests
{
    private static async Task<byte[]> ReadAllAsync(TcpConnection connection, int length, CancellationToken token)
    {
        var received = new byte[length];
        int total = 0;
        while (total < length)
        {
            int n = await connection.ReceiveAsync(received.AsMemory(total), token);
            Assert.True(n > 0, "the stream ended early");
            total += n;
        }
        return received;
    }

    [Fact]
    public async Task FastOpenStacks_SecondConnectWithData_DataRidesOnSynAndArrivesExact()
    {
        await using var net = new MemoryTcpTestNetwork(o => o with { FastOpen = true });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var listener = new TcpConnectionListener(net.Server, new IPEndPoint(IPAddress.Any, 7013));
        listener.Start();
        var endpoint = new IPEndPoint(net.ServerAddress, 7013);

        for (int round = 0; round < 2; round++)
        {
            var data = new byte[400 + round];
            RandomNumberGenerator.Fill(data);
            var client = new TcpConnection(net.Client);
            var connect = client.ConnectAsync(endpoint, data, cts.Token).AsTask();
            var server = await listener.AcceptAsync(cts.Token);
            await connect;
            var received = await ReadAllAsync(server, data.Length, cts.Token);
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
            // The first connection asked for a cookie; the second sent it with its data on the SYN (RFC 7413 §4.2.1).
            Assert.Equal(1, net.Client.Tcp.FastOpenCookies.CachedCount);
            Assert.Equal(round == 0 ? 0 : data.Length, client.Core.Tcb!.FastOpenBytes);
            await client.DisposeAsync();
            await server.DisposeAsync();
        }
        await listener.DisposeAsync();
    }
}
