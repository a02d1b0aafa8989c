using System.Net.Sockets;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Udp;
using Teeceepee.Wire;

namespace Teeceepee.Sockets;

/// <summary>A pooled send of one datagram: built and handed to IPv4 on the loop.</summary>
internal sealed class UdpSendOperation : LoopOperation<int>
{
    private UdpEndpoint? _endpoint;
    private ReadOnlyMemory<byte> _data;
    private NetAddress _destination;
    private ushort _port;

    public ValueTask<int> Start(NetworkStack stack, UdpEndpoint endpoint, ReadOnlyMemory<byte> data, NetAddress destination, ushort port, CancellationToken cancellationToken)
    {
        _endpoint = endpoint;
        _data = data;
        _destination = destination;
        _port = port;
        return Start(stack, cancellationToken);
    }

    /// <inheritdoc />
    protected override void Run(NetworkStack stack, Instant now)
    {
        var error = stack.SendUdp(now, _endpoint!, _destination, _port, _data.Span);
        if (error == SocketError.Success)
            Complete(_data.Length);
        else
            Fail(new SocketException((int)error));
    }

    /// <inheritdoc />
    protected override void ResetState()
    {
        _endpoint = null;
        _data = default;
    }

    /// <inheritdoc />
    protected override void ReturnToPool() => LoopOperationPool<UdpSendOperation>.Return(this);
}
