using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>
/// Two stacks joined by a <see cref="MemoryLink"/> pair, driven on virtual time: each step polls
/// both and jumps to the earliest deadline. Deterministic for a seed.
/// </summary>
internal sealed class Simulation : IAsyncDisposable
{
    public static readonly IPv4Address AddressA = IPv4Address.Parse("198.18.0.1");
    public static readonly IPv4Address AddressB = IPv4Address.Parse("198.18.0.2");

    private readonly MemoryLink _linkA;
    private readonly MemoryLink _linkB;

    public Simulation(int mtu = 1500, Func<NetworkStackOptions, NetworkStackOptions>? configureA = null,
        Func<NetworkStackOptions, NetworkStackOptions>? configureB = null, int seed = 1, FaultOptions? faults = null,
        Func<ILink, ILink>? wrapA = null)
    {
        (_linkA, _linkB) = MemoryLink.CreatePair(new LinkCapabilities(LinkMedium.Ethernet, mtu), withReadinessFd: false);
        // Faults on A's side, both directions: every frame crosses the injector once.
        ILink linkA = faults is null ? _linkA : Faults = FaultInjector.Symmetric(_linkA, faults, seed);
        // Middleware between A's stack and the faults (a capture of everything A sends, lost frames included).
        if (wrapA is not null)
            linkA = wrapA(linkA);
        var a = new NetworkStackOptions { Address = AddressA, Seed = seed, Name = "A", Trace = Log.Add };
        var b = new NetworkStackOptions { Address = AddressB, Seed = seed + 1, Name = "B", Trace = Log.Add };
        A = new NetworkStack(linkA, configureA is null ? a : configureA(a));
        B = new NetworkStack(_linkB, configureB is null ? b : configureB(b));
        // Hand-driven (Step polls both): calls made before the first step wait for it.
        A.DriveManually();
        B.DriveManually();
    }

    public NetworkStack A { get; }
    public FaultInjector? Faults { get; }
    public NetworkStack B { get; }
    public Instant Now { get; private set; } = Instant.FromMilliseconds(1000);
    public List<string> Log { get; } = [];

    /// <summary>
    /// Sends <paramref name="data"/> from <paramref name="sender"/> to <paramref name="receiver"/> (both established),
    /// reading everything that arrives, until all of it is in or <paramref name="limit"/> of virtual time passed.
    /// Returns the octets received, for the caller's byte-exact (SHA-256) check.
    /// </summary>
    public byte[] Transfer(Teeceepee.Tcp.Tcb sender, Teeceepee.Tcp.Tcb receiver, byte[] data, TimeSpan limit)
    {
        var received = new MemoryStream();
        var chunk = new byte[65536];
        int sent = 0;
        RunUntil(() =>
        {
            if (sent < data.Length)
                sent += sender.Send(data.AsSpan(sent));
            int n;
            while ((n = receiver.Receive(chunk)) > 0)
                received.Write(chunk, 0, n);
            return received.Length >= data.Length;
        }, limit);
        return received.ToArray();
    }

    /// <summary>Runs until <paramref name="done"/> holds or <paramref name="limit"/> of virtual time passed.</summary>
    public bool RunUntil(Func<bool> done, TimeSpan limit)
    {
        var end = Now + limit;
        while (true)
        {
            Step();
            if (done())
                return true;
            var next = Instant.Min(A.PollAt(), B.PollAt());
            if (_linkA.PendingFrames > 0 || _linkB.PendingFrames > 0)
                next = Now;
            if (next > end)
            {
                Now = end;
                Step();
                return done();
            }
            if (next > Now)
                Now = next;
        }
    }

    /// <summary>Runs for <paramref name="duration"/> of virtual time.</summary>
    public void Run(TimeSpan duration) => RunUntil(static () => false, duration);

    /// <summary>Runs until the task completes (within <paramref name="limit"/>) and returns its result.</summary>
    public T Await<T>(ValueTask<T> task, TimeSpan? limit = null)
    {
        Assert.True(RunUntil(() => task.IsCompleted, limit ?? TimeSpan.FromSeconds(60)), "the operation did not complete in virtual time");
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Runs until the task completes and returns it (for asserting on its exception).</summary>
    public Task<T> AwaitTask<T>(ValueTask<T> task, TimeSpan? limit = null)
    {
        Assert.True(RunUntil(() => task.IsCompleted, limit ?? TimeSpan.FromSeconds(60)), "the operation did not complete in virtual time");
        return task.AsTask();
    }

    /// <summary>Polls both stacks at <see cref="Now"/> until no frame is in flight.</summary>
    public void Step()
    {
        do
        {
            A.Poll(Now);
            B.Poll(Now);
        }
        while (_linkA.PendingFrames > 0 || _linkB.PendingFrames > 0);
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        _linkA.Dispose();
        _linkB.Dispose();
    }
}
