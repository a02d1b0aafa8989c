using System.Net;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Sockets;

/// <summary>Two real-time stacks joined by <see cref="MemoryLink.CreatePair"/>, each with its own loop thread.</summary>
public sealed class MemoryTcpTestNetwork : TcpTestNetwork
{
    public static readonly IPv4Address ClientAddress = IPv4Address.Parse("198.18.0.1");
    public static readonly IPv4Address ServerAddressV4 = IPv4Address.Parse("198.18.0.2");

    private readonly MemoryLink _clientLink;
    private readonly MemoryLink _serverLink;
    private readonly FaultInjector? _faults;

    /// <summary>Creates the pair; with <paramref name="faults"/> the client's link drops, duplicates, reorders... both ways.</summary>
    public MemoryTcpTestNetwork(Func<NetworkStackOptions, NetworkStackOptions>? configure = null, FaultOptions? faults = null, int seed = 1, int mtu = 1500)
    {
        (_clientLink, _serverLink) = MemoryLink.CreatePair(new LinkCapabilities(LinkMedium.Ethernet, mtu), queueCapacity: 1024);
        var client = new NetworkStackOptions { Address = ClientAddress, Name = "client" };
        var server = new NetworkStackOptions { Address = ServerAddressV4, Name = "server" };
        ILink clientLink = _clientLink;
        if (faults is not null)
            clientLink = _faults = FaultInjector.Symmetric(_clientLink, faults, seed);
        Client = new NetworkStack(clientLink, configure is null ? client : configure(client));
        Server = new NetworkStack(_serverLink, configure is null ? server : configure(server));
        Client.Start();
        Server.Start();
    }

    public override NetworkStack Client { get; }

    public override NetworkStack Server { get; }

    public override IPAddress ServerAddress => ServerAddressV4.ToIPAddress();

    public override IPAddress SilentAddress { get; } = IPAddress.Parse("198.18.0.99");

    public override string Kind => _faults is null ? "memory" : "memory with faults";

    public override async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
        _faults?.Dispose();
        _clientLink.Dispose();
        _serverLink.Dispose();
    }
}
