using System.Buffers;
using System.Net.Sockets;
using Teeceepee.Wire;

namespace Teeceepee.Udp;

/// <summary>
/// The loop-side state of one bound UDP port: an optional connected peer, a bounded queue of
/// received datagrams, the receive calls waiting for one, and an error reported by ICMP that the
/// next call will see (RFC 1122 §4.1.3.3).
/// </summary>
internal sealed class UdpEndpoint
{
    private readonly ReceivedDatagram[] _queue;
    private int _head;

    public UdpEndpoint(ushort port, int queueCapacity)
    {
        Port = port;
        _queue = new ReceivedDatagram[queueCapacity];
    }

    public ushort Port { get; }

    public bool IsConnected;
    public NetAddress RemoteAddress;
    public ushort RemotePort;
    public SocketError PendingError = SocketError.Success;
    public bool Closed;
    public bool DontFragment;
    public byte TimeToLive;

    /// <summary>Receive calls waiting for a datagram, oldest first.</summary>
    public readonly List<IUdpReceiver> Waiters = new(2);

    /// <summary>Datagrams waiting to be read.</summary>
    public int QueuedCount { get; private set; }

    /// <summary>True when a datagram from this source is accepted (a connected socket hears only its peer).</summary>
    public bool Accepts(NetAddress source, ushort sourcePort) =>
        !IsConnected || (source == RemoteAddress && sourcePort == RemotePort);

    /// <summary>Copies a datagram into the queue; false when it is full.</summary>
    public bool TryEnqueue(ReadOnlySpan<byte> payload, NetAddress source, ushort sourcePort)
    {
        if (QueuedCount == _queue.Length)
            return false;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(payload.Length, 1));
        payload.CopyTo(buffer);
        _queue[(_head + QueuedCount) % _queue.Length] = new ReceivedDatagram(buffer, payload.Length, source, sourcePort);
        QueuedCount++;
        return true;
    }

    /// <summary>Takes the oldest datagram; the caller returns its buffer to <see cref="ArrayPool{T}.Shared"/>.</summary>
    public bool TryDequeue(out ReceivedDatagram datagram)
    {
        if (QueuedCount == 0)
        {
            datagram = default;
            return false;
        }
        datagram = _queue[_head];
        _queue[_head] = default;
        _head = (_head + 1) % _queue.Length;
        QueuedCount--;
        return true;
    }

    /// <summary>Reports an error: to the oldest waiting receive if there is one, else to the next call.</summary>
    public void ReportError(SocketError error)
    {
        if (Waiters.Count > 0)
        {
            var waiter = Waiters[0];
            Waiters.RemoveAt(0);
            waiter.Fail(error);
            return;
        }
        PendingError = error;
    }

    /// <summary>Takes the pending error, if any.</summary>
    public SocketError TakeError()
    {
        var error = PendingError;
        PendingError = SocketError.Success;
        return error;
    }

    /// <summary>Closes: frees queued datagrams and aborts waiting receives.</summary>
    public void Close()
    {
        Closed = true;
        while (TryDequeue(out var d))
            ArrayPool<byte>.Shared.Return(d.Buffer);
        foreach (var w in Waiters)
            w.Fail(SocketError.OperationAborted);
        Waiters.Clear();
    }
}
