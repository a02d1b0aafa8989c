using Teeceepee.Links;
using Teeceepee.Stack.Sharding;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>
/// One host on a multi-queue link with one event loop per queue (<see cref="NetworkStackOptions.Loops"/>; issue 13
/// item 4): a <see cref="NetworkStack"/> per queue, all with the same addresses and MAC. Each loop owns the TCP flows
/// <see cref="FlowSharding"/> gives it (the flows it accepts, and those it connects) and touches only its own state; a frame read by the wrong loop is handed to the
/// owner through a bounded queue (counted in <see cref="NetworkStackStats.FramesHandedOver"/>). Loop 0, the
/// <see cref="Primary"/>, owns UDP, ICMP, ping, DHCP and address configuration; ARP and neighbour replies reach every
/// loop, so each keeps its own neighbour cache without locks. Listen on every loop (the socket layer's group listener
/// does), connect on <see cref="NextLoop"/>.
/// </summary>
public sealed class NetworkStackGroup : IAsyncDisposable
{
    private readonly NetworkStack[] _stacks;
    private int _next = -1;

    /// <summary>Makes one stack per link (queue), <paramref name="links"/>.Count == <see cref="NetworkStackOptions.Loops"/>.</summary>
    /// <param name="links">The queues of one device, loop 0's first.</param>
    /// <param name="options">What every loop's stack is made with (a MAC is chosen once for all of them).</param>
    /// <param name="sharding">The ownership rules; default: a random flow-hash key over the default ephemeral range.</param>
    public NetworkStackGroup(IReadOnlyList<ILink> links, NetworkStackOptions options, FlowSharding? sharding = null)
    {
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(options);
        if (links.Count == 0 || links.Count != options.Loops)
            throw new ArgumentException($"A group of {options.Loops} loops needs {options.Loops} links (queues); got {links.Count}.", nameof(links));
        if (sharding is not null && sharding.Count != links.Count)
            throw new ArgumentException($"The sharding is for {sharding.Count} loops, not {links.Count}.", nameof(sharding));
        Sharding = sharding ?? new FlowSharding(links.Count);
        var random = options.Seed is int s ? new Random(s) : new Random();
        var mac = options.HardwareAddress ?? links[0].Capabilities.HardwareAddress ?? MacAddress.CreateLocal(random);
        string name = options.Name ?? options.Address.ToString();
        _stacks = new NetworkStack[links.Count];
        try
        {
            for (int i = 0; i < _stacks.Length; i++)
            {
                // Same host on every queue; loop 0 alone announces it (gratuitous ARP).
                var loopOptions = options with
                {
                    HardwareAddress = mac,
                    Name = i == 0 ? name : $"{name}#{i}",
                    Seed = options.Seed is int seed0 ? seed0 + i : null,
                    SendGratuitousArp = options.SendGratuitousArp && i == 0,
                };
                _stacks[i] = new NetworkStack(links[i], loopOptions, Sharding, i);
            }
        }
        catch
        {
            foreach (var stack in _stacks)
            {
                if (stack is not null)
                    _ = stack.DisposeAsync().AsTask();
            }
            throw;
        }
        foreach (var stack in _stacks)
            stack.JoinGroup(_stacks);
    }

    /// <summary>The loops' stacks, loop 0 first.</summary>
    public IReadOnlyList<NetworkStack> Stacks => _stacks;

    /// <summary>Loop 0: UDP, ICMP, ping, DHCP, address configuration and statistics of the host as a whole.</summary>
    public NetworkStack Primary => _stacks[0];

    /// <summary>How many loops run.</summary>
    public int Count => _stacks.Length;

    /// <summary>Who owns what.</summary>
    public FlowSharding Sharding { get; }

    /// <summary>The loop for the next outgoing connection, round robin (its port comes from that loop's slice, so the flow stays there).</summary>
    public NetworkStack NextLoop() => _stacks[(int)((uint)Interlocked.Increment(ref _next) % (uint)_stacks.Length)];

    /// <summary>Each loop's counters, loop 0 first.</summary>
    public IReadOnlyList<NetworkStackStats> LoopStats => Array.ConvertAll(_stacks, s => s.Stats);

    /// <summary>
    /// The host's counters: frames, octets, packets, TCP segments, hand-overs and drops summed over the loops; ICMP, UDP,
    /// fragment and neighbour-discovery counters are loop 0's, which owns those protocols.
    /// </summary>
    public NetworkStackStats Stats
    {
        get
        {
            var all = Array.ConvertAll(_stacks, s => s.Stats);
            long Sum(Func<NetworkStackStats, long> counter)
            {
                long total = 0;
                foreach (var stats in all)
                    total += counter(stats);
                return total;
            }
            var drops = new long[256];
            var tcpDrops = new long[TcpDropCounts.Size];
            foreach (var stats in all)
            {
                foreach (var (reason, count) in stats.Drops.NonZero)
                    drops[(byte)reason] += count;
                foreach (var (reason, count) in stats.TcpDrops.NonZero)
                    tcpDrops[(byte)reason] += count;
            }
            return all[0] with
            {
                FramesIn = Sum(s => s.FramesIn),
                FramesOut = Sum(s => s.FramesOut),
                BytesIn = Sum(s => s.BytesIn),
                BytesOut = Sum(s => s.BytesOut),
                ArpRequestsIn = Sum(s => s.ArpRequestsIn),
                ArpRepliesIn = Sum(s => s.ArpRepliesIn),
                ArpRequestsOut = Sum(s => s.ArpRequestsOut),
                ArpRepliesOut = Sum(s => s.ArpRepliesOut),
                IPv4PacketsIn = Sum(s => s.IPv4PacketsIn),
                IPv4PacketsOut = Sum(s => s.IPv4PacketsOut),
                IPv6PacketsIn = Sum(s => s.IPv6PacketsIn),
                IPv6PacketsOut = Sum(s => s.IPv6PacketsOut),
                TcpSegmentsIn = Sum(s => s.TcpSegmentsIn),
                TcpSegmentsOut = Sum(s => s.TcpSegmentsOut),
                SuperFramesOut = Sum(s => s.SuperFramesOut),
                TcpRetransmissions = Sum(s => s.TcpRetransmissions),
                TcpResetsSent = Sum(s => s.TcpResetsSent),
                TcpResetsReceived = Sum(s => s.TcpResetsReceived),
                LinkFramesIn = Sum(s => s.LinkFramesIn),
                FramesHandedOver = Sum(s => s.FramesHandedOver),
                FramesTakenOver = Sum(s => s.FramesTakenOver),
                Drops = new DropCounts(drops),
                TcpDrops = new TcpDropCounts(tcpDrops),
            };
        }
    }

    /// <summary>Starts every loop's thread.</summary>
    public void Start()
    {
        foreach (var stack in _stacks)
            stack.Start();
    }

    /// <summary>Stops every loop (loop 0 last) and, with <see cref="NetworkStackOptions.OwnsLink"/>, closes the queues.</summary>
    public async ValueTask DisposeAsync()
    {
        for (int i = _stacks.Length - 1; i >= 0; i--)
            await _stacks[i].DisposeAsync().ConfigureAwait(false);
    }
}
