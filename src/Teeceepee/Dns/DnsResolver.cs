using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Dns;

/// <summary>
/// A stub resolver (RFC 1035 §7) for A records over a <see cref="NetworkStack"/>'s UDP. Each query
/// gets a random ID and a random source port, and an answer counts only if it comes from the
/// server's address and port 53 with the same ID and question (RFC 5452 §9.1); anything else is
/// ignored and counted. Servers are tried in order with a timeout, for a number of rounds;
/// CNAME chains are followed (bounded); answers are cached for their TTL. Failures are
/// <see cref="SocketException"/>s with the codes .NET's <see cref="System.Net.Dns"/> uses: HostNotFound
/// (NXDOMAIN), NoData (the name has no A record), TryAgain (SERVFAIL, refused), TimedOut (no answer).
/// Thread-safe.
/// </summary>
/// <example>
/// <code>
/// var resolver = new DnsResolver(stack, new DnsResolverOptions { Servers = [IPAddress.Parse("198.18.0.1")] });
/// IPAddress address = await resolver.ResolveAsync("web.test");
/// </code>
/// </example>
public sealed class DnsResolver : IHostResolver
{
    private const int ReceiveBufferLength = 65535;

    private readonly NetworkStack _stack;
    private readonly DnsResolverOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, CacheEntry> _cache = new(StringComparer.Ordinal);
    private readonly Lock _cacheLock = new();
    private volatile IReadOnlyList<IPAddress> _servers;
    private long _queriesSent;
    private long _responsesIgnored;
    private long _cacheHits;
    private long _tcpQueries;

    /// <summary>A resolver that asks <paramref name="options"/>' servers through <paramref name="stack"/>.</summary>
    public DnsResolver(NetworkStack stack, DnsResolverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        _stack = stack;
        _options = options ?? new DnsResolverOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Attempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.Timeout, TimeSpan.Zero);
        _time = _options.TimeProvider;
        _servers = Validate(_options.Servers);
    }

    /// <summary>The name servers, in the order they are asked. Settable at any time (a DHCP lease brings new ones).</summary>
    public IReadOnlyList<IPAddress> Servers
    {
        get => _servers;
        set => _servers = Validate(value);
    }

    /// <summary>Queries sent (UDP and TCP, retries included).</summary>
    public long QueriesSent => Interlocked.Read(ref _queriesSent);

    /// <summary>Datagrams dropped as not an answer to a pending query: wrong source, ID or question, or malformed (RFC 5452).</summary>
    public long ResponsesIgnored => Interlocked.Read(ref _responsesIgnored);

    /// <summary>Lookups answered from the cache.</summary>
    public long CacheHits => Interlocked.Read(ref _cacheHits);

    /// <summary>Queries repeated over TCP after a truncated UDP answer.</summary>
    public long TcpQueries => Interlocked.Read(ref _tcpQueries);

    /// <summary>Forgets every cached answer.</summary>
    public void ClearCache()
    {
        lock (_cacheLock)
            _cache.Clear();
    }

    /// <summary>The first IPv4 address of <paramref name="host"/> (see <see cref="GetHostAddressesAsync"/>).</summary>
    public async ValueTask<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken = default)
    {
        var addresses = await GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return addresses[0];
    }

    /// <summary>
    /// The IPv4 addresses of <paramref name="host"/>: a dotted-quad literal as is, then the hosts
    /// table, the cache, and finally the servers. Never empty.
    /// </summary>
    /// <exception cref="SocketException">HostNotFound, NoData, TryAgain or TimedOut.</exception>
    public async ValueTask<IPAddress[]> GetHostAddressesAsync(string host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        cancellationToken.ThrowIfCancellationRequested();
        if (IPv4Address.TryParse(host, out var literal))
            return [literal.ToIPAddress()];
        if (!DnsName.IsValid(host) || host.Length == 0 || host == ".")
            throw Error(SocketError.HostNotFound, $"{host}: not a valid host name");
        if (_options.Hosts is { } hosts)
        {
            foreach (var (name, address) in hosts)
            {
                if (DnsName.Equals(name, host))
                    return [address];
            }
        }
        string key = DnsName.Normalize(host);
        var now = _time.GetUtcNow();
        lock (_cacheLock)
        {
            if (_cache.TryGetValue(key, out var cached))
            {
                if (cached.Expires > now)
                {
                    Interlocked.Increment(ref _cacheHits);
                    return (IPAddress[])cached.Addresses.Clone();
                }
                _cache.Remove(key);
            }
        }

        var servers = _servers;
        if (servers.Count == 0)
            throw Error(SocketError.TryAgain, $"{host}: no DNS server configured");

        // Follow the chain: each response may answer the whole chain, or stop at a CNAME whose
        // target we then ask about ourselves (RFC 1034 §5.3.3).
        string current = host;
        uint ttl = uint.MaxValue;
        int aliases = 0;
        while (true)
        {
            var response = await ExchangeAsync(servers, host, current, cancellationToken).ConfigureAwait(false);
            string target = current;
            bool followed = true;
            while (followed)
            {
                followed = false;
                foreach (var record in response.Answers)
                {
                    if (record.Type == DnsRecordType.CNAME && DnsName.Equals(record.Name, target))
                    {
                        if (++aliases > _options.MaxCnameChain)
                            throw Error(SocketError.HostNotFound, $"{host}: CNAME chain longer than {_options.MaxCnameChain}");
                        target = record.Target!;
                        ttl = Math.Min(ttl, record.TimeToLive);
                        followed = true;
                        break;
                    }
                }
            }
            var addresses = new List<IPAddress>();
            foreach (var record in response.Answers)
            {
                if (record.Type == DnsRecordType.A && record.Class == DnsQuestion.ClassInternet && DnsName.Equals(record.Name, target))
                {
                    addresses.Add(record.Address.ToIPAddress());
                    ttl = Math.Min(ttl, record.TimeToLive);
                }
            }
            if (addresses.Count > 0)
            {
                var result = addresses.ToArray();
                Store(key, result, ttl);
                return result;
            }
            if (DnsName.Equals(target, current))
                throw Error(SocketError.NoData, $"{host}: the name has no IPv4 address");
            if (!DnsName.IsValid(target))
                throw Error(SocketError.HostNotFound, $"{host}: CNAME to an invalid name");
            current = target;
        }
    }

    private void Store(string key, IPAddress[] addresses, uint ttl)
    {
        if (_options.CacheCapacity <= 0 || ttl == 0)
            return;
        var lifetime = TimeSpan.FromSeconds(ttl);
        if (lifetime > _options.MaxCacheTime)
            lifetime = _options.MaxCacheTime;
        var now = _time.GetUtcNow();
        lock (_cacheLock)
        {
            if (_cache.Count >= _options.CacheCapacity && !_cache.ContainsKey(key))
            {
                // Expired entries first; if none, any one (the cache is a convenience, not a record).
                string? victim = null;
                foreach (var (name, entry) in _cache)
                {
                    victim ??= name;
                    if (entry.Expires <= now)
                    {
                        victim = name;
                        break;
                    }
                }
                _cache.Remove(victim!);
            }
            _cache[key] = new CacheEntry(addresses, now + lifetime);
        }
    }

    /// <summary>One question to the servers in turn, for the configured rounds; a usable response or an exception.</summary>
    private async ValueTask<DnsMessage> ExchangeAsync(IReadOnlyList<IPAddress> servers, string host, string name, CancellationToken cancellationToken)
    {
        var error = SocketError.TimedOut;
        string detail = "no answer";
        for (int round = 0; round < _options.Attempts; round++)
        {
            foreach (var server in servers)
            {
                var (response, failure) = await QueryUdpAsync(server, name, cancellationToken).ConfigureAwait(false);
                if (response is not { } message)
                {
                    if (failure != SocketError.TimedOut)
                    {
                        error = SocketError.TryAgain;
                        detail = $"{server} {failure}";
                    }
                    else if (error == SocketError.TimedOut)
                    {
                        detail = $"no answer from {string.Join(", ", servers)}";
                    }
                    continue;
                }
                if (message.Truncated && _options.UseTcpOnTruncation)
                {
                    var (full, _) = await QueryTcpAsync(server, name, cancellationToken).ConfigureAwait(false);
                    if (full is { } whole)
                        message = whole;
                }
                switch (message.ResponseCode)
                {
                    case DnsResponseCode.NoError:
                        return message;
                    case DnsResponseCode.NameError:
                        // RFC 2308 §2.1: the name does not exist; another server will not say otherwise.
                        throw Error(SocketError.HostNotFound, $"{host}: name does not exist (NXDOMAIN from {server})");
                    default:
                        error = SocketError.TryAgain;
                        detail = $"{server} answered {message.ResponseCode}";
                        break;
                }
            }
        }
        throw Error(error, $"{host}: {detail}");
    }

    /// <summary>One query over UDP to one server; the accepted response, or why there is none.</summary>
    private async ValueTask<(DnsMessage? Response, SocketError Error)> QueryUdpAsync(IPAddress server, string name, CancellationToken cancellationToken)
    {
        ushort id = (ushort)RandomNumberGenerator.GetInt32(65536);
        var question = new DnsQuestion(name, DnsRecordType.A);
        byte[] query = DnsMessage.Query(id, name).ToArray();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferLength);
        using var socket = BindRandomPort();
        try
        {
            var serverAddress = IPv4Address.FromIPAddress(server);
            // Connected: the stack itself drops datagrams from anyone but server:53, and ICMP errors reach us.
            socket.Connect(new IPEndPoint(server, DnsMessage.Port));
            using var timeout = new CancellationTokenSource(_options.Timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                await socket.SendAsync(query, linked.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _queriesSent);
                while (true)
                {
                    var received = await socket.ReceiveFromAsync(buffer, linked.Token).ConfigureAwait(false);
                    if (received.RemoteAddress != serverAddress || received.RemotePort != DnsMessage.Port
                        || !DnsMessage.TryParse(buffer.AsSpan(0, received.ReceivedBytes), out var response, out _)
                        || !IsAnswerTo(response, id, question))
                    {
                        Interlocked.Increment(ref _responsesIgnored);
                        continue;
                    }
                    return (response, SocketError.Success);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return (null, SocketError.TimedOut);
            }
            catch (SocketException e)
            {
                // Port or host unreachable from ICMP, no route: this server is no use now.
                return (null, e.SocketErrorCode);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The same query over TCP with the 2-octet length prefix (RFC 1035 §4.2.2).</summary>
    private async ValueTask<(DnsMessage? Response, SocketError Error)> QueryTcpAsync(IPAddress server, string name, CancellationToken cancellationToken)
    {
        ushort id = (ushort)RandomNumberGenerator.GetInt32(65536);
        var question = new DnsQuestion(name, DnsRecordType.A);
        var message = DnsMessage.Query(id, name);
        int length = message.BufferLength;
        var query = new byte[2 + length];
        BinaryPrimitives.WriteUInt16BigEndian(query, (ushort)length);
        message.Emit(query.AsSpan(2));
        using var timeout = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var connection = new TcpConnection(_stack);
        bool clean = false;
        try
        {
            Interlocked.Increment(ref _tcpQueries);
            await connection.ConnectAsync(new IPEndPoint(server, DnsMessage.Port), linked.Token).ConfigureAwait(false);
            await connection.SendAsync(query, linked.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _queriesSent);
            var prefix = new byte[2];
            if (!await ReadExactlyAsync(connection, prefix, linked.Token).ConfigureAwait(false))
                return (null, SocketError.ConnectionReset);
            var body = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
            if (!await ReadExactlyAsync(connection, body, linked.Token).ConfigureAwait(false))
                return (null, SocketError.ConnectionReset);
            if (!DnsMessage.TryParse(body, out var response, out _) || !IsAnswerTo(response, id, question))
            {
                Interlocked.Increment(ref _responsesIgnored);
                return (null, SocketError.TryAgain);
            }
            clean = true;
            return (response, SocketError.Success);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, SocketError.TimedOut);
        }
        catch (SocketException e)
        {
            return (null, e.SocketErrorCode);
        }
        finally
        {
            if (!clean)
                connection.Abort(); // do not linger on a failed exchange
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async ValueTask<bool> ReadExactlyAsync(TcpConnection connection, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            int n = await connection.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (n == 0)
                return false;
            buffer = buffer[n..];
        }
        return true;
    }

    // RFC 5452 §9.1: the answer must match the query's ID and its one question exactly.
    private static bool IsAnswerTo(in DnsMessage response, ushort id, in DnsQuestion question) =>
        response.IsResponse && response.Id == id && response.Opcode == 0
        && response.Questions.Count == 1 && response.Questions[0].Matches(question);

    /// <summary>A socket on a port from a cryptographic RNG (RFC 5452 §4.5), not the stack's seeded one.</summary>
    private UdpSocket BindRandomPort()
    {
        for (int i = 0; i < 16; i++)
        {
            int port = RandomNumberGenerator.GetInt32(49152, 65536); // the ephemeral range (RFC 6335 §6), so no service port is taken
            try
            {
                return new UdpSocket(_stack, port);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
            }
        }
        return new UdpSocket(_stack);
    }

    private static IPAddress[] Validate(IReadOnlyList<IPAddress> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var copy = new IPAddress[servers.Count];
        for (int i = 0; i < copy.Length; i++)
        {
            var server = servers[i] ?? throw new ArgumentException("A server address is null.", nameof(servers));
            if (server.AddressFamily != AddressFamily.InterNetwork)
                throw new ArgumentException($"{server} is not an IPv4 address; the stack speaks IPv4 only.", nameof(servers));
            copy[i] = server;
        }
        return copy;
    }

    private static SocketException Error(SocketError error, string message) => new((int)error, message);

    private readonly record struct CacheEntry(IPAddress[] Addresses, DateTimeOffset Expires);
}
