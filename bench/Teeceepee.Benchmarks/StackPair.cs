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

    private readonly MemoryLink _linkA;
    private readonly MemoryLink _linkB;
    private readonly byte[] _chunk = new byte[64 * 1024];
    private readonly Tcb _client;
    private readonly Tcb _server;

    public StackPair(int mtu = 1500)
    {
        (_linkA, _linkB) = MemoryLink.CreatePair(new LinkCapabilities(LinkMedium.Ethernet, mtu), withReadinessFd: false);
        Sender = new NetworkStack(_linkA, new NetworkStackOptions { Address = AddressA, Seed = 1, Name = "A" });
        Receiver = new NetworkStack(_linkB, new NetworkStackOptions { Address = AddressB, Seed = 2, Name = "B" });
        var listener = Receiver.Tcp.Listen(new TcpEndpoint(AddressB, 5001));
        _client = Sender.Tcp.Connect(Now, AddressA, new TcpEndpoint(AddressB, 5001));
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
