using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Teeceepee.Cli.Network;
using Teeceepee.Cli.Options;
using Teeceepee.Cli.Socks;
using Teeceepee.Links;
using Teeceepee.Sockets;

namespace Teeceepee.Tests.Cli;

/// <summary>
/// SOCKS5 username/password (RFC 1929), UDP ASSOCIATE (RFC 1928 §7) and refused SOCKS4, with the outbound side on two
/// stacks joined by a MemoryLink: the host client on kernel loopback, "A" carrying its traffic, "B" the far end.
/// </summary>
public sealed class Socks5AuthUdpTests : IAsyncLifetime
{
    private static readonly IPAddress s_far = IPAddress.Parse("198.18.0.1");
    private readonly KernelNetwork _kernel = new();
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
    private readonly StringWriter _log = new();
    private TeeceepeeNetwork _a = null!;
    private TeeceepeeNetwork _b = null!;
    private IConnectionListener? _socksListener;
    private Task? _socksLoop;

    private static LinkOptions Options(string address, string name, int seed) =>
        new() { Kind = LinkKind.Tap, Device = name, Address = IPAddress.Parse(address), PrefixLength = 24, Seed = seed };

    public Task InitializeAsync()
    {
        var (first, second) = MemoryLink.CreatePair();
        _a = (TeeceepeeNetwork)TeeceepeeNetwork.FromLink(first, Options("198.18.0.2", "mem-a", 1), null);
        _b = (TeeceepeeNetwork)TeeceepeeNetwork.FromLink(second, Options("198.18.0.1", "mem-b", 2), null);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_socksListener is not null)
            await _socksListener.DisposeAsync();
        if (_socksLoop is not null)
            await _socksLoop;
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        _stop.Dispose();
    }

    private async Task<int> StartSocks(Socks5Credentials? credentials = null, IReadOnlyList<ResolveEntry>? resolve = null)
    {
        _socksListener = await _kernel.ListenAsync(new IPEndPoint(IPAddress.Loopback, 0), 16, CancellationToken.None);
        var server = new Socks5Server(_a, resolve ?? [], _log) { Credentials = credentials };
        _socksLoop = server.RunAsync(_socksListener, _stop.Token);
        return _socksListener.LocalEndPoint.Port;
    }

    // A one-response HTTP server on stack B.
    private async Task<Task> StartHttpOnB(int port, string body)
    {
        var listener = await _b.ListenAsync(new IPEndPoint(s_far, port), 4, CancellationToken.None);
        return Task.Run(async () =>
        {
            await using var _ = listener;
            await using var connection = await listener.AcceptAsync(_stop.Token);
            var head = new StringBuilder();
            var buffer = new byte[4096];
            while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                int n = await connection.Stream.ReadAsync(buffer, _stop.Token);
                if (n == 0)
                    return;
                head.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
            var response = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
            await connection.Stream.WriteAsync(response, _stop.Token);
            connection.ShutdownSend();
            while (await connection.Stream.ReadAsync(buffer, _stop.Token) > 0)
            {
            }
        });
    }

    private static async Task<(int ExitCode, string Output)> Curl(params string[] args)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }

    [Fact]
    public async Task Curl_WithUserAndPassword_FetchesThroughTheStack()
    {
        Assert.True(File.Exists("/usr/bin/curl"), "curl is the SOCKS client here; scripts/setup.sh installs it");
        var server = await StartHttpOnB(8080, "hello through socks");
        int port = await StartSocks(new Socks5Credentials("alice", "s3cret:x"));

        var (code, output) = await Curl("-s", "--max-time", "20", "--socks5", $"127.0.0.1:{port}", "--proxy-user", "alice:s3cret:x", "http://198.18.0.1:8080/");

        Assert.Equal(0, code);
        Assert.Equal("hello through socks", output);
        await server;
        Assert.Contains("-> 198.18.0.1:8080: connected from 198.18.0.2:", _log.ToString());
    }

    [Fact]
    public async Task Curl_WithWrongPassword_IsRefusedAndLogged()
    {
        Assert.True(File.Exists("/usr/bin/curl"), "curl is the SOCKS client here; scripts/setup.sh installs it");
        int port = await StartSocks(new Socks5Credentials("alice", "right"));

        var (code, _) = await Curl("-s", "--max-time", "20", "--socks5", $"127.0.0.1:{port}", "--proxy-user", "alice:wrong", "http://198.18.0.1:8080/");

        Assert.NotEqual(0, code);
        Assert.Contains("authentication failed for user 'alice'; closed", _log.ToString());
    }

    [Fact]
    public async Task WrongCredentials_Status1ThenClose()
    {
        int port = await StartSocks(new Socks5Credentials("alice", "right"));
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(new byte[] { 5, 2, 0, 2 }); // offers none and username/password
        var choice = new byte[2];
        await stream.ReadExactlyAsync(choice);
        Assert.Equal(new byte[] { 5, 2 }, choice);
        await stream.WriteAsync((byte[])[1, 5, .. "alice"u8, 5, .. "wrong"u8]);
        var rest = new MemoryStream();
        await stream.CopyToAsync(rest);
        Assert.Equal(new byte[] { 1, 1 }, rest.ToArray()); // STATUS 1, then the server closed
    }

    [Fact]
    public async Task CredentialsRequired_ClientWithoutUserPassword_Gets0xFF()
    {
        int port = await StartSocks(new Socks5Credentials("alice", "right"));
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(new byte[] { 5, 1, 0 });
        var rest = new MemoryStream();
        await stream.CopyToAsync(rest);
        Assert.Equal(new byte[] { 5, 0xFF }, rest.ToArray());
        Assert.Contains("no acceptable method (this server needs username/password)", _log.ToString());
    }

    [Fact]
    public async Task Socks4Request_IsRejectedAndLogged()
    {
        int port = await StartSocks();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(new byte[] { 4, 1, 0, 80, 198, 18, 0, 1, 0 }); // SOCKS4 CONNECT 198.18.0.1:80, empty user id
        var rest = new MemoryStream();
        await stream.CopyToAsync(rest);
        Assert.Equal(new byte[] { 0, 91, 0, 0, 0, 0, 0, 0 }, rest.ToArray());
        Assert.Contains($"socks: 127.0.0.1:{((IPEndPoint)client.Client.LocalEndPoint!).Port}: SOCKS4 request refused", _log.ToString());
    }

    [Fact]
    public async Task ConnectRefused_LogNamesTheAddress()
    {
        int port = await StartSocks();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(new byte[] { 5, 1, 0 });
        await stream.ReadExactlyAsync(new byte[2]);
        await stream.WriteAsync(new byte[] { 5, 1, 0, 1, 198, 18, 0, 1, 0, 81 });
        var reply = new byte[10];
        await stream.ReadExactlyAsync(reply);
        Assert.Equal(5, reply[1]);
        Assert.Contains("-> 198.18.0.1:81: connect to 198.18.0.1:81 failed: connection refused", _log.ToString());
    }

    [Fact]
    public async Task UdpAssociate_RelaysDatagramsThroughTheStackUntilTheControlConnectionCloses()
    {
        // A UDP echo on stack B, port 7.
        using var echo = new UdpSocket(_b.Stack, 7);
        var echoLoop = Task.Run(async () =>
        {
            var buffer = new byte[2048];
            while (true)
            {
                var got = await echo.ReceiveFromAsync(buffer, _stop.Token);
                await echo.SendToAsync(buffer.AsMemory(0, got.ReceivedBytes), got.RemoteEndPoint, _stop.Token);
            }
        });
        int port = await StartSocks(resolve: [new ResolveEntry("echo.test", null, s_far)]);
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var control = new TcpClient();
        await control.ConnectAsync(IPAddress.Loopback, port);
        var stream = control.GetStream();
        await stream.WriteAsync(new byte[] { 5, 1, 0 });
        await stream.ReadExactlyAsync(new byte[2]);
        var udpPort = ((IPEndPoint)udp.LocalEndPoint!).Port;
        await stream.WriteAsync(new byte[] { 5, 3, 0, 1, 127, 0, 0, 1, (byte)(udpPort >> 8), (byte)udpPort }); // §7: we send from here
        var reply = new byte[10];
        await stream.ReadExactlyAsync(reply);
        Assert.Equal(new byte[] { 5, 0, 0, 1, 127, 0, 0, 1 }, reply[..8]);
        var relay = new IPEndPoint(IPAddress.Loopback, BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(8)));

        // By address, then by name; each answer comes back behind a header naming 198.18.0.1:7.
        byte[] byAddress = [0, 0, 0, 1, 198, 18, 0, 1, 0, 7, .. "hello"u8];
        byte[] byName = [0, 0, 0, 3, 9, .. "echo.test"u8, 0, 7, .. "by name"u8];
        byte[] fragment = [0, 0, 1, 1, 198, 18, 0, 1, 0, 7, .. "fragment"u8]; // FRAG 1: dropped (§7)
        await udp.SendToAsync(fragment, relay);
        foreach (var (request, text) in new[] { (byAddress, "hello"), (byName, "by name") })
        {
            await udp.SendToAsync(request, relay);
            var buffer = new byte[2048];
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            wait.CancelAfter(TimeSpan.FromSeconds(10));
            var got = await udp.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), wait.Token);
            Assert.Equal(relay, got.RemoteEndPoint);
            Assert.Equal(new byte[] { 0, 0, 0, 1, 198, 18, 0, 1, 0, 7 }, buffer[..10]);
            Assert.Equal(text, Encoding.ASCII.GetString(buffer, 10, got.ReceivedBytes - 10));
        }

        // Closing the TCP connection ends the association (§7).
        control.Dispose();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!_log.ToString().Contains("association ended", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.Contains("association ended (2 datagrams out, 2 in, 1 dropped)", _log.ToString());
        Assert.Contains("UDP ASSOCIATE: relaying datagrams sent to 127.0.0.1:", _log.ToString());
        Assert.False(echoLoop.IsFaulted);
    }

    [Theory]
    [InlineData("alice:pw", "alice", "pw")]
    [InlineData("alice:p:w", "alice", "p:w")]
    public void Credentials_ParseNameAndPassword(string text, string user, string password)
    {
        Assert.True(Socks5Credentials.TryParse(text, out var credentials, out _));
        Assert.Equal(new Socks5Credentials(user, password), credentials);
        Assert.Equal($"{user}:***", credentials!.ToString());
    }

    [Theory]
    [InlineData("alice")]
    [InlineData(":pw")]
    [InlineData("alice:")]
    public void Credentials_WithoutNameOrPassword_AreRefused(string text)
    {
        Assert.False(Socks5Credentials.TryParse(text, out _, out string? error));
        Assert.Equal($"--user takes NAME:PASS, not '{text}'", error);
    }
}
