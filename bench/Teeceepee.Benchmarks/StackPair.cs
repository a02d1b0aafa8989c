using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Benchmarks;

/// <summary>Two <see cref="NetworkStack"/>s over a <see cref="MemoryLink"/> pair with one connection, driven on virtual time.</summary>
internal sealed class StackPair : IDisposable
{
    public static readonly IPv4Address AddressA = IPv4Address.Parse("198.18.0.1");
    public static readonly IPv4Address AddressB = IPv4Address.Parse("198.18.0.2");
    public static readonly IPv6Address Address6A = IPv6Address.Parse("fd00:b::1");
    public static readonly IPv6Address Address6B = IPv6Address.Parse("fd00:b::2");

    private readonly MemoryLink _linkA;
    private readonly MemoryLink _linkB;
    private readonly byte[] _chunk = new byte[64 * 1024];
    private readonly Tcb _client;
    private readonly Tcb _server;

    /// <param name="mtu">The link MTU.</param>
    /// <param name="ipv6">The connection runs over IPv6 (fd00:b::1 to fd00:b::2, no DAD) instead of IPv4.</param>
    public StackPair(int mtu = 1500, bool ipv6 = false)
    {
        (_linkA, _linkB) = MemoryLink.CreatePair(new LinkCapabilities(LinkMedium.Ethernet, mtu), withReadinessFd: false);
        var a = new NetworkStackOptions { Address = AddressA, Seed = 1, Name = "A" };
        var b = new NetworkStackOptions { Address = AddressB, Seed = 2, Name = "B" };
        if (ipv6)
        {
            a = a with { IPv6Addresses = [new IPv6AddressPrefix(Address6A, 64)], DadTransmits = 0, StableSecret = new byte[16] };
            b = b with { IPv6Addresses = [new IPv6AddressPrefix(Address6B, 64)], DadTransmits = 0, StableSecret = new byte[16] };
        }
        Sender = new NetworkStack(_linkA, a);
        Receiver = new NetworkStack(_linkB, b);
        NetAddress from = ipv6 ? Address6A : AddressA, to = ipv6 ? Address6B : AddressB;
        var listener = Receiver.Tcp.Listen(new TcpEndpoint(to, 5001));
        _client = Sender.Tcp.Connect(Now, from, new TcpEndpoint(to, 5001));
        Tcb? server = null;
        for (int i = 0; i < 1000 && !listener.TryAccept(out server); i++)
            Step();
        _server = server ?? throw new InvalidOperationException("The connection did not open.");
    }

    public NetworkStack Sender { get; }
    public NetworkStack Receiver { get; }
    public Instant Now { get; private set; } = Instant.FromMilliseconds(1000);

    /// <summary>Moves <paramref name="count"/> bytes from the sender's connection to the receiver's; returns the bytes received.</summary>
    public long Transfer(long count)
    {
        long sent = 0, received = 0;
        int idle = 0;
        while (received < count)
        {
            if (sent < count)
                sent += _client.Send(_chunk.AsSpan(0, (int)Math.Min(_chunk.Length, count - sent)));
            int n, got = 0;
            while ((n = _server.Receive(_chunk)) > 0)
                got += n;
            received += got;
            if (!Step() && got == 0)
            {
                var next = Instant.Min(Sender.PollAt(), Receiver.PollAt());
                if (next == Instant.MaxValue || ++idle > 100_000)
                    throw new InvalidOperationException("The transfer stalled.");
                if (next > Now)
                    Now = next;
            }
            Now += TimeSpan.FromMicroseconds(10);
        }
        return received;
    }

    private bool Step()
    {
        bool moved = false;
        do
        {
            Sender.Poll(Now);
            Receiver.Poll(Now);
            moved |= _linkA.PendingFrames > 0 || _linkB.PendingFrames > 0;
        }
        while (_linkA.PendingFrames > 0 || _linkB.PendingFrames > 0);
        return moved;
    }

    public void Dispose()
    {
        Sender.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Receiver.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _linkA.Dispose();
        _linkB.Dispose();
    }
}
