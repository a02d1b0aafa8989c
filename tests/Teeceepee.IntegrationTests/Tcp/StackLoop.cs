using System.Collections.Concurrent;
using Teeceepee.Interop;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>
/// A real-time driver for a <see cref="NetworkStack"/> that, unlike the stack's own runner, lets test code
/// run on the loop thread after every poll (<see cref="ILoopApp"/>), so kernel-peer tests can use the
/// sans-I/O TCP (TcpHost, Tcb) directly: one thread, epoll on the link, wake-ups by eventfd.
/// </summary>
internal sealed class StackLoop : IAsyncDisposable
{
    private const ulong LinkTag = 1;
    private const ulong WakeTag = 2;

    private readonly ConcurrentQueue<ILoopApp> _incoming = new();
    private readonly List<ILoopApp> _apps = [];
    private readonly List<string> _trace = [];
    private readonly EventFd _wake = new();
    private readonly Epoll _epoll = new();
    private readonly Thread _thread;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopping;

    public StackLoop(ILink link, Func<NetworkStackOptions, NetworkStackOptions>? configure = null, bool trace = true)
    {
        var options = new NetworkStackOptions
        {
            Address = PeerAddresses.Stack,
            PrefixLength = 24,
            Seed = 1234,
            Trace = trace ? Record : null,
        };
        Stack = new NetworkStack(link, configure is null ? options : configure(options));
        _epoll.Add(_wake.Fd, EpollEvents.In, WakeTag);
        if (link.ReadinessFd >= 0)
            _epoll.Add(link.ReadinessFd, EpollEvents.In, LinkTag);
        _thread = new Thread(Run) { IsBackground = true, Name = "tcp-verify loop" };
        _thread.Start();
    }

    public NetworkStack Stack { get; }

    /// <summary>The stack's TCP (touch only from an <see cref="ILoopApp"/>).</summary>
    public TcpHost Tcp => Stack.Tcp;

    /// <summary>Loop iterations so far.</summary>
    public long Iterations { get; private set; }

    /// <summary>The exception that stopped the loop, if any.</summary>
    public Exception? Error { get; private set; }

    /// <summary>Starts <paramref name="app"/> on the loop thread.</summary>
    public T Add<T>(T app) where T : ILoopApp
    {
        _incoming.Enqueue(app);
        _wake.Signal();
        return app;
    }

    /// <summary>The last trace lines, for failure messages.</summary>
    public string TraceTail(int lines = 80)
    {
        lock (_trace)
            return string.Join('\n', _trace.TakeLast(lines));
    }

    private void Record(string line)
    {
        lock (_trace)
        {
            if (_trace.Count > 20_000)
                _trace.RemoveRange(0, 10_000);
            _trace.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
        }
    }

    private void Run()
    {
        Span<EpollEvent> events = stackalloc EpollEvent[4];
        try
        {
            while (!_stopping)
            {
                var now = Instant.Now(TimeProvider.System);
                Stack.Poll(now);
                Iterations++;
                while (_incoming.TryDequeue(out var app))
                    _apps.Add(app);
                for (int i = _apps.Count - 1; i >= 0; i--)
                {
                    if (_apps[i].Step(now))
                        _apps.RemoveAt(i);
                }
                var next = Stack.PollAt();
                now = Instant.Now(TimeProvider.System);
                if (next <= now || !_incoming.IsEmpty)
                    continue;
                // Apps may be waiting on buffer space or data that only a frame or a timer brings, so sleep
                // until one of those (capped, so that an app polling a condition still gets a turn).
                long ticks = next == Instant.MaxValue ? TimeSpan.TicksPerMillisecond * 5 : (next - now).Ticks;
                int timeout = (int)Math.Clamp((ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond, 1, 5);
                _epoll.Wait(events, timeout);
                _wake.Reset();
            }
        }
        catch (Exception e)
        {
            Error = e;
            Record($"loop stopped: {e}");
        }
        finally
        {
            var reason = Error ?? new ObjectDisposedException(nameof(StackLoop));
            foreach (var app in _apps)
                app.Abandon(reason);
            while (_incoming.TryDequeue(out var app))
                app.Abandon(reason);
            _exited.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _wake.Signal();
        await _exited.Task.ConfigureAwait(false);
        await Stack.DisposeAsync().ConfigureAwait(false);
        _epoll.Dispose();
        _wake.Dispose();
    }
}
