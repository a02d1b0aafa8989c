using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using Teeceepee.Sockets;

namespace Teeceepee.Tests.Sockets;

/// <summary><see cref="TcpConnection.SendAsync(ReadOnlySequence{byte}, CancellationToken)"/>: a pipe's blocks sent in one operation, in order.</summary>
public class TcpSendSequenceTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private sealed class Block : ReadOnlySequenceSegment<byte>
    {
        public Block(ReadOnlyMemory<byte> memory, Block? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }

    // Blocks of 4 KiB, odd sizes and an empty one, as a pipe may hold them.
    private static ReadOnlySequence<byte> Chop(byte[] data)
    {
        int[] sizes = [4096, 1, 0, 7000, 4096, 65536, 13];
        Block? first = null, last = null;
        int offset = 0, i = 0;
        while (offset < data.Length)
        {
            int n = Math.Min(sizes[i++ % sizes.Length], data.Length - offset);
            last = new Block(data.AsMemory(offset, n), last);
            first ??= last;
            offset += n;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendSequence_ManyBlocksBeyondTheSendBuffer_ArriveInOrder_Sha256Equal(bool inlineCompletions)
    {
        await using var net = new MemoryTcpTestNetwork();
        var serverOptions = new TcpConnectionOptions { SendBufferSize = 32 * 1024, UnsafeInlineCompletions = inlineCompletions };
        await using var listener = new TcpConnectionListener(net.Server, new IPEndPoint(IPAddress.Any, 7070), serverOptions);
        listener.Start();
        await using var client = new TcpConnection(net.Client);
        var accepting = listener.AcceptAsync();
        await client.ConnectAsync(new IPEndPoint(net.ServerAddress, 7070)).AsTask().WaitAsync(s_timeout);
        await using var server = await accepting.AsTask().WaitAsync(s_timeout);

        var payload = RandomNumberGenerator.GetBytes(600_000);
        var sequence = Chop(payload);
        Assert.False(sequence.IsSingleSegment);
        var sending = server.SendAsync(sequence).AsTask();
        var received = new byte[payload.Length];
        int total = 0;
        while (total < received.Length)
        {
            int n = await client.ReceiveAsync(received.AsMemory(total)).AsTask().WaitAsync(s_timeout);
            Assert.NotEqual(0, n);
            total += n;
        }
        Assert.Equal(payload.Length, await sending.WaitAsync(s_timeout));
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received));
    }

    [Fact]
    public async Task SendSequence_Empty_CompletesWithZero()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var listener = new TcpConnectionListener(net.Server, new IPEndPoint(IPAddress.Any, 7071));
        listener.Start();
        await using var client = new TcpConnection(net.Client);
        var accepting = listener.AcceptAsync();
        await client.ConnectAsync(new IPEndPoint(net.ServerAddress, 7071)).AsTask().WaitAsync(s_timeout);
        await using var server = await accepting.AsTask().WaitAsync(s_timeout);
        Assert.Equal(0, await server.SendAsync(ReadOnlySequence<byte>.Empty).AsTask().WaitAsync(s_timeout));
    }
}
