using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Teeceepee.Sockets;
using Teeceepee.Http;
using Teeceepee.Tcp;

namespace Teeceepee.Tests.Sockets;

/// <summary>
/// The public TCP API, end to end between two stacks on real time. Each link kind runs the same
/// suite by supplying a <see cref="TcpTestNetwork"/>.
/// </summary>
public abstract class TcpSocketSuite
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private int _nextPort = 5000;

    /// <summary>A fresh network for one test.</summary>
    protected abstract TcpTestNetwork CreateNetwork();

    /// <summary>What the suite's connections and listeners get when a test names no options (a subclass may run the suite inline).</summary>
    protected virtual TcpConnectionOptions? BaseOptions => null;

    private int NextPort() => Interlocked.Increment(ref _nextPort);

    private static Task<T> Within<T>(ValueTask<T> task) => task.AsTask().WaitAsync(s_timeout);

    private static Task Within(ValueTask task) => task.AsTask().WaitAsync(s_timeout);

    private static Task Within(Task task) => task.WaitAsync(s_timeout);

    private static Task<T> Within<T>(Task<T> task) => task.WaitAsync(s_timeout);

    /// <summary>Asserts that the call throws before returning a task (usage errors are synchronous).</summary>
    private static void ThrowsNow<T>(Func<Task> call) where T : Exception
    {
        Task? task = null;
        Exception? thrown = null;
        try
        {
            task = call();
        }
        catch (Exception e)
        {
            thrown = e;
        }
        Assert.Null(task);
        Assert.IsType<T>(thrown);
    }

    private async Task<(TcpConnection Client, TcpConnection Server)> ConnectPairAsync(TcpTestNetwork net, TcpConnectionListener listener, TcpConnectionOptions? options = null)
    {
        var client = new TcpConnection(net.Client, options ?? BaseOptions);
        var accept = listener.AcceptAsync();
        await Within(client.ConnectAsync(new IPEndPoint(net.ServerAddress, listener.LocalEndPoint.Port)));
        var server = await Within(accept);
        return (client, server);
    }

    private TcpConnectionListener Listen(TcpTestNetwork net, int backlog = 128, TcpConnectionOptions? options = null)
    {
        var listener = new TcpConnectionListener(net.Server, new IPEndPoint(IPAddress.Any, NextPort()), options ?? BaseOptions);
        listener.Start(backlog);
        return listener;
    }

    private static async Task<byte[]> ReadToEndAsync(TcpConnection connection, int expected = 0)
    {
        var result = new MemoryStream(expected);
        var buffer = new byte[16 * 1024];
        while (true)
        {
            int n = await Within(connection.ReceiveAsync(buffer));
            if (n == 0)
                return result.ToArray();
            result.Write(buffer, 0, n);
        }
    }

    /// <summary>
    /// After the peer aborted: a RST is never retransmitted, so on a lossy link send a byte, which
    /// the peer answers with another RST (RFC 9293 §3.10.7.1) for as long as TCP retransmits it.
    /// </summary>
    private static async Task ProvokeResetAsync(TcpConnection connection)
    {
        await Task.Delay(20);
        try
        {
            await Within(connection.SendAsync(new byte[1]));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // The RST already arrived.
        }
    }

    private static async Task EchoUntilFinAsync(TcpConnection connection)
    {
        var buffer = new byte[32 * 1024];
        while (true)
        {
            int n = await connection.ReceiveAsync(buffer);
            if (n == 0)
                break;
            await connection.SendAsync(buffer.AsMemory(0, n));
        }
        connection.Shutdown(SocketShutdown.Send);
    }

    [TcpSuiteFact]
    public async Task Listener_PortZero_StartChoosesPort_AndAcceptsThere()
    {
        await using var net = CreateNetwork();
        await using var listener = new TcpConnectionListener(net.Server, new IPEndPoint(IPAddress.Any, 0));
        Assert.Equal(0, listener.LocalEndPoint.Port);
        listener.Start();
        Assert.InRange(listener.LocalEndPoint.Port, 49152, 65535);
        var (client, server) = await ConnectPairAsync(net, listener);
        await using (client)
        await using (server)
        {
            Assert.Equal(listener.LocalEndPoint.Port, server.LocalEndPoint!.Port);
        }
    }

    [TcpSuiteFact]
    public async Task ConnectAccept_BothEndsEstablished_EndpointsMirror()
    {
        await using var net = CreateNetwork();
        await using var listener = Listen(net);
        var (client, server) = await ConnectPairAsync(net, listener);
        await using (client)
        await using (server)
        {
            Assert.Equal(TcpState.Established, client.State);
            Assert.Equal(TcpState.Established, server.State);
            Assert.True(client.Connected);
            Assert.Equal(new IPEndPoint(net.ServerAddress, listener.LocalEndPoint.Port), client.RemoteEndPoint);
            Assert.Equal(client.LocalEndPoint, server.RemoteEndPoint);
            Assert.Equal(client.RemoteEndPoint, server.LocalEndPoint);
            Assert.InRange(client.LocalEndPoint!.Port, 1024, 65535);
        }
    }

    [TcpSuiteFact]
    public async Task Echo_OneMebibyte_Sha256Equal()
    {
        await using var net = CreateNetwork();
        await using var listener = Listen(net);
        var (client, server) = await ConnectPairAsync(net, listener);
        await using (client)
        await using (server)
        {
            var echo = EchoUntilFinAsync(server);
            var payload = RandomNumberGenerator.GetBytes(1024 * 1024);
            var reading = ReadToEndAsync(client, payload.Length);
            // Uneven writes, so segment boundaries never line up with calls.
            for (int offset = 0; offset < payload.Length;)
            {
                int n = Math.Min(payload.Length - offset, 1000 + offset % 70_000);
                Assert.Equal(n, await Within(client.SendAsync(payload.AsMemory(offset, n))));
                offset += n;
            }
            client.Shutdown(SocketShutdown.Send);
            var echoed = await Within(reading);
            await Within(echo);
            Assert.Equal(payload.Length, echoed.Length);
            Assert.Equal(SHA256.HashData(payload), SHA256.HashData(echoed));

            var info = client.GetInfo();
            Assert.Equal(payload.Length, info.BytesReceived);
            Assert.True(info.BytesAcked >= payload.Length, info.ToString());
            Assert.NotNull(info.SmoothedRtt);
            Assert.True(info.CongestionWindow > 0);
            Assert.Contains("bytes_received:1048576", info.ToString(), StringComparison.Ordinal);
        }
    }

    [TcpSuiteFact]
    public async Task HalfClose_ShutdownSend_PeerSeesEndOfStream_AndWeStillReceive()
    {
        await using var net = CreateNetwork();
        await using var listener = Listen(net);
        var (client, server) = await ConnectPairAsync(net, listener);
        await using (client)
        await using (server)
        {
            await Within(client.SendAsync("request"u8.ToArray()));
            client.Shutdown(SocketShutdown.Send);

            var request = await ReadToEndAsync(server);
            Assert.Equal("request", Encoding.ASCII.GetString(request));
            Assert.Equal(TcpState.CloseWait, server.State);

            // The server answers after the client's FIN: the half-open direction still carries data.
            var reply = RandomNumberGenerator.GetBytes(300_000);
            await Within(server.SendAsync(reply));
            server.Shutdown(SocketShutdown.Send);
            var got = await ReadToEndAsync(client, reply.Length);
            Assert.Equal(SHA256.HashData(reply), SHA256.HashData(got));

            // After the local shutdown sending fails with Shutdown.
            var e = await Assert.ThrowsAsync<SocketException>(() => client.SendAsync(new byte[1]).AsTask());
            Assert.Equal(SocketError.Shutdown, e.SocketErrorCode);
        }
    }

    [TcpSuiteFact]
    public async Task Connect_ClosedPort_ConnectionRefused()
    {
        await using var net = CreateNetwork();
        await using var client = new TcpConnection(net.Client);
        var e = await Assert.ThrowsAsync<SocketException>(() => Within(client.ConnectAsync(new IPEndPoint(net.ServerAddress, 9))));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
        Assert.Equal(TcpState.Closed, client.State);
    }

    [TcpSuiteFact]
    public async Task Connect_SilentPeer_ConnectTimeout_TimedOut()
    {
        await using var net = CreateNetwork();
        await using var client = new TcpConnection(net.Client, new TcpConnectionOptions { ConnectTimeout = TimeSpan.FromMilliseconds(500) });
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<SocketException>(() => Within(client.ConnectAsync(new IPEndPoint(net.SilentAddress, 80))));
        Assert.Equal(SocketError.TimedOut, e.SocketErrorCode);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(10));
    }

    [TcpSuiteFact]
    public async Task Connect_SilentPeer_SynRetriesRunOut_TimedOut()
    {
        await using var net = CreateNetwork();
        var config = TcpConfig.Default with { SynRetries = 1, InitialRto = TimeSpan.FromMilliseconds(200), MinRto = TimeSpan.FromMilliseconds(100) };
        await using var client = new TcpConnection(net.Client, new TcpConnectionOptions { Config = config });
        var e = await Assert.ThrowsAsync<SocketException>(() => Within(client.ConnectAsync(new IPEndPoint(net.SilentAddress, 80))));
        Assert.True(e.SocketErrorCode is SocketError.TimedOut or SocketError.HostUnreachable, e.SocketErrorCode.ToString());
    }

    [TcpSuiteFact]
    public async Task PeerAbort_SurfacesConnectionReset_OnReceiveAndSend()
    {
        await using var net = CreateNetwork();
        await using var listener = Listen(net);
        var (client, server) = await ConnectPairAsync(net, listener);
        await using (client)
        {
            var pending = client.ReceiveAsync(new byte[100]);
            server.Abort();
            await ProvokeResetAsync(client);
            var e = await Assert.ThrowsAsync<SocketException>(() => Within(pending));
            Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
            var e2 = await Assert.ThrowsAsync<SocketException>(() => Within(client.SendAsync(new byte[10])));
            Assert.Equal(SocketError.ConnectionReset, e2.SocketErrorCode);
            Assert.Equal(TcpState.Closed, client.State);
            Assert.Equal(TcpError.ConnectionReset, client.GetInfo().Tcp.Error);
        }
    }

    [TcpSuiteFact]
    public async Task PeerAbort_OnStream_IOExceptionWrapsSocketException()
    {
        await using var net = CreateNetwork();
        await using var listener = Listen(net);
        var (client, server) = await ConnectPairAsync(net, listener);
        await using var stream = client.GetStream();
        server.Abort();
        await ProvokeResetAsync(client);
        var e = await Assert.ThrowsAsync<IOException>(() => stream.ReadAsync(new byte[10]).AsTask().WaitAsync(s_timeout));
        var inner = Assert.IsType<SocketException>(e.InnerException);
        Assert.Equal(SocketError.ConnectionReset, inner.SocketErrorCode);
    }

    [TcpSuiteFact]
    public async Task ReceiveAsync_Cancelled_ThrowsOperationCanceled_ConnectionKeepsWorking()
    {
        await using var net = CreateNetwork();
        await using var listener = Listen(net);
        var (client, server) = await ConnectPairAsync(net, listener);
        await using (client)
        await using (server)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            var buffer = new byte[10];
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Within(client.ReceiveAsync(buffer, cts.Token)));
            await Within(server.SendAsync("hello"u8.ToArray()));
            int n = await Within(client.ReceiveAsync(buffer));
            Assert.Equal("hello", Encoding.ASCII.GetString(buffer, 0, n));
        }
    }

    [TcpSuiteFact]
    public async Task AcceptAsync_Cancelled_ThrowsOperationCanceled_ListenerKeepsWorking()
    {
        await using var net = CreateNetwork();
        await using var listener = Listen(net);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Within(listener.AcceptAsync(cts.Token)));
        var (client, server) = await ConnectPairAsync(net, listener);
        await client.DisposeAsync();
        await server.DisposeAsync();
    }

    [TcpSuiteFact]
    public async Task ConnectAsync_Cancelled_AbortsTheAttempt()
    {
        await using var net = CreateNetwork();
        await using var client = new TcpConnection(net.Client);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Within(client.ConnectAsync(new IPEndPoint(net.SilentAddress, 80), cts.Token)));
        Assert.Equal(TcpState.Closed, client.GetInfo().State);
    }

    [TcpSuiteFact]
    public async Task Dispose_PendingReceiveAborted_LaterCallsObjectDisposed_PeerSeesFin()
    {
        await using var net = CreateNetwork();
        await using var listener = Listen(net);
        var (client, server) = await ConnectPairAsync(net, listener);
        await using (server)
        {
            var stream = client.GetStream();
            var pending = client.ReceiveAsync(new byte[10]);
            await client.DisposeAsync();
            var e = await Assert.ThrowsAsync<SocketException>(() => Within(pending));
            Assert.Equal(SocketError.OperationAborted, e.SocketErrorCode);
            ThrowsNow<ObjectDisposedException>(() => client.ReceiveAsync(new byte[1]).AsTask());
            ThrowsNow<ObjectDisposedException>(() => client.SendAsync(new byte[1]).AsTask());
            Assert.Throws<ObjectDisposedException>(() => client.Shutdown(SocketShutdown.Both));
            await client.DisposeAsync(); // idempotent
            Assert.Equal(0, await Within(server.ReceiveAsync(new byte[10])));

            await stream.DisposeAsync();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => stream.ReadAsync(new byte[1]).AsTask());
            Assert.Throws<ObjectDisposedException>(() => stream.Write(new byte[1]));
        }
    }

    [TcpSuiteFact]
    public async Task Abort_SendsReset_PeerSeesConnectionReset()
    {
        await using var net = CreateNetwork();
        await using var listener = Listen(net);
        var (client, server) = await ConnectPairAsync(net, listener);
        await using (server)
        {
            var pending = server.ReceiveAsync(new byte[10]);
            client.Abort();
            await ProvokeResetAsync(server);
            var e = await Assert.ThrowsAsync<SocketException>(() => Within(pending));
            Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
            ThrowsNow<ObjectDisposedException>(() => client.ReceiveAsync(new byte[1]).AsTask());
        }
    }

    [TcpSuiteFact]
    public async Task Listen_SameEndpointTwice_AddressAlreadyInUse()
    {
        await using var net = CreateNetwork();
        await using var first = Listen(net);
        await using var second = new TcpConnectionListener(net.Server, first.LocalEndPoint);
        var e = Assert.Throws<SocketException>(() => second.Start());
        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
        Assert.False(second.Active);

        // Once the first stops, the endpoint is free again.
        await first.DisposeAsync();
        await using var third = new TcpConnectionListener(net.Server, first.LocalEndPoint);
        third.Start();
        Assert.True(third.Active);
    }

    [TcpSuiteFact]
    public async Task StoppedListener_PendingAcceptFailsWithOperationAborted()
    {
        await using var net = CreateNetwork();
        var listener = Listen(net);
        var accept = listener.AcceptAsync();
        await listener.DisposeAsync();
        var e = await Assert.ThrowsAsync<SocketException>(() => Within(accept));
        Assert.Equal(SocketError.OperationAborted, e.SocketErrorCode);
        ThrowsNow<ObjectDisposedException>(() => listener.AcceptAsync().AsTask());
    }

    [TcpSuiteFact]
    public async Task UsageErrors_ThrowSynchronously()
    {
        await using var net = CreateNetwork();
        await using var connection = new TcpConnection(net.Client);
        ThrowsNow<ArgumentNullException>(() => connection.ConnectAsync(null!).AsTask());
        ThrowsNow<ArgumentOutOfRangeException>(() => connection.ConnectAsync(new IPEndPoint(net.ServerAddress, 0)).AsTask());
        Assert.Throws<SocketException>(() => connection.Shutdown(SocketShutdown.Send));
        Assert.Throws<ArgumentException>(() => new TcpConnection(net.Client, new TcpConnectionOptions { SendBufferSize = 10 }));
        var listener = new TcpConnectionListener(net.Server, new IPEndPoint(IPAddress.Any, NextPort()));
        ThrowsNow<InvalidOperationException>(() => listener.AcceptAsync().AsTask());
        var e = await Assert.ThrowsAsync<SocketException>(() => Within(connection.ReceiveAsync(new byte[1])));
        Assert.Equal(SocketError.NotConnected, e.SocketErrorCode);
    }

    [TcpSuiteFact]
    public async Task ManyConnections_ThroughOneListener_AllEchoed()
    {
        const int count = 200;
        await using var net = CreateNetwork();
        await using var listener = Listen(net, backlog: count);
        var serverDone = Task.Run(async () =>
        {
            var echoes = new List<Task>(count);
            for (int i = 0; i < count; i++)
            {
                var connection = await listener.AcceptAsync();
                echoes.Add(Task.Run(async () =>
                {
                    await using (connection)
                        await EchoUntilFinAsync(connection);
                }));
            }
            await Task.WhenAll(echoes);
        });
        var clients = new Task[count];
        for (int i = 0; i < count; i++)
        {
            int id = i;
            clients[i] = Task.Run(async () =>
            {
                await using var client = new TcpConnection(net.Client);
                await client.ConnectAsync(new IPEndPoint(net.ServerAddress, listener.LocalEndPoint.Port));
                var payload = new byte[1024 + id];
                Random.Shared.NextBytes(payload);
                await client.SendAsync(payload);
                client.Shutdown(SocketShutdown.Send);
                var echoed = await ReadToEndAsync(client, payload.Length);
                Assert.Equal(payload, echoed);
            });
        }
        await Within(Task.WhenAll(clients));
        await Within(serverDone);
    }

    [TcpSuiteFact]
    public async Task ReceiveAvailable_SendAvailable_TakeWhatIsReady_WithoutWaitingForDataOrSpace()
    {
        await using var net = CreateNetwork();
        await using var small = Listen(net, options: new TcpConnectionOptions { ReceiveBufferSize = 4096 });
        var (client, server) = await ConnectPairAsync(net, small, new TcpConnectionOptions { SendBufferSize = 4096 });
        await using (client)
        await using (server)
        {
            var buffer = new byte[100];
            Assert.False(server.ReceiveAvailable(buffer, out int none));
            Assert.Equal(0, none);

            Assert.True(client.SendAvailable("ping"u8, out int sent));
            Assert.Equal(4, sent);
            // Wait until it arrived, then take it without waiting.
            Assert.Equal(0, await Within(server.ReceiveAsync(Memory<byte>.Empty)));
            Assert.True(server.ReceiveAvailable(buffer, out int got));
            Assert.Equal("ping", Encoding.ASCII.GetString(buffer, 0, got));

            // With the peer not reading, its window and our send buffer fill, and then SendAvailable refuses more without waiting.
            var big = new byte[64 * 1024];
            int total = 0;
            bool refusedOnce = false;
            for (int i = 0; i < 1000; i++)
            {
                if (!client.SendAvailable(big, out int n))
                {
                    Assert.Equal(0, n);
                    refusedOnce = true;
                    break;
                }
                total += n;
                await Task.Delay(1);
            }
            Assert.True(refusedOnce);
            Assert.InRange(total, 4096, 4096 + 4096 + 2048);
        }
    }

    [TcpSuiteFact]
    public async Task Stream_ReadWrite_RoundTrips()
    {
        await using var net = CreateNetwork();
        await using var listener = Listen(net);
        var (client, server) = await ConnectPairAsync(net, listener);
        await using var clientStream = client.GetStream();
        await using var serverStream = server.GetStream();
        Assert.Same(clientStream, client.GetStream());
        Assert.True(clientStream.CanRead && clientStream.CanWrite && !clientStream.CanSeek);
        var payload = RandomNumberGenerator.GetBytes(200_000);
        var write = Task.Run(async () =>
        {
            await clientStream.WriteAsync(payload);
            await clientStream.FlushAsync();
            client.Shutdown(SocketShutdown.Send);
        });
        var copy = new MemoryStream();
        await Within(serverStream.CopyToAsync(copy));
        await Within(write);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(copy.ToArray()));

        // Synchronous calls work too (off the loop threads, where an inline suite's awaits may resume).
        var buffer = await Within(Task.Run(() =>
        {
            serverStream.Write("sync"u8);
            var buffer = new byte[4];
            int read = 0;
            while (read < 4)
                read += clientStream.Read(buffer, read, 4 - read);
            return buffer;
        }));
        Assert.Equal("sync", Encoding.ASCII.GetString(buffer));
    }

    [TcpSuiteFact]
    public async Task HttpClient_Get_ThroughStack_FromTinyResponder()
    {
        await using var net = CreateNetwork();
        await using var listener = Listen(net);
        var body = RandomNumberGenerator.GetBytes(100_000);
        var serving = Task.Run(async () =>
        {
            // A tiny HTTP/1.1 responder: one request per connection, then close.
            for (int i = 0; i < 2; i++)
            {
                await using var connection = await listener.AcceptAsync();
                var stream = connection.GetStream();
                var request = new StringBuilder();
                var buffer = new byte[4096];
                while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    int n = await stream.ReadAsync(buffer);
                    if (n == 0)
                        return;
                    request.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }
                var path = request.ToString().Split(' ')[1];
                var header = $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nContent-Type: application/octet-stream\r\nX-Path: {path}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(header));
                await stream.WriteAsync(body);
                connection.Shutdown(SocketShutdown.Send);
                // Drain until the client closes so the close is graceful.
                while (await stream.ReadAsync(buffer) > 0)
                {
                }
            }
        });
        using var http = new HttpClient(TeeceepeeHttp.CreateHandler(net.Client, host => host == "server.test" ? net.ServerAddress : throw new HttpRequestException("unknown")));
        http.Timeout = s_timeout;
        var response = await http.GetAsync($"http://{net.ServerAddress}:{listener.LocalEndPoint.Port}/hello");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/hello", response.Headers.GetValues("X-Path").Single());
        Assert.Equal(SHA256.HashData(body), SHA256.HashData(await response.Content.ReadAsByteArrayAsync()));

        var named = await http.GetByteArrayAsync($"http://server.test:{listener.LocalEndPoint.Port}/named");
        Assert.Equal(body, named);
        await Within(serving);

        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync($"http://elsewhere.test:{listener.LocalEndPoint.Port}/"));
    }
}
