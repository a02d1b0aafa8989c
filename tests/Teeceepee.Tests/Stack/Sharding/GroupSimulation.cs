using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack.Sharding;

/// <summary>
/// A peer stack and a <see cref="NetworkStackGroup"/> of N loops joined like a multi-queue TAP, on virtual time: the
/// group's loop k sends on queue k, and <c>steer</c> chooses the queue of each frame the peer sends (the tun driver's
/// choice). Each step polls every stack and moves frames until the wire is quiet. Deterministic.
/// </summary>
internal sealed class GroupSimulation : IAsyncDisposable
{
    public static readonly IPv4Address PeerAddress = IPv4Address.Parse("198.18.0.1");
    public static readonly IPv4Address GroupAddress = IPv4Address.Parse("198.18.0.2");

    private readonly MemoryLink _peerWire;
    private readonly MemoryLink[] _queueWires;
    private readonly Func<byte[], int> _steer;
    private readonly byte[] _frame = new byte[70_000];

    public GroupSimulation(int loops, Func<byte[], int> steer, int seed = 1)
    {
        _steer = steer;
        var caps = new LinkCapabilities(LinkMedium.Ethernet, 1500);
        (var peerLink, _peerWire) = MemoryLink.CreatePair(caps, queueCapacity: 4096, withReadinessFd: false);
        Peer = new NetworkStack(peerLink, new NetworkStackOptions { Address = PeerAddress, Seed = seed, Name = "peer", Trace = Log.Add });
        var queues = new ILink[loops];
        _queueWires = new MemoryLink[loops];
        for (int k = 0; k < loops; k++)
            (queues[k], _queueWires[k]) = MemoryLink.CreatePair(caps, queueCapacity: 4096, withReadinessFd: false);
        Group = new NetworkStackGroup(queues, new NetworkStackOptions { Address = GroupAddress, Seed = seed + 1, Name = "group", Loops = loops, Trace = Log.Add });
        Peer.DriveManually();
        foreach (var stack in Group.Stacks)
            stack.DriveManually();
        FramesToQueue = new long[loops];
    }

    public NetworkStack Peer { get; }
    public NetworkStackGroup Group { get; }
    public Instant Now { get; private set; } = Instant.FromMilliseconds(1000);
    public List<string> Log { get; } = [];

    /// <summary>Frames the peer sent that went to each queue.</summary>
    public long[] FramesToQueue { get; }

    /// <summary>Writes a raw frame as if the peer's kernel had queued it on <paramref name="queue"/>.</summary>
    public bool Inject(int queue, ReadOnlySpan<byte> frame) => _queueWires[queue].TrySend(Now, frame, LinkOffload.None);

    /// <summary>Polls every stack and moves frames both ways until nothing moves.</summary>
    public void Step()
    {
        for (int round = 0; round < 1000; round++)
        {
            Peer.Poll(Now);
            foreach (var stack in Group.Stacks)
                stack.Poll(Now);
            bool moved = false;
            while (_peerWire.TryReceive(Now, _frame, out int length, out var offload))
            {
                var frame = _frame.AsSpan(0, length).ToArray();
                int queue = _steer(frame);
                FramesToQueue[queue]++;
                _queueWires[queue].TrySend(Now, frame, offload);
                moved = true;
            }
            foreach (var wire in _queueWires)
            {
                while (wire.TryReceive(Now, _frame, out int length, out var offload))
                {
                    _peerWire.TrySend(Now, _frame.AsSpan(0, length), offload);
                    moved = true;
                }
            }
            if (!moved && !Group.Stacks.Any(s => s.PollAt() <= Now) && Peer.PollAt() > Now)
                return;
        }
    }

    /// <summary>Steps until <paramref name="done"/> holds or <paramref name="limit"/> of virtual time passed, jumping to deadlines.</summary>
    public bool RunUntil(Func<bool> done, TimeSpan limit)
    {
        var end = Now + limit;
        while (true)
        {
            Step();
            if (done())
                return true;
            var next = Group.Stacks.Aggregate(Peer.PollAt(), (at, s) => Instant.Min(at, s.PollAt()));
            // Work finishing on other threads (socket continuations) may post more: move time on gently.
            next = Instant.Min(next, Now + TimeSpan.FromMilliseconds(1));
            if (next > end)
                return false;
            Now = Instant.Max(next, Now + TimeSpan.FromTicks(1));
        }
    }

    /// <summary>
    /// Steps until every task in <paramref name="work"/> has completed, for work that finishes on other threads (socket
    /// operations whose continuations post the next loop command): between steps the thread pool gets a millisecond of
    /// real time and the virtual clock moves by the same. False after <paramref name="realLimit"/> of real time.
    /// </summary>
    public bool RunUntilCompleted(IReadOnlyCollection<Task> work, TimeSpan realLimit)
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            Step();
            if (work.All(t => t.IsCompleted))
                return true;
            if (stopwatch.Elapsed > realLimit)
                return false;
            Thread.Sleep(1);
            Now += TimeSpan.FromMilliseconds(1);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Group.DisposeAsync();
        await Peer.DisposeAsync();
    }
}
