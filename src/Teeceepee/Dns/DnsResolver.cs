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
/// A stub resolver (RFC 1035 §7) for A and AAAA records (RFC 3596) over a <see cref="NetworkStack"/>'s UDP,
/// answers in the order of RFC 6724 §6 (<see cref="DestinationAddressSelection"/>). Each query
/// gets a random ID and a random source port, and an answer counts only if it comes from the
/// server's address and port 53 with the same ID and question (RFC 5452 §9.1); anything else is
/// ignored and counted. Servers are tried in order with a timeout, for a number of rounds;
/// CNAME chains are followed (bounded); answers are cached for their TTL. Failures are
/// <see cref="SocketException"/>s with the codes .NET's <see cref="System.Net.Dns"/> uses: HostNotFound
/// (NXDOMAIN), NoData (the name has no address of the family), TryAgain (SERVFAIL, refused), TimedOut (no answer).
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

    /// <summary>
    /// The servers a lookup asks: <see cref="Servers"/>, or while that is empty (and <see cref="DnsResolverOptions.UseRouterAdvertisedServers"/>)
    /// the recursive DNS servers the stack's router advertisements named (RDNSS, RFC 8106 §5.3.1).
    /// </summary>
    public IReadOnlyList<IPAddress> EffectiveServers => _servers is { Count: 0 } && _options.UseRouterAdvertisedServers
        ? [.. _stack.IPv6DnsServers.Select(static s => s.ToIPAddress())]
        : _servers;

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

    /// <summary>The first address of <paramref name="host"/> in RFC 6724 order (see <see cref="GetHostAddressesAsync(string, CancellationToken)"/>).</summary>
    public async ValueTask<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken = default)
    {
        var addresses = await GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return addresses[0];
    }

    /// <summary>
    /// The addresses of <paramref name="host"/>: a literal as is, then the hosts table, the cache, and finally the
    /// servers, asked for A and (when <see cref="DnsResolverOptions.QueryIPv6"/> allows) AAAA at once; both
    /// families in the order of RFC 6724 §6. Never empty.
    /// </summary>
    /// <exception cref="SocketException">HostNotFound, NoData, TryAgain or TimedOut.</exception>
    public ValueTask<IPAddress[]> GetHostAddressesAsync(string host, CancellationToken cancellationToken = default) =>
        GetHostAddressesAsync(host, AddressFamily.Unspecified, cancellationToken);

    /// <summary>
    /// The addresses of <paramref name="host"/> of one family (<see cref="AddressFamily.InterNetwork"/>: A,
    /// <see cref="AddressFamily.InterNetworkV6"/>: AAAA) or of both (<see cref="AddressFamily.Unspecified"/>),
    /// sorted by RFC 6724 §6. Never empty.
    /// </summary>
    /// <exception cref="SocketException">HostNotFound, NoData, TryAgain or TimedOut.</exception>
    public async ValueTask<IPAddress[]> GetHostAddressesAsync(string host, AddressFamily family, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (family is not (AddressFamily.Unspecified or AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            throw new ArgumentOutOfRangeException(nameof(family), family, "Only InterNetwork, InterNetworkV6 or Unspecified.");
        cancellationToken.ThrowIfCancellationRequested();
        if (TryParseLiteral(host, out var literal))
        {
            if (family != AddressFamily.Unspecified && literal.AddressFamily != family)
                throw Error(SocketError.NoData, $"{host}: not an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address");
            return [literal];
        }
        if (!DnsName.IsValid(host) || host.Length == 0 || host == ".")
            throw Error(SocketError.HostNotFound, $"{host}: not a valid host name");
        if (_options.Hosts is { } hosts)
        {
            foreach (var (name, address) in hosts)
            {
                if (DnsName.Equals(name, host) && (family == AddressFamily.Unspecified || address.AddressFamily == family))
                    return [address];
            }
        }
        if (family != AddressFamily.Unspecified)
            return Sort(await LookupAsync(host, family == AddressFamily.InterNetwork ? DnsRecordType.A : DnsRecordType.AAAA, cancellationToken).ConfigureAwait(false));
        if (!AsksIPv6)
            return Sort(await LookupAsync(host, DnsRecordType.A, cancellationToken).ConfigureAwait(false));

        // Both questions at once (RFC 8305 §3); one family is enough, and a name that does not exist fails both.
        var v6 = LookupAsync(host, DnsRecordType.AAAA, cancellationToken).AsTask();
        var v4 = LookupAsync(host, DnsRecordType.A, cancellationToken).AsTask();
        try
        {
            await Task.WhenAll(v6, v4).ConfigureAwait(false);
        }
        catch
        {
            // Inspected below.
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (v6.IsCompletedSuccessfully || v4.IsCompletedSuccessfully)
            return Sort([.. v6.IsCompletedSuccessfully ? v6.Result : [], .. v4.IsCompletedSuccessfully ? v4.Result : []]);
        var e6 = v6.Exception?.InnerException as SocketException;
        var e4 = v4.Exception?.InnerException as SocketException;
        if (e6?.SocketErrorCode == SocketError.NoData && e4?.SocketErrorCode == SocketError.NoData)
            throw Error(SocketError.NoData, $"{host}: the name has no address");
        // The more telling failure: NXDOMAIN over a timeout, the IPv4 one otherwise.
        var failure = e6?.SocketErrorCode == SocketError.HostNotFound ? v6 : v4;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure.Exception!.InnerException!).Throw();
        throw new InvalidOperationException(); // not reached
    }

    /// <summary>Orders addresses by RFC 6724 §6 with the stack's (or the options') source addresses.</summary>
    public IPAddress[] Sort(IReadOnlyList<IPAddress> addresses) =>
        addresses.Count <= 1 ? [.. addresses] : DestinationAddressSelection.Sort(addresses, SourceFor);

    /// <summary>True when a lookup for any family asks AAAA too (<see cref="DnsResolverOptions.QueryIPv6"/>).</summary>
    public bool AsksIPv6 => _options.QueryIPv6 ?? SourceFor(s_globalIPv6) is not null;

    // A global unicast destination (documentation prefix) to ask whether the host has an IPv6 source at all.
    private static readonly IPAddress s_globalIPv6 = IPAddress.Parse("2001:db8::1");

    private IPAddress? SourceFor(IPAddress destination) =>
        _options.SourceAddressSelector is { } selector ? selector(destination) : StackSourceAddress.For(_stack, destination);

    private static bool TryParseLiteral(string host, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? literal)
    {
        literal = null;
        if (IPv4Address.TryParse(host, out var v4))
        {
            literal = v4.ToIPAddress();
            return true;
        }
        // IPv6 literals, bare or bracketed as in URLs (RFC 3986 §3.2.2).
        string text = host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        if (text.Contains(':', StringComparison.Ordinal) && IPAddress.TryParse(text, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6)
        {
            literal = v6;
            return true;
        }
        return false;
    }

    /// <summary>One record type for <paramref name="host"/>: the cache, else the servers (following CNAMEs).</summary>
    private async ValueTask<IPAddress[]> LookupAsync(string host, DnsRecordType type, CancellationToken cancellationToken)
    {
        string key = (type == DnsRecordType.AAAA ? "AAAA " : "A ") + DnsName.Normalize(host);
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

        var servers = EffectiveServers;
        if (servers.Count == 0)
            throw Error(SocketError.TryAgain, $"{host}: no DNS server configured");

        // Follow the chain: each response may answer the whole chain, or stop at a CNAME whose
        // target we then ask about ourselves (RFC 1034 §5.3.3).
        string current = host;
        uint ttl = uint.MaxValue;
        int aliases = 0;
        while (true)
        {
            var response = await ExchangeAsync(servers, host, current, type, cancellationToken).ConfigureAwait(false);
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
                if (record.Type == type && record.Class == DnsQuestion.ClassInternet && DnsName.Equals(record.Name, target))
                {
                    addresses.Add(record.HostAddress.ToIPAddress());
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
                throw Error(SocketError.NoData, $"{host}: the name has no {(type == DnsRecordType.AAAA ? "IPv6" : "IPv4")} address");
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
    private async ValueTask<DnsMessage> ExchangeAsync(IReadOnlyList<IPAddress> servers, string host, string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        var error = SocketError.TimedOut;
        string detail = "no answer";
        for (int round = 0; round < _options.Attempts; round++)
        {
            foreach (var server in servers)
            {
                var (response, failure) = await QueryUdpAsync(server, name, type, cancellationToken).ConfigureAwait(false);
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
                    var (full, _) = await QueryTcpAsync(server, name, type, cancellationToken).ConfigureAwait(false);
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
    private async ValueTask<(DnsMessage? Response, SocketError Error)> QueryUdpAsync(IPAddress server, string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        ushort id = (ushort)RandomNumberGenerator.GetInt32(65536);
        var question = new DnsQuestion(name, type);
        byte[] query = DnsMessage.Query(id, name, type).ToArray();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferLength);
        using var socket = BindRandomPort();
        try
        {
            var serverAddress = NetAddress.FromIPAddress(server);
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
                    if (serverAddress != received.RemoteAddress || received.RemotePort != DnsMessage.Port
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
    private async ValueTask<(DnsMessage? Response, SocketError Error)> QueryTcpAsync(IPAddress server, string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        ushort id = (ushort)RandomNumberGenerator.GetInt32(65536);
        var question = new DnsQuestion(name, type);
        var message = DnsMessage.Query(id, name, type);
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
            if (server.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
                throw new ArgumentException($"{server} is not an IP address.", nameof(servers));
            copy[i] = server.IsIPv4MappedToIPv6 ? server.MapToIPv4() : server;
        }
        return copy;
    }

    private static SocketException Error(SocketError error, string message) => new((int)error, message);

    private readonly record struct CacheEntry(IPAddress[] Addresses, DateTimeOffset Expires);
}
