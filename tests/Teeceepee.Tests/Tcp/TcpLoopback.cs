using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp;

/// <summary>
/// Two <see cref="TcpHost"/>s joined by an in-memory, seeded shuttle that can lose, delay, reorder and
/// duplicate segments, on virtual time. Failing seeds reproduce exactly.
/// </summary>
internal sealed class TcpLoopback
{
    public static readonly IPv4Address AddressA = new(198, 18, 0, 1);
    public static readonly IPv4Address AddressB = new(198, 18, 0, 2);

    private readonly Random _rng;
    private readonly PriorityQueue<Packet, (long, long)> _wire = new();
    private readonly byte[] _buffer = new byte[65536];
    private long _order;

    public TcpLoopback(int seed, double loss = 0, double reorder = 0, double duplicate = 0, TcpConfig? config = null)
    {
        _rng = new Random(seed);
        Loss = loss;
        Reorder = reorder;
        Duplicate = duplicate;
        var keyA = new byte[16];
        var keyB = new byte[16];
        _rng.NextBytes(keyA);
        _rng.NextBytes(keyB);
        A = new TcpHost(config, new IsnGenerator(keyA), new EphemeralPortAllocator(keyA), new SynCookies(keyA));
        B = new TcpHost(config, new IsnGenerator(keyB), new EphemeralPortAllocator(keyB), new SynCookies(keyB));
    }

    public TcpHost A { get; }
    public TcpHost B { get; }
    public Instant Now { get; private set; } = Instant.FromMilliseconds(1);
    public double Loss { get; set; }
    public double Reorder { get; set; }
    public double Duplicate { get; set; }
    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(1);
    public long SegmentsCarried { get; private set; }
    public long SegmentsLost { get; private set; }
    public Action<string>? Log { get; set; }

    /// <summary>Drops a segment when it returns true (direction A→B is true), before random loss.</summary>
    public Func<bool, TcpRepr, bool>? DropIf { get; set; }

    /// <summary>Every segment sent, with its direction (A→B is true), when set.</summary>
    public List<(bool ToB, TcpRepr Segment, byte[] Payload)>? Captured { get; set; }

    /// <summary>The departure time, direction (A→B is true) and payload length of every segment sent, when set.</summary>
    public List<(Instant At, bool ToB, int PayloadLength)>? Departures { get; set; }

    /// <summary>
    /// Connects A to B, sends <paramref name="payload"/> from A and closes, reading everything at B, until B has the FIN
    /// or virtual time passes <paramref name="limitMs"/>. Returns whether it finished, the octets B read (for the caller's
    /// SHA-256 check), A's TCB and the largest pacing rate A reported during the transfer.
    /// </summary>
    public (bool Finished, byte[] Received, Tcb Client, long MaxPacingRate) BulkTransfer(byte[] payload, long limitMs)
    {
        var listener = B.Listen(new TcpEndpoint(AddressB, 5001));
        var client = A.Connect(Now, AddressA, new TcpEndpoint(AddressB, 5001));
        using var received = new MemoryStream();
        var chunk = new byte[64 * 1024];
        Tcb? server = null;
        int sent = 0;
        long maxPacing = 0;
        bool finished = Run(() => server is not null && server.IsReceiveFinished, () =>
        {
            if (server is null && listener.TryAccept(out var accepted))
                server = accepted;
            if (sent < payload.Length)
                sent += client.Send(payload.AsSpan(sent));
            else
                client.Shutdown();
            maxPacing = Math.Max(maxPacing, client.GetInfo().PacingRate);
            int n;
            while (server is not null && (n = server.Receive(chunk)) > 0)
                received.Write(chunk, 0, n);
        }, limitMs);
        return (finished, received.ToArray(), client, maxPacing);
    }

    /// <summary>Runs until <paramref name="done"/> holds or virtual time passes <paramref name="limitMs"/>; <paramref name="app"/> runs every step.</summary>
    public bool Run(Func<bool> done, Action app, long limitMs)
    {
        var limit = Now + TimeSpan.FromMilliseconds(limitMs);
        for (int steps = 0; steps < 5_000_000; steps++)
        {
            app();
            if (done())
                return true;
            Pump(A, toB: true);
            Pump(B, toB: false);
            var next = Instant.Min(A.PollAt(), B.PollAt());
            if (_wire.TryPeek(out _, out var top))
                next = Instant.Min(next, new Instant(top.Item1));
            if (next <= Now)
            {
                DeliverDue();
                continue;
            }
            if (next > limit)
                return done();
            Now = next;
            DeliverDue();
        }
        return done();
    }

    private void Pump(TcpHost host, bool toB)
    {
        while (host.TryDispatch(Now, _buffer, out var o))
        {
            var payload = _buffer.AsSpan(0, o.Segment.PayloadLength).ToArray();
            Captured?.Add((toB, o.Segment, payload));
            Departures?.Add((Now, toB, o.Segment.PayloadLength));
            if (DropIf?.Invoke(toB, o.Segment) == true)
            {
                SegmentsLost++;
                continue;
            }
            int copies = _rng.NextDouble() < Duplicate ? 2 : 1;
            for (int i = 0; i < copies; i++)
            {
                if (_rng.NextDouble() < Loss)
                {
                    SegmentsLost++;
                    continue;
                }
                var delay = Latency;
                if (_rng.NextDouble() < Reorder)
                    delay += TimeSpan.FromMilliseconds(_rng.Next(1, 10));
                _wire.Enqueue(new Packet(toB, o.LocalAddress.V4, o.RemoteAddress.V4, o.Segment, payload), ((Now + delay).Ticks, _order++));
            }
        }
    }

    private void DeliverDue()
    {
        while (_wire.TryPeek(out var p, out var at) && at.Item1 <= Now.Ticks)
        {
            _wire.Dequeue();
            SegmentsCarried++;
            var target = p.ToB ? B : A;
            Log?.Invoke($"{Now} {(p.ToB ? "A>B" : "B>A")} {p.Segment.Control} seq={p.Segment.SeqNumber} ack={p.Segment.AckNumber} len={p.Segment.PayloadLength} win={p.Segment.WindowLength} ts={p.Segment.Timestamp} sack={p.Segment.SackBlocks}");
            target.Process(Now, p.Source, p.Destination, p.Segment, p.Payload);
        }
    }

    private sealed record Packet(bool ToB, IPv4Address Source, IPv4Address Destination, TcpRepr Segment, byte[] Payload);
}
