using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp.Congestion;

/// <summary>
/// Two <see cref="TcpHost"/>s on virtual time joined by a path with a bottleneck from A to B: random loss, then a
/// drop-tail queue of <see cref="QueueBytes"/> drained at <see cref="RateBytesPerSecond"/>, then the one-way delay;
/// B to A only has the delay. A bulk sender on A and a sink on B measure goodput; the queue is observable.
/// <see cref="StallEvery"/> and <see cref="StallFor"/> model A's loop on a busy host: for StallFor of every StallEvery it
/// neither sends nor reads (what arrives waits, as in a TAP's queue), then runs late.
/// </summary>
internal sealed class BottleneckPath
{
    public static readonly IPv4Address AddressA = new(198, 18, 0, 1);
    public static readonly IPv4Address AddressB = new(198, 18, 0, 2);
    private const int HeaderOctets = 40;

    private readonly Random _rng;
    private readonly PriorityQueue<Packet, (long, long)> _wire = new();
    private readonly byte[] _buffer = new byte[65536];
    private readonly byte[] _chunk = new byte[64 * 1024];
    private long _order;
    private Instant _linkFreeAt;
    private TcpListenerQueue? _listener;

    public BottleneckPath(int seed, double rateBitsPerSecond, TimeSpan rtt, long queueBytes, double loss = 0, TcpConfig? config = null)
    {
        _rng = new Random(seed);
        RateBytesPerSecond = rateBitsPerSecond / 8;
        OneWayDelay = rtt / 2;
        QueueBytes = queueBytes;
        Loss = loss;
        var keyA = new byte[16];
        var keyB = new byte[16];
        _rng.NextBytes(keyA);
        _rng.NextBytes(keyB);
        A = new TcpHost(config, new IsnGenerator(keyA), new EphemeralPortAllocator(keyA), new SynCookies(keyA));
        B = new TcpHost(config, new IsnGenerator(keyB), new EphemeralPortAllocator(keyB), new SynCookies(keyB));
    }

    public TcpHost A { get; }
    public TcpHost B { get; }
    public double RateBytesPerSecond { get; }
    public TimeSpan OneWayDelay { get; }
    public long QueueBytes { get; }
    public double Loss { get; set; }
    public TimeSpan StallEvery { get; set; }
    public TimeSpan StallFor { get; set; }
    public Instant Now { get; private set; } = Instant.FromMilliseconds(1);
    public Tcb? Sender { get; private set; }
    public Tcb? Receiver { get; private set; }
    public long BytesReceived { get; private set; }
    public long QueueDrops { get; private set; }
    public long RandomDrops { get; private set; }

    /// <summary>The bottleneck bandwidth-delay product in bytes.</summary>
    public long Bdp => (long)(RateBytesPerSecond * OneWayDelay.TotalSeconds * 2);

    /// <summary>Octets waiting in the bottleneck queue now.</summary>
    public long Backlog => _linkFreeAt > Now ? (long)((_linkFreeAt - Now).TotalSeconds * RateBytesPerSecond) : 0;

    /// <summary>Opens the bulk connection A to B.</summary>
    public void Open()
    {
        _listener = B.Listen(new TcpEndpoint(AddressB, 5001));
        Sender = A.Connect(Now, AddressA, new TcpEndpoint(AddressB, 5001));
    }

    /// <summary>Runs the bulk transfer for <paramref name="duration"/> of virtual time; <paramref name="observe"/> sees every step.</summary>
    public void Run(TimeSpan duration, Action? observe = null)
    {
        var limit = Now + duration;
        while (true)
        {
            if (Receiver is null && _listener!.TryAccept(out var accepted))
                Receiver = accepted;
            while (Sender!.Send(_chunk) > 0)
            {
            }
            int n;
            while (Receiver is not null && (n = Receiver.Receive(_chunk)) > 0)
                BytesReceived += n;
            observe?.Invoke();
            var stallEnd = StallEnd();
            if (stallEnd is null)
                Pump(A, toB: true);
            Pump(B, toB: false);
            var next = Instant.Min(stallEnd ?? A.PollAt(), B.PollAt());
            if (_wire.TryPeek(out _, out var top))
                next = Instant.Min(next, new Instant(top.Item1));
            if (next <= Now)
            {
                DeliverDue();
                continue;
            }
            if (next > limit)
            {
                Now = limit;
                return;
            }
            Now = next;
            DeliverDue();
        }
    }

    private void Pump(TcpHost host, bool toB)
    {
        while (host.TryDispatch(Now, _buffer, out var o))
        {
            var payload = _buffer.AsSpan(0, o.Segment.PayloadLength).ToArray();
            var at = Now + OneWayDelay;
            if (toB)
            {
                if (o.Segment.PayloadLength > 0 && _rng.NextDouble() < Loss)
                {
                    RandomDrops++;
                    continue;
                }
                int size = o.Segment.PayloadLength + HeaderOctets;
                if (Backlog + size > QueueBytes)
                {
                    QueueDrops++;
                    continue;
                }
                var start = _linkFreeAt > Now ? _linkFreeAt : Now;
                _linkFreeAt = start + TimeSpan.FromTicks((long)(size * TimeSpan.TicksPerSecond / RateBytesPerSecond));
                at = _linkFreeAt + OneWayDelay;
            }
            _wire.Enqueue(new Packet(toB, o.LocalAddress.V4, o.RemoteAddress.V4, o.Segment, payload), (at.Ticks, _order++));
        }
    }

    /// <summary>When A's current stall ends; null while A runs.</summary>
    private Instant? StallEnd()
    {
        if (StallEvery <= TimeSpan.Zero || StallFor <= TimeSpan.Zero)
            return null;
        long into = Now.Ticks % StallEvery.Ticks;
        return into < StallFor.Ticks ? new Instant(Now.Ticks - into + StallFor.Ticks) : null;
    }

    private void DeliverDue()
    {
        var stallEnd = StallEnd();
        while (_wire.TryPeek(out var p, out var at) && at.Item1 <= Now.Ticks)
        {
            _wire.Dequeue();
            if (!p.ToB && stallEnd is { } end)
            {
                _wire.Enqueue(p, (end.Ticks, _order++)); // A reads it when its loop runs again
                continue;
            }
            (p.ToB ? B : A).Process(Now, p.Source, p.Destination, p.Segment, p.Payload);
        }
    }

    private sealed record Packet(bool ToB, IPv4Address Source, IPv4Address Destination, TcpRepr Segment, byte[] Payload);
}
