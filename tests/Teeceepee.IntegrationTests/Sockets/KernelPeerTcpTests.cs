using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Cryptography;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Sockets;
using Teeceepee.Http;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Sockets;

/// <summary>The public TCP API against the Linux kernel as the peer, over a TAP link in a test namespace.</summary>
public sealed class KernelPeerTcpTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private static NetworkStack StartStack(TestNetwork net)
    {
        var stack = new NetworkStack(net.Link, new NetworkStackOptions
        {
            Address = IPv4Address.FromIPAddress(TestNetwork.StackAddress),
            Gateway = IPv4Address.FromIPAddress(TestNetwork.KernelAddress),
            Name = "stack",
        });
        stack.Start();
        return stack;
    }

    [NetworkTheory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1024 * 1024)]
    public async Task HttpClient_ThroughStack_FetchesFromKernelHttpServer_Sha256Equal(int size)
    {
        using var net = TestNetwork.CreateTap("sockhttp");
        var dir = Directory.CreateTempSubdirectory("teeceepee-http-");
        try
        {
            var content = RandomNumberGenerator.GetBytes(size);
            await File.WriteAllBytesAsync(Path.Combine(dir.FullName, "file.bin"), content);
            using var server = net.StartProcess($"python3 -m http.server 8080 --bind {TestNetwork.KernelAddress} --directory {dir.FullName}");
            await net.WaitForTcpListenerAsync(8080, TimeSpan.FromSeconds(20));
            await using var stack = StartStack(net);
            using var http = new HttpClient(TeeceepeeHttp.CreateHandler(stack)) { Timeout = s_timeout };
            var got = await http.GetByteArrayAsync($"http://{TestNetwork.KernelAddress}:8080/file.bin");
            Assert.Equal(content.Length, got.Length);
            Assert.Equal(SHA256.HashData(content), SHA256.HashData(got));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [NetworkFact]
    public async Task Connect_KernelClosedPort_ConnectionRefused()
    {
        using var net = TestNetwork.CreateTap("sockrst");
        await using var stack = StartStack(net);
        await using var connection = new TcpConnection(stack);
        var e = await Assert.ThrowsAsync<SocketException>(() =>
            connection.ConnectAsync(new IPEndPoint(TestNetwork.KernelAddress, 9)).AsTask().WaitAsync(s_timeout));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    [NetworkFact]
    public async Task Echo_KernelSocat_OneMebibyte_Sha256Equal()
    {
        using var net = TestNetwork.CreateTap("sockecho");
        // -t 30: after our FIN socat would otherwise close 0.5 s later and could cut the echo short.
        using var echo = net.StartProcess($"socat -t 30 TCP-LISTEN:7007,bind={TestNetwork.KernelAddress},reuseaddr PIPE");
        await net.WaitForTcpListenerAsync(7007, TimeSpan.FromSeconds(20));
        await using var stack = StartStack(net);
        await using var connection = new TcpConnection(stack);
        await connection.ConnectAsync(new IPEndPoint(TestNetwork.KernelAddress, 7007)).AsTask().WaitAsync(s_timeout);
        var payload = RandomNumberGenerator.GetBytes(1024 * 1024);
        var received = new MemoryStream();
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[65536];
            int n;
            while ((n = await connection.ReceiveAsync(buffer)) > 0)
                received.Write(buffer, 0, n);
        });
        await connection.SendAsync(payload).AsTask().WaitAsync(s_timeout);
        connection.Shutdown(SocketShutdown.Send);
        await reading.WaitAsync(s_timeout);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received.ToArray()));
        Assert.Equal(payload.Length, connection.GetInfo().BytesReceived);
    }

    [NetworkFact]
    public async Task KernelClient_ToStackListener_UploadEchoed_Sha256Equal()
    {
        using var net = TestNetwork.CreateTap("sockup");
        await using var stack = StartStack(net);
        await using var listener = new TcpConnectionListener(stack, new IPEndPoint(IPAddress.Any, 7100));
        listener.Start();
        var serving = Task.Run(async () =>
        {
            await using var connection = await listener.AcceptAsync();
            var buffer = new byte[65536];
            int n;
            while ((n = await connection.ReceiveAsync(buffer)) > 0)
                await connection.SendAsync(buffer.AsMemory(0, n));
            connection.Shutdown(SocketShutdown.Send);
        });
        // The kernel client sends 2 MiB of a seeded pattern, half-closes, and hashes what comes back.
        const string script = """
            import hashlib, random, socket, threading
            data = random.Random(7).randbytes(2 * 1024 * 1024)
            s = socket.create_connection(("198.18.0.2", 7100), timeout=60)
            def send():
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
            t = threading.Thread(target=send)
            t.start()
            h = hashlib.sha256()
            n = 0
            while True:
                b = s.recv(65536)
                if not b:
                    break
                h.update(b)
                n += len(b)
            t.join()
            print(n, h.hexdigest() == hashlib.sha256(data).hexdigest())
            """;
        var path = Path.Combine(Path.GetTempPath(), $"teeceepee-upload-{Environment.ProcessId}.py");
        await File.WriteAllTextAsync(path, script);
        CommandResult result;
        try
        {
            result = await net.RunAsync($"python3 {path}", s_timeout);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.True(result.Succeeded, result.StandardError);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{2 * 1024 * 1024} True"), result.StandardOutput.Trim());
        await serving.WaitAsync(s_timeout);
    }
}
