using System.Net;
using System.Net.Http;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Teeceepee.Dns;
using Teeceepee.Http;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Tests.Sockets;
using Teeceepee.Wire;
using static Teeceepee.Tests.Dns.FakeDnsServer;

namespace Teeceepee.Tests.Dns;

/// <summary>
/// <see cref="TeeceepeeHttp"/> connecting by name over IPv6: the stack's resolver asks a DNS server on the other stack
/// for AAAA and A (RFC 3596), Happy Eyeballs (RFC 8305) picks the address in RFC 6724 order, the body arrives byte-exact.
/// Both stacks are dual-stack (198.18.0.1 and 198.18.0.2, and ::1 and ::2 in the prefix each test gives), DAD off.
/// </summary>
public class DnsHttpIPv6Tests
{
    private static readonly byte[] s_body = MakeBody();

    private static byte[] MakeBody()
    {
        var body = new byte[100_000];
        new Random(10).NextBytes(body);
        return body;
    }

    private static MemoryTcpTestNetwork DualStackNetwork(string prefix) => new(o => o with
    {
        IPv6Addresses = [new IPv6AddressPrefix(IPv6Address.Parse(prefix + (o.Name == "client" ? "1" : "2")), 64)],
        DadTransmits = 0,
    });

    /// <summary>
    /// Answers v6only.test with AAAA only and dual.test with AAAA and A (other names: NXDOMAIN), always sending the answer
    /// of type <paramref name="first"/> before the other one's (a held query is answered right after), so which
    /// answer the client sees first does not depend on timing.
    /// </summary>
    private static FakeDnsServer OrderedServer(MemoryTcpTestNetwork net, IPv6Address v6, DnsRecordType first, List<DnsRecordType> asked)
    {
        (DnsMessage Query, IPEndPoint Client)? held = null;
        bool firstSent = false;
        DnsMessage Respond(DnsMessage q)
        {
            var question = q.Questions[0];
            bool dual = DnsName.Equals(question.Name, "dual.test");
            if (!dual && !DnsName.Equals(question.Name, "v6only.test"))
                return Answer(q) with { ResponseCode = DnsResponseCode.NameError };
            return question.Type switch
            {
                DnsRecordType.AAAA => Answer(q, DnsRecord.ForAddress(question.Name, v6, 60)),
                DnsRecordType.A when dual => Answer(q, DnsRecord.ForAddress(question.Name, MemoryTcpTestNetwork.ServerAddressV4, 60)),
                _ => Answer(q), // NOERROR, no data
            };
        }
        // The server's loop calls the handler for one query at a time: no locking.
        return new FakeDnsServer(net.Server, async (s, q, c) =>
        {
            var type = q.Questions[0].Type;
            lock (asked)
                asked.Add(type);
            if (type != first && !firstSent)
            {
                held = (q, c);
                return;
            }
            await s.SendAsync(Respond(q), c);
            if (type == first)
            {
                firstSent = true;
                if (held is { } h)
                {
                    held = null;
                    await s.SendAsync(Respond(h.Query), h.Client);
                }
            }
        });
    }

    /// <summary>An HTTP/1.1 server on [::]:80 (both families) answering every request with <see cref="s_body"/>; records each client's address.</summary>
    private static async Task ServeAsync(TcpConnectionListener listener, List<IPAddress> served, CancellationToken cancellationToken)
    {
        var header = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {s_body.Length}\r\nConnection: close\r\n\r\n");
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpConnection connection;
            try
            {
                connection = await listener.AcceptAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                return;
            }
            await using var _ = connection;
            try
            {
                var stream = connection.GetStream();
                var buffer = new byte[4096];
                int n = 0, read;
                while (!Encoding.ASCII.GetString(buffer, 0, n).Contains("\r\n\r\n", StringComparison.Ordinal)
                       && (read = await stream.ReadAsync(buffer.AsMemory(n), cancellationToken)) > 0)
                    n += read;
                if (!Encoding.ASCII.GetString(buffer, 0, n).Contains("\r\n\r\n", StringComparison.Ordinal))
                    continue; // an attempt Happy Eyeballs abandoned
                lock (served)
                    served.Add(connection.RemoteEndPoint!.Address);
                await stream.WriteAsync(header, cancellationToken);
                await stream.WriteAsync(s_body, cancellationToken);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
            {
                // The client went away.
            }
        }
    }

    /// <summary>Runs <paramref name="fetch"/> against the server and the ordered DNS server; returns the addresses the server saw and the types asked.</summary>
    private static async Task<(List<IPAddress> Served, List<DnsRecordType> Asked)> FetchAsync(
        string prefix, DnsRecordType first, Func<MemoryTcpTestNetwork, DnsResolver, Task> fetch)
    {
        await using var net = DualStackNetwork(prefix);
        var v6 = IPv6Address.Parse(prefix + "2");
        var asked = new List<DnsRecordType>();
        await using var dns = OrderedServer(net, v6, first, asked);
        await using var listener = new TcpConnectionListener(net.Server, new IPEndPoint(IPAddress.IPv6Any, 80));
        listener.Start();
        var served = new List<IPAddress>();
        using var stop = new CancellationTokenSource();
        var serve = Task.Run(() => ServeAsync(listener, served, stop.Token));
        // The resolver asks AAAA once the stack has an IPv6 source (like AI_ADDRCONFIG): wait for its first poll.
        for (int i = 0; i < 3000 && !net.Client.IPv6Addresses.Any(a => a.Origin == IPv6AddressOrigin.Static && a.State == IPv6AddressState.Preferred); i++)
            await Task.Delay(10);
        var resolver = new DnsResolver(net.Client, new DnsResolverOptions { Servers = [v6.ToIPAddress()], Timeout = TimeSpan.FromSeconds(10) });
        Assert.True(resolver.AsksIPv6);
        try
        {
            await fetch(net, resolver);
        }
        finally
        {
            stop.Cancel();
            await listener.DisposeAsync();
            await serve;
        }
        return (served, asked);
    }

    private static async Task GetAndCheckAsync(HttpMessageHandler handler, string url)
    {
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        Assert.Equal(s_body, await http.GetByteArrayAsync(url));
    }

    [Fact]
    public async Task HttpClient_NameWithOnlyAaaa_ConnectsOverIPv6_BodyByteExact()
    {
        var (served, asked) = await FetchAsync("2001:db8:48::", DnsRecordType.AAAA,
            (net, resolver) => GetAndCheckAsync(TeeceepeeHttp.CreateHandler(net.Client, resolver), "http://v6only.test/"));

        Assert.Equal(new[] { IPAddress.Parse("2001:db8:48::1") }, served);
        Assert.Contains(DnsRecordType.AAAA, asked);
    }

    /// <summary>
    /// <c>TeeceepeeHttp.CreateHandler(stack, resolver)</c>'s connect step with Happy
    /// Eyeballs on a frozen clock: a second attempt (250 ms after the first) never starts and the resolution delay never
    /// ends, so the address used is the algorithm's first choice whatever the machine's load.
    /// </summary>
    private static SocketsHttpHandler FrozenClockHandler(NetworkStack stack, DnsResolver resolver)
    {
        var frozen = new HappyEyeballsOptions { TimeProvider = new FakeTimeProvider() };
        return new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = (context, ct) => TeeceepeeHttp.ConnectAsync(stack, resolver, null, context.DnsEndPoint, ct, frozen),
        };
    }

    [Fact]
    public async Task HttpClient_DualStackName_AaaaAnsweredFirst_ConnectsOverIPv6_BodyByteExact()
    {
        // RFC 8305 §3: an AAAA answer that comes first is used at once (and were A there too, 2001:db8:: sorts first).
        var (served, asked) = await FetchAsync("2001:db8:48::", DnsRecordType.AAAA,
            (net, resolver) => GetAndCheckAsync(FrozenClockHandler(net.Client, resolver), "http://dual.test/"));

        Assert.Equal(new[] { IPAddress.Parse("2001:db8:48::1") }, served);
        Assert.Equal([DnsRecordType.A, DnsRecordType.AAAA], asked.Order());
    }

    [Theory]
    // RFC 6724 §2.1 default policy: ::/0 precedence 40 > ::ffff:0:0/96 (IPv4) 35 > fc00::/7 (ULA) 3; rule 6 sorts by it.
    [InlineData("2001:db8:48::", true)]
    [InlineData("fd00:0:0:48::", false)]
    public async Task HttpClient_DualStackName_AAnsweredFirst_BothKnown_ConnectsToTheRfc6724First_BodyByteExact(string prefix, bool overIPv6)
    {
        // The A answer leaves first; Happy Eyeballs waits up to its resolution delay (§3) for AAAA (on the frozen clock:
        // always), then sorts both (§4) and tries the first.
        var (served, asked) = await FetchAsync(prefix, DnsRecordType.A,
            (net, resolver) => GetAndCheckAsync(FrozenClockHandler(net.Client, resolver), "http://dual.test/"));

        var expected = overIPv6 ? IPAddress.Parse(prefix + "1") : MemoryTcpTestNetwork.ClientAddress.ToIPAddress().MapToIPv6();
        Assert.Equal(new[] { expected }, served);
        Assert.Equal([DnsRecordType.A, DnsRecordType.AAAA], asked.Order());
    }
}
