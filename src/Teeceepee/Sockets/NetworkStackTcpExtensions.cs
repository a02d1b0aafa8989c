using System.Net.Sockets;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Sockets;

/// <summary>What the TCP socket API does with a stack on its loop: open through the TCP host, map its errors, register cores.</summary>
internal static class NetworkStackTcpExtensions
{
    /// <summary>Remembers a socket core so its waiting calls can be failed when the stack goes away (loop thread).</summary>
    public static void RegisterTcpSocket(this NetworkStack stack, LoopCommand core) => TcpSocketRegistry.Of(stack).Register(core);

    /// <summary>Forgets a closed socket core (loop thread).</summary>
    public static void UnregisterTcpSocket(this NetworkStack stack, LoopCommand core) => TcpSocketRegistry.Of(stack).Unregister(core);

    /// <summary>Active open from the stack's address (loop thread): the new TCB, or the error to report.</summary>
    public static SocketError ConnectTcp(this NetworkStack stack, Instant now, TcpConfig config, NetAddress address, ushort port, out Tcb? tcb)
    {
        tcb = null;
        if (address.IsUnspecified || address.IsMulticast || (address.IsIPv4 && address.V4 == stack.SubnetBroadcast))
            return SocketError.AddressNotAvailable;
        NetAddress source = stack.Address;
        if (address.IsIPv6)
        {
            // RFC 6724: the source follows the destination; no usable address or route is unreachable.
            if (!stack.IsIPv6Enabled || stack.SelectSourceAddress(address.V6) is not { } v6 || !stack.TryRoute(address.V6, out _))
                return SocketError.NetworkUnreachable;
            source = v6;
        }
        else if (!stack.IsOnLink(address.V4) && stack.Gateway is null && stack.Medium == LinkMedium.Ethernet)
        {
            return SocketError.NetworkUnreachable;
        }
        try
        {
            tcb = stack.Tcp.Connect(now, source, new TcpEndpoint(address, port), config);
            return SocketError.Success;
        }
        catch (TcpException e)
        {
            return TcpSocketErrors.ToSocketError(e.Error);
        }
    }

    /// <summary>Passive open (loop thread): the host's listener queue, or the error to report.</summary>
    public static SocketError ListenTcp(this NetworkStack stack, TcpEndpoint local, int backlog, TcpConfig config, out TcpListenerQueue? queue)
    {
        queue = null;
        if (!local.Address.IsUnspecified && local.Address != (NetAddress)stack.Address && !(local.Address.IsIPv6 && stack.IsOurIPv6Address(local.Address.V6)))
            return SocketError.AddressNotAvailable;
        try
        {
            queue = stack.Tcp.Listen(local, backlog, config);
            return SocketError.Success;
        }
        catch (TcpException e)
        {
            return TcpSocketErrors.ToSocketError(e.Error);
        }
    }
}
