using System.Net;
using System.Net.Sockets;
using System.Text;
using Teeceepee.Cli.Bench;
using Teeceepee.Cli.Network;

namespace Teeceepee.Tests.Cli;

/// <summary>The close-first (5004) and connect-back (5005) bench servers over kernel loopback.</summary>
public sealed class BenchClosingServersTests : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(30));
    private readonly Dictionary<BenchServer.Role, int> _ports = [];
    private readonly Task _running;

    public BenchClosingServersTests()
    {
        var ready = new TaskCompletionSource();
        var server = new BenchServer(new KernelNetwork(), null);
        _running = server.RunAsync(IPAddress.Loopback, [(BenchServer.Role.CloseFirst, 0), (BenchServer.Role.ConnectBack, 0)], (role, endpoint) =>
        {
            lock (_ports)
            {
                _ports[role] = endpoint.Port;
                if (_ports.Count == 2)
                    ready.TrySetResult();
            }
        }, _stop.Token);
        Assert.True(ready.Task.Wait(TimeSpan.FromSeconds(10)));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
    }

    [Fact]
    public async Task CloseFirst_NewConnection_WritesHelloThenFinBeforeTheClient()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _ports[BenchServer.Role.CloseFirst]);
        var stream = client.GetStream();
        // We send nothing and do not close: the FIN that ends the read is the server's.
        Assert.Equal("hello\n", await ReadToEndAsync(stream));
        client.Client.Shutdown(SocketShutdown.Send);
    }

    [Fact]
    public async Task ConnectBack_ConnectLine_OpensToOurPortSaysHelloClosesFirstThenOk()
    {
        using var back = new TcpListener(IPAddress.Loopback, 0);
        back.Start();
        using var control = new TcpClient();
        await control.ConnectAsync(IPAddress.Loopback, _ports[BenchServer.Role.ConnectBack]);
        var controlStream = control.GetStream();
        await controlStream.WriteAsync(Encoding.ASCII.GetBytes($"CONNECT {((IPEndPoint)back.LocalEndpoint).Port}\n"));

        using var accepted = await back.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(IPAddress.Loopback, ((IPEndPoint)accepted.Client.RemoteEndPoint!).Address);
        Assert.Equal("hello\n", await ReadToEndAsync(accepted.GetStream()));
        accepted.Client.Shutdown(SocketShutdown.Send);

        Assert.Equal("OK\n", await ReadToEndAsync(controlStream));
    }

    [Fact]
    public async Task ConnectBack_BadLine_AnswersErrorAndCloses()
    {
        using var control = new TcpClient();
        await control.ConnectAsync(IPAddress.Loopback, _ports[BenchServer.Role.ConnectBack]);
        var stream = control.GetStream();
        await stream.WriteAsync("CONNECT 99999\n"u8.ToArray());
        Assert.StartsWith("ERROR", await ReadToEndAsync(stream), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CONNECT 8080", 8080)]
    [InlineData("connect 1\r", 1)]
    [InlineData("CONNECT 0", null)]
    [InlineData("CONNECT 65536", null)]
    [InlineData("CONNECT -5", null)]
    [InlineData("CONNECT", null)]
    [InlineData("GET / HTTP/1.0", null)]
    public void TryParseConnect_Line_PortOrRefusal(string line, int? expected)
    {
        bool ok = BenchClosingServers.TryParseConnect(line, out int port);
        Assert.Equal(expected is not null, ok);
        if (expected is not null)
            Assert.Equal(expected, port);
    }

    private static async Task<string> ReadToEndAsync(Stream stream)
    {
        var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer).WaitAsync(TimeSpan.FromSeconds(10));
        return Encoding.ASCII.GetString(buffer.ToArray());
    }
}
