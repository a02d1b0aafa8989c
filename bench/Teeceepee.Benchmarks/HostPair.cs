using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Benchmarks;

/// <summary>Two sans-I/O <see cref="TcpHost"/>s joined directly (segments handed across, no IP or link), on a fixed instant.</summary>
internal sealed class HostPair
{
    public static readonly IPv4Address ClientAddress = IPv4Address.Parse("198.18.0.1");
    public static readonly IPv4Address ServerAddress = IPv4Address.Parse("198.18.0.2");
    public static readonly TcpEndpoint ServerEndpoint = new(ServerAddress, 80);

    private readonly byte[] _payload = new byte[65536];

    public HostPair(int backlog = 128)
    {
        Client = new TcpHost(TcpConfig.Default, IsnGenerator.CreateRandom(), EphemeralPortAllocator.CreateRandom(), SynCookies.CreateRandom());
        Server = new TcpHost(TcpConfig.Default, IsnGenerator.CreateRandom(), EphemeralPortAllocator.CreateRandom(), SynCookies.CreateRandom());
        Listener = Server.Listen(ServerEndpoint, backlog);
    }

    public TcpHost Client { get; }
    public TcpHost Server { get; }
    public TcpListenerQueue Listener { get; }
    public Instant Now { get; set; } = Instant.FromMilliseconds(1000);

    /// <summary>Opens one connection through the three-way handshake and accepts it.</summary>
    public (Tcb Client, Tcb Server) Open(ushort localPort = 0)
    {
        var client = Client.Connect(Now, ClientAddress, ServerEndpoint, localPort: localPort);
        Pump();
        if (!Listener.TryAccept(out var server) || client.State != TcpState.Established)
            throw new InvalidOperationException("The handshake did not complete.");
        return (client, server);
    }

    /// <summary>Hands segments across both ways until neither host has anything to send.</summary>
    public void Pump()
    {
        bool moved;
        do
        {
            moved = Move(Client, Server) | Move(Server, Client);
        }
        while (moved);
    }

    private bool Move(TcpHost from, TcpHost to)
    {
        bool any = false;
        while (from.TryDispatch(Now, _payload, out var outgoing))
        {
            any = true;
            to.Process(Now, outgoing.LocalAddress, outgoing.RemoteAddress, outgoing.Segment, _payload.AsSpan(0, outgoing.Segment.PayloadLength));
        }
        return any;
    }
}
