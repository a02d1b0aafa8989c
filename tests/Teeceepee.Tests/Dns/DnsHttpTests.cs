using System.Net;
using System.Text;
using Teeceepee.Dns;
using Teeceepee.Sockets;
using Teeceepee.Http;
using Teeceepee.Tests.Sockets;
using static Teeceepee.Tests.Dns.FakeDnsServer;

namespace Teeceepee.Tests.Dns;

public class DnsHttpTests
{
    [Fact]
    public async Task HttpClient_WithResolver_FetchesByName()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var dns = new FakeDnsServer(net.Server, (s, q, c) => DnsName.Equals(q.Questions[0].Name, "web.test")
            ? IgnoreLength(s.SendAsync(Answer(q, DnsRecord.ForAddress("web.test", MemoryTcpTestNetwork.ServerAddressV4, 60)), c))
            : IgnoreLength(s.SendAsync(Answer(q) with { ResponseCode = DnsResponseCode.NameError }, c)));
        await using var listener = new TcpConnectionListener(net.Server, new IPEndPoint(IPAddress.Any, 80));
        listener.Start();
        var serve = Task.Run(async () =>
        {
            await using var connection = await listener.AcceptAsync();
            var stream = connection.GetStream();
            var buffer = new byte[4096];
            int n = 0;
            while (!Encoding.ASCII.GetString(buffer, 0, n).Contains("\r\n\r\n", StringComparison.Ordinal))
                n += await stream.ReadAsync(buffer.AsMemory(n));
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nby name!"u8.ToArray());
        });
        var resolver = new DnsResolver(net.Client, new DnsResolverOptions { Servers = [net.ServerAddress] });
        using var http = new HttpClient(TeeceepeeHttp.CreateHandler(net.Client, resolver)) { Timeout = TimeSpan.FromSeconds(30) };

        Assert.Equal("by name!", await http.GetStringAsync("http://web.test/"));
        await serve;
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync("http://nowhere.test/"));
        Assert.Equal(System.Net.Sockets.SocketError.HostNotFound, Assert.IsType<System.Net.Sockets.SocketException>(e.InnerException).SocketErrorCode);
    }

    private static async ValueTask IgnoreLength(ValueTask<int> send) => await send;
}
