using System.Net;
using Teeceepee.Links;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>
/// Issue 12: a stack that nothing drives (never started, never polled) used to leave its callers
/// pending for ever, deaf to cancellation. Now every call that needs the loop fails at once.
/// </summary>
public class UnstartedStackTests
{
    private static NetworkStack Unstarted(out MemoryLink peer)
    {
        var (link, other) = MemoryLink.CreatePair();
        peer = other;
        return new NetworkStack(link, new NetworkStackOptions { Address = IPv4Address.Parse("198.18.0.2"), PrefixLength = 24 });
    }

    [Fact]
    public async Task UnstartedStack_Connect_FailsAtOnceNamingStart()
    {
        await using var stack = Unstarted(out var peer);
        using var _ = peer;
        await using var connection = new TcpConnection(stack);
        using var cts = new CancellationTokenSource();
        var connect = connection.ConnectAsync(new IPEndPoint(IPAddress.Parse("198.18.0.1"), 80), cts.Token);
        Assert.True(connect.IsCompleted, "ConnectAsync on a stack that was never started must not stay pending");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await connect);
        Assert.Contains("Start()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnstartedStack_PingAndUdpReceive_FailAtOnce()
    {
        await using var stack = Unstarted(out var peer);
        using var _ = peer;
        var ping = stack.PingAsync(IPv4Address.Parse("198.18.0.1"), TimeSpan.FromSeconds(1));
        Assert.True(ping.IsCompleted);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await ping);
        using var udp = new UdpSocket(stack, 5000);
        var receive = udp.ReceiveFromAsync(new byte[16]);
        Assert.True(receive.IsCompleted);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await receive);
    }

    [Fact]
    public async Task DisposedStack_Connect_FailsAtOnceWithObjectDisposed()
    {
        var stack = Unstarted(out var peer);
        using var _ = peer;
        var connection = new TcpConnection(stack);
        await stack.DisposeAsync();
        var connect = connection.ConnectAsync(new IPEndPoint(IPAddress.Parse("198.18.0.1"), 80));
        Assert.True(connect.IsCompleted);
        await Assert.ThrowsAnyAsync<ObjectDisposedException>(async () => await connect);
    }

    [Fact]
    public async Task HandDrivenStack_ConnectBeforeFirstPoll_WaitsForPoll_AndCancelCompletesIt()
    {
        await using var stack = Unstarted(out var peer);
        using var _ = peer;
        stack.DriveManually();
        await using var connection = new TcpConnection(stack);
        using var cts = new CancellationTokenSource();
        var connect = connection.ConnectAsync(new IPEndPoint(IPAddress.Parse("198.18.0.1"), 80), cts.Token).AsTask();
        Assert.False(connect.IsCompleted);
        cts.Cancel();
        stack.Poll(Instant.FromMilliseconds(1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connect);
    }
}
