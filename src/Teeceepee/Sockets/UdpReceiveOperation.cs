using System.Buffers;
using System.Net.Sockets;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Udp;
using Teeceepee.Wire;

namespace Teeceepee.Sockets;

/// <summary>A pooled receive: takes a queued datagram, or waits on the endpoint until one arrives.</summary>
internal sealed class UdpReceiveOperation : LoopOperation<UdpReceiveFromResult>, IUdpReceiver
{
    private UdpEndpoint? _endpoint;
    private Memory<byte> _buffer;

    public ValueTask<UdpReceiveFromResult> Start(NetworkStack stack, UdpEndpoint endpoint, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        _endpoint = endpoint;
        _buffer = buffer;
        return Start(stack, cancellationToken);
    }

    /// <inheritdoc />
    protected override void Run(NetworkStack stack, Instant now)
    {
        var endpoint = _endpoint!;
        if (endpoint.Closed)
        {
            Fail(new SocketException((int)SocketError.OperationAborted));
            return;
        }
        var error = endpoint.TakeError();
        if (error != SocketError.Success)
        {
            Fail(new SocketException((int)error));
            return;
        }
        if (endpoint.TryDequeue(out var datagram))
        {
            Deliver(datagram.Buffer.AsSpan(0, datagram.Length), datagram.Source, datagram.SourcePort);
            ArrayPool<byte>.Shared.Return(datagram.Buffer);
            return;
        }
        endpoint.Waiters.Add(this);
    }

    /// <summary>Copies a datagram into the caller's buffer and completes (loop thread).</summary>
    public void Deliver(ReadOnlySpan<byte> payload, NetAddress source, ushort sourcePort)
    {
        int n = Math.Min(payload.Length, _buffer.Length);
        payload[..n].CopyTo(_buffer.Span);
        Complete(new UdpReceiveFromResult(n, source, sourcePort, n < payload.Length));
    }

    /// <summary>Completes with a socket error (loop thread).</summary>
    public void Fail(SocketError error) => Fail(new SocketException((int)error));

    /// <inheritdoc />
    protected override void Unpark(NetworkStack stack) => _endpoint?.Waiters.Remove(this);

    /// <inheritdoc />
    protected override void ResetState()
    {
        _endpoint = null;
        _buffer = default;
    }

    /// <inheritdoc />
    protected override void ReturnToPool() => LoopOperationPool<UdpReceiveOperation>.Return(this);
}
