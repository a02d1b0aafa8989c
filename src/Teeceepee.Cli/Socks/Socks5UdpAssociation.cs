using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Teeceepee.Cli.Network;

namespace Teeceepee.Cli.Socks;

/// <summary>
/// One UDP ASSOCIATE (RFC 1928 §7): a host socket the client sends its datagrams to, each behind the SOCKS UDP header
/// (RSV, FRAG, ATYP, DST.ADDR, DST.PORT), and a socket of the outbound network (the stack's UDP) that sends them on and
/// receives the answers, which go back to the client behind the same header naming their source. It lives as long as
/// the TCP connection that asked for it.
/// </summary>
internal sealed class Socks5UdpAssociation : IDisposable
{
    private const int MaxHeader = 4 + 1 + 255 + 2;

    private readonly IDatagramSocket _client;
    private readonly IDatagramSocket _outbound;
    private readonly IPAddress _clientAddress;
    private readonly int _clientPort;
    private readonly Func<string, int, CancellationToken, ValueTask<IPAddress?>> _resolve;
    private IPEndPoint? _clientEndPoint;

    /// <param name="client">The host-side socket (its address and port go in the reply).</param>
    /// <param name="outbound">The outbound network's socket.</param>
    /// <param name="clientAddress">Only datagrams from this address are relayed (the TCP client's).</param>
    /// <param name="clientPort">The port the client said it sends from (0: learnt from its first datagram).</param>
    /// <param name="resolve">Names in DST.ADDR to addresses (null: unknown, the datagram is dropped).</param>
    public Socks5UdpAssociation(IDatagramSocket client, IDatagramSocket outbound, IPAddress clientAddress, int clientPort,
        Func<string, int, CancellationToken, ValueTask<IPAddress?>> resolve)
    {
        _client = client;
        _outbound = outbound;
        _clientAddress = clientAddress;
        _clientPort = clientPort;
        _resolve = resolve;
    }

    /// <summary>Where the client sends its datagrams (BND.ADDR, BND.PORT).</summary>
    public IPEndPoint RelayEndPoint => _client.LocalEndPoint;

    /// <summary>Datagrams relayed from the client outward.</summary>
    public long Outgoing { get; private set; }

    /// <summary>Datagrams relayed back to the client.</summary>
    public long Incoming { get; private set; }

    /// <summary>Datagrams dropped: from a stranger, fragmented (FRAG != 0), IPv6, an unknown name, or malformed.</summary>
    public long Dropped { get; private set; }

    /// <summary>Relays until the control connection closes (or fails) or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(IConnection control, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var outward = PumpOutwardAsync(stop.Token);
        var inward = PumpInwardAsync(stop.Token);
        try
        {
            // §7: the association ends when the TCP connection it arrived on ends; anything the client sends on it is ignored.
            var buffer = new byte[512];
            while (await control.Stream.ReadAsync(buffer, stop.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(outward, inward).ConfigureAwait(false);
    }

    private async Task PumpOutwardAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[65536 + MaxHeader];
        try
        {
            while (true)
            {
                var (length, from) = await _client.ReceiveFromAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (!from.Address.Equals(_clientAddress) || (_clientPort != 0 && from.Port != _clientPort))
                {
                    Dropped++;
                    continue;
                }
                _clientEndPoint = from;
                if (!TryParseHeader(buffer.AsSpan(0, length), out int headerLength, out var address, out string? name, out int port))
                {
                    Dropped++;
                    continue;
                }
                if (name is not null)
                    address = await _resolve(name, port, cancellationToken).ConfigureAwait(false);
                if (address is null)
                {
                    Dropped++;
                    continue;
                }
                await _outbound.SendToAsync(buffer.AsMemory(headerLength, length - headerLength), new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
                Outgoing++;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task PumpInwardAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[65536 + 10];
        try
        {
            while (true)
            {
                var (length, from) = await _outbound.ReceiveFromAsync(buffer.AsMemory(10), cancellationToken).ConfigureAwait(false);
                if (_clientEndPoint is not { } client || from.Address.AddressFamily != AddressFamily.InterNetwork)
                {
                    Dropped++;
                    continue;
                }
                // RSV RSV FRAG ATYP=IPv4 source address and port, then the data.
                buffer.AsSpan(0, 3).Clear();
                buffer[3] = Socks5.AddressIPv4;
                from.Address.TryWriteBytes(buffer.AsSpan(4, 4), out _);
                BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(8, 2), (ushort)from.Port);
                await _client.SendToAsync(buffer.AsMemory(0, 10 + length), client, cancellationToken).ConfigureAwait(false);
                Incoming++;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Reads the §7 UDP request header; false for FRAG != 0 (no reassembly here), IPv6 or a short datagram.</summary>
    public static bool TryParseHeader(ReadOnlySpan<byte> datagram, out int headerLength, out IPAddress? address, out string? name, out int port)
    {
        headerLength = 0;
        address = null;
        name = null;
        port = 0;
        if (datagram.Length < 4 || datagram[2] != 0)
            return false; // §7: an implementation that does not reassemble drops any datagram whose FRAG is not 0
        switch (datagram[3])
        {
            case Socks5.AddressIPv4 when datagram.Length >= 10:
                address = new IPAddress(datagram.Slice(4, 4));
                headerLength = 10;
                break;
            case Socks5.AddressDomainName when datagram.Length >= 5 && datagram.Length >= 7 + datagram[4]:
                name = Encoding.ASCII.GetString(datagram.Slice(5, datagram[4]));
                headerLength = 7 + datagram[4];
                break;
            default:
                return false;
        }
        port = BinaryPrimitives.ReadUInt16BigEndian(datagram.Slice(headerLength - 2, 2));
        return port != 0;
    }

    public void Dispose()
    {
        _client.Dispose();
        _outbound.Dispose();
    }
}
