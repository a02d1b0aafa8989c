using System.Net.Sockets;
using Teeceepee.Wire;

namespace Teeceepee.Udp;

/// <summary>The stack's bound UDP ports, with ephemeral port selection (RFC 6056 §3.3.1: random start, linear probe).</summary>
internal sealed class UdpPortTable
{
    /// <summary>First ephemeral port (IANA dynamic range, RFC 6335 §6).</summary>
    public const int EphemeralFirst = 49152;

    /// <summary>Last ephemeral port.</summary>
    public const int EphemeralLast = 65535;

    private readonly Dictionary<ushort, UdpEndpoint> _ports = [];
    private readonly Random _random;

    public UdpPortTable(Random random) => _random = random;

    /// <summary>Bound ports.</summary>
    public int Count => _ports.Count;

    /// <summary>The endpoint bound to <paramref name="port"/>, if any.</summary>
    public UdpEndpoint? Find(ushort port) => _ports.GetValueOrDefault(port);

    /// <summary>Binds <paramref name="port"/> (0: an ephemeral port). False when it is taken or none is free.</summary>
    public bool TryBind(int port, int queueCapacity, out UdpEndpoint? endpoint)
    {
        endpoint = null;
        if (port == 0)
        {
            const int count = EphemeralLast - EphemeralFirst + 1;
            int start = _random.Next(count);
            for (int i = 0; i < count; i++)
            {
                var candidate = (ushort)(EphemeralFirst + (start + i) % count);
                if (!_ports.ContainsKey(candidate))
                {
                    port = candidate;
                    break;
                }
            }
            if (port == 0)
                return false;
        }
        if (_ports.ContainsKey((ushort)port))
            return false;
        endpoint = new UdpEndpoint((ushort)port, queueCapacity);
        _ports.Add((ushort)port, endpoint);
        return true;
    }

    /// <summary>Unbinds and closes an endpoint.</summary>
    public void Unbind(UdpEndpoint endpoint)
    {
        if (_ports.TryGetValue(endpoint.Port, out var bound) && ReferenceEquals(bound, endpoint))
            _ports.Remove(endpoint.Port);
        endpoint.Close();
    }

    /// <summary>
    /// Passes an ICMP error about a datagram we sent from <paramref name="localPort"/> to the socket,
    /// if it is connected to that destination (like Linux without IP_RECVERR: unconnected sockets are
    /// not told, since the error cannot be tied to one call). True when a socket took it.
    /// </summary>
    public bool DeliverIcmpError(ushort localPort, NetAddress remote, ushort remotePort, in IcmpRepr icmp) =>
        DeliverIcmpError(localPort, remote, remotePort, SocketErrorFor(icmp));

    /// <summary>As the ICMP overload, with the error already mapped (ICMPv6, RFC 4443 §3.1).</summary>
    public bool DeliverIcmpError(ushort localPort, NetAddress remote, ushort remotePort, SocketError error)
    {
        var endpoint = Find(localPort);
        if (endpoint is null)
            return false;
        if (!endpoint.IsConnected || endpoint.RemoteAddress != remote || endpoint.RemotePort != remotePort)
            return true; // ours, but nobody to tell
        endpoint.ReportError(error);
        return true;
    }

    /// <summary>The bound endpoints (a struct enumerator: no allocation).</summary>
    public Dictionary<ushort, UdpEndpoint>.ValueCollection Endpoints => _ports.Values;

    /// <summary>Closes every endpoint (stack shutdown).</summary>
    public void CloseAll()
    {
        foreach (var endpoint in _ports.Values)
            endpoint.Close();
        _ports.Clear();
    }

    private static SocketError SocketErrorFor(in IcmpRepr icmp)
    {
        if (icmp.Type == IcmpType.TimeExceeded)
            return SocketError.HostUnreachable;
        if (icmp.Type == IcmpType.ParameterProblem)
            return SocketError.ProtocolNotSupported; // EPROTO, as the ICMPv6 parameter problem
        return (IcmpUnreachableCode)icmp.Code switch
        {
            IcmpUnreachableCode.PortUnreachable => SocketError.ConnectionRefused,
            IcmpUnreachableCode.ProtocolUnreachable => SocketError.ProtocolNotSupported,
            IcmpUnreachableCode.FragmentationNeeded => SocketError.MessageSize,
            IcmpUnreachableCode.NetUnreachable or IcmpUnreachableCode.NetUnknown or IcmpUnreachableCode.NetUnreachableForTos => SocketError.NetworkUnreachable,
            _ => SocketError.HostUnreachable,
        };
    }
}
