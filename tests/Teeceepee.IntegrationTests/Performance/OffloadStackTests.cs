using System.Security.Cryptography;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.IntegrationTests.Stack;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;

namespace Teeceepee.IntegrationTests.Performance;

/// <summary>The stack on a TAP opened with offloads: kernel TCP super-frames arrive as single large segments with trusted partial checksums.</summary>
public class OffloadStackTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [NetworkFact]
    public async Task KernelUploads_OverOffloadTap_StackTakesSuperFramesAndEveryByte()
    {
        await using var net = TestNetwork.CreateTapWithOffloads("offstk");
        var tap = Assert.IsType<TapLink>(net.Link);
        await using var stack = new RunningStack(net);
        var listener = await stack.Stack.InvokeAsync((s, _) => s.Tcp.Listen(new TcpEndpoint(RunningStack.Self, 7777)));
        string file = Path.Combine(Path.GetTempPath(), $"teeceepee-offload-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var data = RandomNumberGenerator.GetBytes(4_000_000);
        await File.WriteAllBytesAsync(file, data);
        try
        {
            using var upload = net.StartProcess($"socat -u OPEN:{file} TCP4:{TestNetwork.StackAddress}:7777");
            var received = new MemoryStream();
            var chunk = new byte[65536];
            Tcb? server = null;
            var deadline = DateTime.UtcNow + s_timeout;
            bool finished = false;
            while (!finished && DateTime.UtcNow < deadline)
            {
                finished = await stack.Stack.InvokeAsync((_, _) =>
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
                    await Task.Delay(5);
            }
            Assert.True(finished, $"received {received.Length}\n{stack.Trace}\n{upload.Output}");
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(received.ToArray()));
            Assert.Equal(0, await upload.WaitForExitAsync(s_timeout));
            Assert.True(tap.SuperFramesReceived > 0, "the kernel sent no super-frame");
            var stats = stack.Stack.Stats;
            Assert.Equal(0, stats.Drops[DropReason.BadChecksum]);
            Assert.Equal(0, stats.Drops[DropReason.FrameTooLong]);
            // Fewer frames than MSS-sized segments: super-frames carried several segments each.
            Assert.True(stats.TcpSegmentsIn < data.Length / 1448, $"{stats.TcpSegmentsIn} segments for {data.Length} octets");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [NetworkFact]
    public async Task StackUploads_OverOffloadTap_PlainFramesBehindAnEmptyHeader_KernelReceivesEveryByte()
    {
        await using var net = TestNetwork.CreateTapWithOffloads("offstk");
        await Stack.KernelTcpTests.StackUpload_KernelReceivesEveryByteAsync(net);
    }
}
