using System.Security.Cryptography;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Tcp;

namespace Teeceepee.IntegrationTests.Stack;

/// <summary>TCP through the stack against the Linux kernel (socat), driving the TCP host on the loop.</summary>
public class KernelTcpTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [NetworkFact]
    public async Task KernelUploads_StackReceivesEveryByte()
    {
        await using var net = TestNetwork.CreateTap("stacktcp");
        await using var stack = new RunningStack(net);
        var listener = await stack.Stack.InvokeAsync((s, _) => s.Tcp.Listen(new TcpEndpoint(RunningStack.Self, 7777)));
        string file = Path.Combine(Path.GetTempPath(), $"teeceepee-tcp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var data = RandomNumberGenerator.GetBytes(2_000_000);
        await File.WriteAllBytesAsync(file, data);
        try
        {
            using var upload = net.StartProcess($"socat -u OPEN:{file} TCP4:{TestNetwork.StackAddress}:7777");
            var received = await ReceiveAllAsync(stack.Stack, listener);
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
            Assert.Equal(0, await upload.WaitForExitAsync(s_timeout));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [NetworkFact]
    public async Task StackUploads_KernelReceivesEveryByte()
    {
        await using var net = TestNetwork.CreateTap("stacktcp");
        await StackUpload_KernelReceivesEveryByteAsync(net);
    }

    /// <summary>2 MB sent by the stack over <paramref name="net"/> to a kernel socat sink, SHA-256 compared (also used over an offload TAP).</summary>
    /// <summary>Accepts one connection on the loop and reads it to the peer's FIN, then closes it; fails after 30 s.</summary>
    internal static async Task<byte[]> ReceiveAllAsync(Teeceepee.Stack.NetworkStack stack, TcpListenerQueue listener)
    {
        var received = new MemoryStream();
        var chunk = new byte[65536];
        Tcb? server = null;
        var deadline = DateTime.UtcNow + s_timeout;
        bool finished = false;
        while (!finished && DateTime.UtcNow < deadline)
        {
            finished = await stack.InvokeAsync((_, _) =>
            {
                if (server is null && !listener.TryAccept(out server))
                    return false;
                int n;
                while ((n = server!.Receive(chunk)) > 0)
                    received.Write(chunk, 0, n);
                if (!server.IsReceiveFinished)
                    return false;
                server.Close();
                return true;
            });
            if (!finished)
                await Task.Delay(2);
        }
        Assert.True(finished, $"received {received.Length} octets only");
        return received.ToArray();
    }

    internal static async Task StackUpload_KernelReceivesEveryByteAsync(TestNetwork net)
    {
        await using var stack = new RunningStack(net);
        string file = Path.Combine(Path.GetTempPath(), $"teeceepee-tcp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using var sink = net.StartProcess($"socat -u TCP4-LISTEN:7778,bind={TestNetwork.KernelAddress} CREATE:{file}");
            await net.WaitForTcpListenerAsync(7778, s_timeout);
            var data = RandomNumberGenerator.GetBytes(2_000_000);
            var client = await stack.Stack.InvokeAsync((s, now) => s.Tcp.Connect(now, RunningStack.Self, new TcpEndpoint(RunningStack.Kernel, 7778)));
            int sent = 0;
            var deadline = DateTime.UtcNow + s_timeout;
            while (sent < data.Length && DateTime.UtcNow < deadline)
            {
                sent += await stack.Stack.InvokeAsync((_, _) => client.State == TcpState.Established ? client.Send(data.AsSpan(sent)) : 0);
                await Task.Delay(2);
            }
            Assert.Equal(data.Length, sent);
            await stack.Stack.InvokeAsync((_, _) =>
            {
                client.Close();
                return 0;
            });
            Assert.Equal(0, await sink.WaitForExitAsync(s_timeout));
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(file)));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
