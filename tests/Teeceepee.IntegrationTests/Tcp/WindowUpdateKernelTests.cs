using System.Globalization;
using System.Net;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Sockets;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>
/// A Linux reader that stops reading closes its window; when it reads again its window update must restart
/// the stack's transfer at once (RFC 9293 §3.8.6.1), not at the next zero-window probe, whose interval has
/// backed off to seconds by then.
/// </summary>
[SupportedOSPlatform("linux")]
public class WindowUpdateKernelTests
{
    private const string Reader =
        "import socket,time,hashlib\n" +
        "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)\n" +
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('198.18.0.1', 9300)); s.listen(1)\n" +
        "c,_=s.accept(); time.sleep(4); t=time.monotonic(); h=hashlib.sha256(); n=0\n" +
        "while True:\n" +
        "    d=c.recv(65536)\n" +
        "    if not d: break\n" +
        "    h.update(d); n+=len(d)\n" +
        "print(n, h.hexdigest(), '%.3f' % (time.monotonic()-t))\n";

    [NetworkFact]
    public async Task KernelReaderReopensWindow_TransferResumesAtTheUpdate()
    {
        await using var fx = KernelTcpFixture.CreateWithRunner(faults: false);
        string script = fx.PathOf("reader.py");
        await File.WriteAllTextAsync(script, Reader);
        using var reader = fx.Net.StartProcess($"/usr/bin/python3 {script}");
        await fx.Net.WaitForTcpListenerAsync(9300, TimeSpan.FromSeconds(10));

        var data = new byte[512 * 1024];
        new Random(7).NextBytes(data);
        await using (var connection = new TcpConnection(fx.Stack))
        {
            await connection.ConnectAsync(new IPEndPoint(TestNetwork.KernelAddress, 9300)).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            // The reader sleeps 4 s: the window closes, the stack probes with backoff (0.2, 0.4, 0.8, 1.6 s...).
            await connection.SendAsync(data).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            connection.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        }

        Assert.Equal(0, await reader.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var fields = reader.StandardOutput.Trim().Split(' ');
        Assert.Equal(data.Length.ToString(CultureInfo.InvariantCulture), fields[0]);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), fields[1]);
        // Once the reader drains, the rest (~0.5 MB on a TAP) takes milliseconds; the next probe would have been
        // ~3 s away. 1.5 s leaves room for a loaded machine while still failing on a probe-paced restart.
        double seconds = double.Parse(fields[2], CultureInfo.InvariantCulture);
        Assert.InRange(seconds, 0, 1.5);
    }
}
