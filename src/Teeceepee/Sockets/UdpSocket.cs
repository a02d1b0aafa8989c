using System.Net;
using System.Net.Sockets;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Udp;
using Teeceepee.Wire;

namespace Teeceepee.Sockets;

/// <summary>
/// A UDP socket bound to one port of a <see cref="NetworkStack"/>, in the style of
/// <see cref="Socket"/>'s datagram API. Thread-safe: every call is posted to the stack's loop.
/// Datagrams that arrive while nobody is receiving wait in a bounded queue (drops are counted
/// as <see cref="DropReason.ReceiveQueueFull"/>).
/// </summary>
public sealed class UdpSocket : IDisposable
{
    /// <summary>Largest UDP payload in one IPv4 datagram: 65535 − 20 − 8.</summary>
    public const int MaxDatagramSize = 65535 - IPv4Repr.HeaderLength - UdpRepr.HeaderLength;

    private readonly NetworkStack _stack;
    private readonly UdpEndpoint _endpoint;
    private IPEndPoint? _remote;
    private int _disposed;

    /// <summary>Binds <paramref name="port"/> on <paramref name="stack"/> (0: an ephemeral port).</summary>
    /// <exception cref="SocketException">AddressAlreadyInUse when the port is bound.</exception>
    public UdpSocket(NetworkStack stack, int port = 0)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        _stack = stack;
        _endpoint = UdpControlOperation.Bind(stack, port);
        LocalEndPoint = new IPEndPoint(stack.Address.ToIPAddress(), _endpoint.Port);
    }

    /// <summary>The address and port the socket is bound to.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>
    /// Sets Don't Fragment on outgoing datagrams (like <see cref="Socket.DontFragment"/>): a datagram
    /// over the MTU then fails with <see cref="SocketError.MessageSize"/> instead of being fragmented.
    /// </summary>
    public bool DontFragment
    {
        get => _endpoint.DontFragment;
        set => _endpoint.DontFragment = value; // read by the loop on the next send; a bool write is atomic
    }

    /// <summary>TTL of outgoing datagrams (like <see cref="Socket.Ttl"/>); 0 for the stack's default.</summary>
    public byte Ttl
    {
        get => _endpoint.TimeToLive;
        set => _endpoint.TimeToLive = value;
    }

    /// <summary>The peer set by <see cref="Connect"/>, if any.</summary>
    public IPEndPoint? RemoteEndPoint => _remote;

    /// <summary>
    /// Sets a default peer: <see cref="SendAsync"/> goes there, only its datagrams are received, and
    /// ICMP errors about traffic to it surface as <see cref="SocketException"/>s on the next call
    /// (e.g. ConnectionRefused after port unreachable, RFC 1122 §4.1.3.3).
    /// </summary>
    public void Connect(IPEndPoint remoteEndPoint)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var address = NetAddress.FromIPAddress(remoteEndPoint.Address);
        UdpControlOperation.Connect(_stack, _endpoint, address, (ushort)remoteEndPoint.Port);
        _remote = remoteEndPoint;
    }

    /// <summary>Sends one datagram to <paramref name="remoteEndPoint"/>; completes with its length once handed to the stack.</summary>
    public ValueTask<int> SendToAsync(ReadOnlyMemory<byte> buffer, IPEndPoint remoteEndPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        return SendToAsync(buffer, NetAddress.FromIPAddress(remoteEndPoint.Address), (ushort)remoteEndPoint.Port, cancellationToken);
    }

    /// <summary>Sends one datagram to <paramref name="address"/>:<paramref name="port"/>.</summary>
    public ValueTask<int> SendToAsync(ReadOnlyMemory<byte> buffer, NetAddress address, ushort port, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (buffer.Length > MaxDatagramSize)
            return ValueTask.FromException<int>(new SocketException((int)SocketError.MessageSize));
        if (port == 0)
            return ValueTask.FromException<int>(new SocketException((int)SocketError.AddressNotAvailable));
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<int>(cancellationToken);
        return LoopOperationPool<UdpSendOperation>.Rent().Start(_stack, _endpoint, buffer, address, port, cancellationToken);
    }

    /// <summary>Sends one datagram to the connected peer.</summary>
    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var remote = _remote ?? throw new InvalidOperationException("The socket is not connected; use SendToAsync or Connect first.");
        return SendToAsync(buffer, remote, cancellationToken);
    }

    /// <summary>
    /// Receives one datagram into <paramref name="buffer"/> (a longer one is truncated and flagged),
    /// waiting until one arrives or <paramref name="cancellationToken"/> fires.
    /// </summary>
    public ValueTask<UdpReceiveFromResult> ReceiveFromAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<UdpReceiveFromResult>(cancellationToken);
        return LoopOperationPool<UdpReceiveOperation>.Rent().Start(_stack, _endpoint, buffer, cancellationToken);
    }

    /// <summary>Unbinds the port; waiting receives fail with OperationAborted.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        if (_stack.IsDisposed || _stack.LoopError is not null)
            return; // the endpoint was closed with the stack
        UdpControlOperation.Close(_stack, _endpoint);
    }

    /// <inheritdoc />
    public override string ToString() => $"udp {LocalEndPoint}" + (_remote is null ? "" : $" -> {_remote}");
}
