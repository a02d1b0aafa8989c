using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Teeceepee.Sockets;

namespace Teeceepee.Tests.Sockets;

public class TcpConnectionMtuTests
{
    [Fact]
    public async Task SmallMtu_ConnectionsUseTheStacksMss_NoIpFragments()
    {
        await using var net = new MemoryTcpTestNetwork(mtu: 576);
        await using var listener = new TcpConnectionListener(net.Server, new IPEndPoint(IPAddress.Any, 7000), new TcpConnectionOptions { NoDelay = true });
        listener.Start();
        await using var client = new TcpConnection(net.Client, new TcpConnectionOptions { NoDelay = true });
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(new IPEndPoint(net.ServerAddress, 7000)).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        await using var server = await accept.AsTask().WaitAsync(TimeSpan.FromSeconds(20));

        var payload = RandomNumberGenerator.GetBytes(100_000);
        await client.SendAsync(payload).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        client.Shutdown(SocketShutdown.Send);
        var received = new MemoryStream();
        var buffer = new byte[8192];
        int n;
        while ((n = await server.ReceiveAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(20))) > 0)
            received.Write(buffer, 0, n);

        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received.ToArray()));
        Assert.InRange(client.GetInfo().Tcp.Mss, 400, 576 - 40);
        Assert.Equal(0, net.Client.Stats.FragmentsOut);
    }
}
