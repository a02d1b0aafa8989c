using System.Net;
using System.Net.Sockets;
using Teeceepee.Dns;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Dns;

/// <summary>
/// A DNS server on a test stack: port 53 over UDP (and optionally TCP), answering each query with
/// whatever the handler sends through <see cref="SendAsync"/>. Also has a socket on port 5353 to
/// send from the wrong port.
/// </summary>
internal sealed class FakeDnsServer : IAsyncDisposable
{
    private readonly UdpSocket _socket;
    private readonly UdpSocket _otherPort;
    private readonly TcpConnectionListener? _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _udpLoop;
    private readonly Task? _tcpLoop;
    private readonly Func<FakeDnsServer, DnsMessage, IPEndPoint, ValueTask> _handler;
    private int _queries;
    private int _tcpQueries;

    public FakeDnsServer(NetworkStack stack, Func<FakeDnsServer, DnsMessage, IPEndPoint, ValueTask> handler, Func<DnsMessage, DnsMessage>? tcpAnswer = null)
    {
        _handler = handler;
        _socket = new UdpSocket(stack, DnsMessage.Port);
        _otherPort = new UdpSocket(stack, 5353);
        _udpLoop = Task.Run(ServeUdpAsync);
        if (tcpAnswer is not null)
        {
            _tcp = new TcpConnectionListener(stack, new IPEndPoint(IPAddress.Any, DnsMessage.Port));
            _tcp.Start();
            _tcpLoop = Task.Run(() => ServeTcpAsync(tcpAnswer));
        }
    }

    public int Queries => Volatile.Read(ref _queries);

    public int TcpQueries => Volatile.Read(ref _tcpQueries);

    /// <summary>Names asked, in order.</summary>
    public List<string> Names { get; } = [];

    /// <summary>A response to <paramref name="query"/> with the given answers.</summary>
    public static DnsMessage Answer(DnsMessage query, params DnsRecord[] answers) => query with
    {
        IsResponse = true,
        RecursionAvailable = true,
        Answers = answers,
    };

    public ValueTask<int> SendAsync(DnsMessage message, IPEndPoint to, bool fromWrongPort = false) =>
        (fromWrongPort ? _otherPort : _socket).SendToAsync(message.ToArray(), to);

    private async Task ServeUdpAsync()
    {
        var buffer = new byte[2048];
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            if (!DnsMessage.TryParse(buffer.AsSpan(0, received.ReceivedBytes), out var query, out _))
                continue;
            Interlocked.Increment(ref _queries);
            lock (Names)
                Names.Add(query.Questions[0].Name);
            await _handler(this, query, received.RemoteEndPoint);
        }
    }

    private async Task ServeTcpAsync(Func<DnsMessage, DnsMessage> answer)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpConnection connection;
            try
            {
                connection = await _tcp!.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            try
            {
                await using var owned = connection;
                var stream = connection.GetStream();
                var prefix = new byte[2];
                await stream.ReadExactlyAsync(prefix);
                var body = new byte[prefix[0] << 8 | prefix[1]];
                await stream.ReadExactlyAsync(body);
                Interlocked.Increment(ref _tcpQueries);
                Assert.True(DnsMessage.TryParse(body, out var query, out _));
                var response = answer(query).ToArray();
                // One write: a separate 2-octet write would meet Nagle and the peer's delayed ACK.
                await stream.WriteAsync((byte[])[(byte)(response.Length >> 8), (byte)response.Length, .. response]);
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                // The client went away.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _socket.Dispose();
        _otherPort.Dispose();
        if (_tcp is not null)
            await _tcp.DisposeAsync();
        await _udpLoop;
        if (_tcpLoop is not null)
            await _tcpLoop;
        _stop.Dispose();
    }

    public static IPv4Address A(string text) => IPv4Address.Parse(text);
}
