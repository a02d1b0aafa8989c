using System.Net;
using Teeceepee.Sockets;

namespace Teeceepee.Tests.Sockets;

/// <summary>Disposing a stack fails every socket call still parked inside a connection or listener.</summary>
public sealed class StackDisposalTests
{
    [Fact]
    public async Task DisposedStack_FailsPendingAcceptAndReceive_InsteadOfHanging()
    {
        var net = new MemoryTcpTestNetwork();
        await using var listener = new TcpConnectionListener(net.Server, new IPEndPoint(net.ServerAddress, 7000));
        listener.Start();
        var client = new TcpConnection(net.Client);
        var accepted = listener.AcceptAsync();
        await client.ConnectAsync(new IPEndPoint(net.ServerAddress, 7000)).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var server = await accepted.AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        var secondAccept = listener.AcceptAsync().AsTask();
        var receive = server.ReceiveAsync(new byte[16]).AsTask();
        await Task.Delay(50);
        Assert.False(secondAccept.IsCompleted);
        Assert.False(receive.IsCompleted);

        await net.Server.DisposeAsync();

        var acceptError = await Assert.ThrowsAnyAsync<Exception>(() => secondAccept.WaitAsync(TimeSpan.FromSeconds(10)));
        var receiveError = await Assert.ThrowsAnyAsync<Exception>(() => receive.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.IsNotType<TimeoutException>(acceptError);
        Assert.IsNotType<TimeoutException>(receiveError);
        await net.DisposeAsync();
    }
}
