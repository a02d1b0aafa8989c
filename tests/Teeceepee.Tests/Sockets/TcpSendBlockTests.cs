using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using Teeceepee.Sockets;
using Teeceepee.Tests.Tcp;

namespace Teeceepee.Tests.Sockets;

/// <summary>
/// <see cref="TcpConnection.SendAsync(ReadOnlySequence{byte}, CancellationToken)"/> with memory of a
/// <see cref="Teeceepee.Tcp.RetainableBlock"/>: queued by reference, held until acknowledged, released after.
/// </summary>
public class TcpSendBlockTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendBlocks_HeldByReference_ArriveSha256Equal_AllReleasedAfterAcks(bool lossy)
    {
        await using var net = new MemoryTcpTestNetwork(faults: lossy ? new Teeceepee.Links.FaultOptions { Loss = 0.03 } : null, seed: 11);
        var serverOptions = new TcpConnectionOptions { SendBufferSize = 128 * 1024 };
        await using var listener = new TcpConnectionListener(net.Server, new IPEndPoint(IPAddress.Any, 7071), serverOptions);
        listener.Start();
        await using var client = new TcpConnection(net.Client);
        var accepting = listener.AcceptAsync();
        await client.ConnectAsync(new IPEndPoint(net.ServerAddress, 7071)).AsTask().WaitAsync(s_timeout);
        await using var server = await accepting.AsTask().WaitAsync(s_timeout);

        var blocks = Enumerable.Range(0, 12).Select(_ => new TestRetainableBlock(65536)).ToArray();
        foreach (var block in blocks)
            RandomNumberGenerator.Fill(block.Storage);
        var expected = new MemoryStream();
        var receiving = Task.Run(async () =>
        {
            var received = new MemoryStream();
            var chunk = new byte[32768];
            int n;
            while ((n = await client.ReceiveAsync(chunk)) > 0)
                received.Write(chunk, 0, n);
            return received.ToArray();
        });
        foreach (var block in blocks)
        {
            // Two sends per block: a short head and the rest, contiguous (one piece in the send buffer).
            await server.SendAsync(new ReadOnlySequence<byte>(block.Memory[..100])).AsTask().WaitAsync(s_timeout);
            await server.SendAsync(new ReadOnlySequence<byte>(block.Memory[100..])).AsTask().WaitAsync(s_timeout);
            expected.Write(block.Storage);
        }
        server.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        var bytes = await receiving.WaitAsync(s_timeout);
        Assert.Equal(SHA256.HashData(expected.ToArray()), SHA256.HashData(bytes));
        Assert.All(blocks, b => Assert.InRange(b.Retains, 1, 2)); // by reference: once per block, twice if its head was acknowledged before the rest came
        // The FIN's ACK means every byte was acknowledged: nothing is held any more.
        var deadline = DateTime.UtcNow + s_timeout;
        while (blocks.Any(b => b.Holds != 0) && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.All(blocks, b => Assert.Equal(0, b.Holds));
        Assert.All(blocks, b => Assert.False(b.OverReleased));
    }
}
