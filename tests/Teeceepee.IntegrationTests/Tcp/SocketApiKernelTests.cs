using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Sockets;
using Teeceepee.Tcp;
using Xunit.Abstractions;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>
/// The public socket API (TcpConnection, TcpConnectionListener, TcpStream) on the stack's own real-time runner,
/// against the Linux kernel over TAP: the right <see cref="SocketError"/> for refused, timed-out and
/// unreachable connects, and byte-exact streams both ways, with and without faults on the link.
/// </summary>
[SupportedOSPlatform("linux")]
public class SocketApiKernelTests
{
    private static readonly IPAddress Kernel = TestNetwork.KernelAddress;

    [NetworkTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConnectAsync_ClosedKernelPort_ThrowsConnectionRefused(bool faults)
    {
        await using var fx = KernelTcpFixture.CreateWithRunner(faults);
        await using var connection = new TcpConnection(fx.Stack);
        var e = await Assert.ThrowsAsync<SocketException>(async () => await connection.ConnectAsync(new IPEndPoint(Kernel, 9)).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    [NetworkFact]
    public async Task ConnectAsync_KernelDropsSyns_ThrowsTimedOut()
    {
        await using var fx = KernelTcpFixture.CreateWithRunner(faults: false);
        using var full = fx.Net.StartProcess("/usr/bin/python3 -c \"import socket,time; s=socket.socket(); s.bind(('198.18.0.1', 9100)); s.listen(0); time.sleep(120)\"");
        await fx.Net.WaitForTcpListenerAsync(9100, TimeSpan.FromSeconds(10));
        using var filler1 = fx.Net.StartProcess("sleep 1; socat -u TCP:198.18.0.1:9100 STDOUT");
        using var filler2 = fx.Net.StartProcess("sleep 1; socat -u TCP:198.18.0.1:9100 STDOUT");
        await Task.Delay(2500);

        await using var connection = new TcpConnection(fx.Stack, new TcpConnectionOptions { Config = TcpConfig.Default with { SynRetries = 2 } });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<SocketException>(async () => await connection.ConnectAsync(new IPEndPoint(Kernel, 9100)).AsTask().WaitAsync(TimeSpan.FromSeconds(40)));
        Assert.Equal(SocketError.TimedOut, e.SocketErrorCode);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(12));
    }

    [NetworkFact]
    public async Task ConnectAsync_WithConnectTimeout_ThrowsTimedOut()
    {
        await using var fx = KernelTcpFixture.CreateWithRunner(faults: false);
        using var full = fx.Net.StartProcess("/usr/bin/python3 -c \"import socket,time; s=socket.socket(); s.bind(('198.18.0.1', 9100)); s.listen(0); time.sleep(120)\"");
        await fx.Net.WaitForTcpListenerAsync(9100, TimeSpan.FromSeconds(10));
        using var filler1 = fx.Net.StartProcess("sleep 1; socat -u TCP:198.18.0.1:9100 STDOUT");
        using var filler2 = fx.Net.StartProcess("sleep 1; socat -u TCP:198.18.0.1:9100 STDOUT");
        await Task.Delay(2500);

        await using var connection = new TcpConnection(fx.Stack, new TcpConnectionOptions { ConnectTimeout = TimeSpan.FromSeconds(2) });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<SocketException>(async () => await connection.ConnectAsync(new IPEndPoint(Kernel, 9100)).AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(SocketError.TimedOut, e.SocketErrorCode);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(5));
    }

    [NetworkFact]
    public async Task ConnectAsync_OnLinkHostThatNeverAnswersArp_FailsHostUnreachableWhenArpGivesUp()
    {
        // As Linux (EHOSTUNREACH, "No route to host"): the connect fails when neighbour resolution gives up
        // after three requests, not after the SYN retries run out.
        await using var fx = KernelTcpFixture.CreateWithRunner(faults: false);
        await using var connection = new TcpConnection(fx.Stack, new TcpConnectionOptions { Config = TcpConfig.Default with { SynRetries = 6 } });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<SocketException>(async () => await connection.ConnectAsync(new IPEndPoint(IPAddress.Parse("198.18.0.77"), 80)).AsTask().WaitAsync(TimeSpan.FromSeconds(40)));
        Assert.Equal(SocketError.HostUnreachable, e.SocketErrorCode);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(8));
    }

    [NetworkTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Listener_KernelCurlFetches1MiB_ThroughTcpStream_ByteExact(bool faults)
    {
        await using var fx = KernelTcpFixture.CreateWithRunner(faults);
        var body = RandomNumberGenerator.GetBytes(1024 * 1024);
        await using var listener = new TcpConnectionListener(fx.Stack, new IPEndPoint(TestNetwork.StackAddress, 8090));
        listener.Start();
        var serve = Task.Run(async () =>
        {
            await using var connection = await listener.AcceptAsync();
            await using var stream = connection.GetStream();
            var request = new byte[4096];
            int n = 0;
            while (!Encoding.ASCII.GetString(request, 0, n).Contains("\r\n\r\n", StringComparison.Ordinal))
                n += await stream.ReadAsync(request.AsMemory(n));
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
            await stream.WriteAsync(body);
            connection.Shutdown(SocketShutdown.Send);
            // Wait for the client's FIN so the close is graceful.
            while (await stream.ReadAsync(request) > 0)
            {
            }
        });

        var result = await fx.KernelAsync("curl -sS --fail -m 60 http://198.18.0.2:8090/ | sha256sum", TimeSpan.FromSeconds(90));
        await serve.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(body)), result.StandardOutput, StringComparison.Ordinal);
    }

    [NetworkTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Connection_ReceivesSocatUpload_AndEchoesHash_HalfClose(bool faults)
    {
        // Kernel socat uploads 10 MiB and half-closes; the stack reads to ReceiveAsync() == 0 (the FIN),
        // then answers over the half-open connection with the SHA-256 it computed, and closes.
        await using var fx = KernelTcpFixture.CreateWithRunner(faults);
        var data = fx.WriteFile("up", 10 * 1024 * 1024, 5);
        await using var listener = new TcpConnectionListener(fx.Stack, new IPEndPoint(TestNetwork.StackAddress, 9010));
        listener.Start();
        var serve = Task.Run(async () =>
        {
            await using var connection = await listener.AcceptAsync();
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[65536];
            long total = 0;
            int n;
            while ((n = await connection.ReceiveAsync(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                total += n;
            }
            string line = $"{Convert.ToHexStringLower(hash.GetHashAndReset())} {total}\n";
            await connection.SendAsync(Encoding.ASCII.GetBytes(line));
            connection.Shutdown(SocketShutdown.Send);
            return (total, line);
        });

        var result = await fx.KernelAsync($"socat -t 30 - TCP:198.18.0.2:9010 < {fx.PathOf("up")}", TimeSpan.FromSeconds(120));
        var (total, line) = await serve.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(data.Length, total);
        Assert.Equal($"{KernelTcpFixture.Sha256(data)} {data.Length}\n", line);
        Assert.Equal(line, result.StandardOutput);
    }

    [NetworkTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Connection_GetsFromNginx_ThroughTcpStream_ByteExact(bool faults)
    {
        await using var fx = KernelTcpFixture.CreateWithRunner(faults);
        var www = Directory.CreateDirectory(fx.PathOf("www"));
        File.SetUnixFileMode(www.FullName, (UnixFileMode)0b111_101_101);
        var body = fx.WriteFile("www/f", 4 * 1024 * 1024, 9);
        string prefix = fx.PathOf("nginx");
        Directory.CreateDirectory(prefix);
        File.WriteAllText(Path.Combine(prefix, "nginx.conf"), $$"""
            daemon off; master_process off; worker_processes 1; pid {{prefix}}/nginx.pid; error_log {{prefix}}/error.log warn;
            events { worker_connections 64; }
            http { access_log off; client_body_temp_path {{prefix}}/b; proxy_temp_path {{prefix}}/p; fastcgi_temp_path {{prefix}}/f;
                   uwsgi_temp_path {{prefix}}/u; scgi_temp_path {{prefix}}/s; server { listen 198.18.0.1:8081; root {{www.FullName}}; } }
            """);
        fx.Net.StartProcess($"nginx -c {prefix}/nginx.conf -p {prefix}");
        await fx.Net.WaitForTcpListenerAsync(8081, TimeSpan.FromSeconds(15));

        await using var connection = new TcpConnection(fx.Stack);
        await connection.ConnectAsync(new IPEndPoint(Kernel, 8081)).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        await using var stream = connection.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /f HTTP/1.1\r\nHost: 198.18.0.1\r\nConnection: close\r\n\r\n"));
        using var received = new MemoryStream();
        await stream.CopyToAsync(received).WaitAsync(TimeSpan.FromSeconds(120));
        var all = received.ToArray();
        int headerEnd = all.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(all, 0, 12), StringComparison.Ordinal);
        Assert.Equal(body.Length, all.Length - headerEnd);
        Assert.Equal(SHA256.HashData(body), SHA256.HashData(all.AsSpan(headerEnd)));
    }
}
