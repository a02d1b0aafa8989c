using System.Net.Sockets;
using Teeceepee.Tcp;

namespace Teeceepee.Sockets;

/// <summary>Maps core results to the API's exceptions (DESIGN §3 rule 11).</summary>
internal static class TcpSocketErrors
{
    /// <summary>The <see cref="SocketError"/> for a connection failure.</summary>
    public static SocketError ToSocketError(TcpError error) => error switch
    {
        TcpError.ConnectionRefused => SocketError.ConnectionRefused,
        TcpError.ConnectionReset => SocketError.ConnectionReset,
        TcpError.TimedOut => SocketError.TimedOut,
        TcpError.HostUnreachable => SocketError.HostUnreachable,
        TcpError.NetworkUnreachable => SocketError.NetworkUnreachable,
        TcpError.ConnectionAborted => SocketError.ConnectionAborted,
        TcpError.AddressAlreadyInUse => SocketError.AddressAlreadyInUse,
        TcpError.AddressNotAvailable => SocketError.AddressNotAvailable,
        // Linux reports EPROTO, which System.Net.Sockets has no code for: the nearest one, with a message saying why.
        TcpError.ProtocolError => SocketError.ProtocolNotSupported,
        TcpError.None => SocketError.Success,
        _ => SocketError.SocketError,
    };

    /// <summary>
    /// A <see cref="SocketException"/> for <paramref name="error"/>, wrapped in an <see cref="IOException"/>
    /// when the call came through a <see cref="Stream"/>.
    /// </summary>
    public static Exception Create(SocketError error, bool stream)
    {
        var socketException = new SocketException((int)error);
        return stream ? new IOException($"Unable to transfer data on the transport connection: {socketException.Message}", socketException) : socketException;
    }

    /// <summary>Same, from a core error; a protocol error says that an ICMP parameter problem caused it.</summary>
    public static Exception Create(TcpError error, bool stream)
    {
        if (error != TcpError.ProtocolError)
            return Create(ToSocketError(error), stream);
        var socketException = new SocketException((int)SocketError.ProtocolNotSupported,
            "Protocol error: the destination reported a parameter problem (ICMP/ICMPv6) in this connection's packets.");
        return stream ? new IOException($"Unable to transfer data on the transport connection: {socketException.Message}", socketException) : socketException;
    }
}
