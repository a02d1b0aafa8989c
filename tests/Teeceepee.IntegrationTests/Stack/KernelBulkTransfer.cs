using System.Security.Cryptography;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Stack;

/// <summary>
/// Bulk TCP between a started stack and a kernel socat in the test network's namespace, either family: the stack sends
/// to a kernel sink, or the kernel uploads a file to a stack listener. Callers compare SHA-256 and the counters.
/// </summary>
internal static class KernelBulkTransfer
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <summary>Sends <paramref name="data"/> from the stack at <paramref name="self"/> to a kernel socat sink on <paramref name="kernel"/>:<paramref name="port"/>; returns the SHA-256 of what the kernel wrote.</summary>
    public static async Task<byte[]> SendToKernelAsync(TestNetwork net, NetworkStack stack, NetAddress self, NetAddress kernel, byte[] data, int port)
    {
        string file = TempFile("tso");
        try
        {
            string listen = kernel.IsIPv4 ? $"TCP4-LISTEN:{port},bind={kernel.V4}" : $"TCP6-LISTEN:{port},bind=[{kernel.V6}]";
            using var sink = net.StartProcess($"socat -u {listen} CREATE:{file}");
            await net.WaitForTcpListenerAsync(port, s_timeout);
            var client = await stack.InvokeAsync((s, now) => s.Tcp.Connect(now, self, new TcpEndpoint(kernel, (ushort)port)));
            int sent = 0;
            var deadline = DateTime.UtcNow + s_timeout;
            while (sent < data.Length && DateTime.UtcNow < deadline)
            {
                int n = await stack.InvokeAsync((_, _) => client.State == TcpState.Established ? client.Send(data.AsSpan(sent)) : 0);
                sent += n;
                if (n == 0)
                    await Task.Delay(1);
            }
            Assert.Equal(data.Length, sent);
            await stack.InvokeAsync((_, _) =>
            {
                client.Close();
                return 0;
            });
            Assert.Equal(0, await sink.WaitForExitAsync(s_timeout));
            return SHA256.HashData(await File.ReadAllBytesAsync(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>A kernel socat uploads <paramref name="data"/> to a stack listener on <paramref name="self"/>:<paramref name="port"/>; returns what the stack read to the FIN.</summary>
    public static async Task<byte[]> UploadToStackAsync(TestNetwork net, NetworkStack stack, NetAddress self, byte[] data, int port)
    {
        var listener = await stack.InvokeAsync((s, _) => s.Tcp.Listen(new TcpEndpoint(self, (ushort)port)));
        string file = TempFile("upload");
        await File.WriteAllBytesAsync(file, data);
        try
        {
            string connect = self.IsIPv4 ? $"TCP4:{self.V4}:{port}" : $"TCP6:[{self.V6}]:{port}";
            using var upload = net.StartProcess($"socat -u OPEN:{file} {connect}");
            var received = await KernelTcpTests.ReceiveAllAsync(stack, listener);
            Assert.Equal(0, await upload.WaitForExitAsync(s_timeout));
            return received;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string TempFile(string what) => Path.Combine(Path.GetTempPath(), $"teeceepee-{what}-{Environment.ProcessId}-{Guid.NewGuid():N}");
}
