using System.Net.Sockets;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Udp;
using Teeceepee.Wire;

namespace Teeceepee.Sockets;

/// <summary>Bind, connect or close a UDP endpoint on the loop (rare calls: not pooled).</summary>
internal sealed class UdpControlOperation : LoopOperation<UdpEndpoint?>
{
    private enum Kind : byte
    {
        Bind,
        Connect,
        Close,
    }

    private Kind _kind;
    private int _port;
    private UdpEndpoint? _endpoint;
    private NetAddress _remoteAddress;

    /// <summary>Binds <paramref name="port"/> (0: ephemeral) and returns the endpoint.</summary>
    public static UdpEndpoint Bind(NetworkStack stack, int port) =>
        new UdpControlOperation { _kind = Kind.Bind, _port = port }.RunSynchronously(stack)!;

    /// <summary>Sets the endpoint's peer.</summary>
    public static void Connect(NetworkStack stack, UdpEndpoint endpoint, NetAddress address, ushort port) =>
        new UdpControlOperation { _kind = Kind.Connect, _endpoint = endpoint, _remoteAddress = address, _port = port }.RunSynchronously(stack);

    /// <summary>Unbinds the endpoint, aborting waiting receives.</summary>
    public static void Close(NetworkStack stack, UdpEndpoint endpoint) =>
        new UdpControlOperation { _kind = Kind.Close, _endpoint = endpoint }.RunSynchronously(stack);

    /// <inheritdoc />
    protected override void Run(NetworkStack stack, Instant now)
    {
        switch (_kind)
        {
            case Kind.Bind:
                if (stack.TryBindUdp(_port, out var endpoint))
                    Complete(endpoint);
                else
                    Fail(new SocketException((int)SocketError.AddressAlreadyInUse));
                break;
            case Kind.Connect:
                _endpoint!.IsConnected = true;
                _endpoint.RemoteAddress = _remoteAddress;
                _endpoint.RemotePort = (ushort)_port;
                _endpoint.PendingError = SocketError.Success;
                Complete(_endpoint);
                break;
            default:
                stack.UnbindUdp(_endpoint!);
                Complete(_endpoint);
                break;
        }
    }

    /// <inheritdoc />
    protected override void ReturnToPool()
    {
    }
}
