using System.Diagnostics;
using Teeceepee.Interop;
using Teeceepee.Sockets;

namespace Teeceepee.Stack;

public sealed partial class NetworkStack
{
    private const ulong LinkTag = 1;
    private const ulong WakeTag = 2;
    private const long DefaultSpinMicroseconds = 0;

    private readonly TaskCompletionSource _loopExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Thread? _loopThread;
    private int _loopThreadId;
    private Epoll? _epoll;
    private EventFd? _wakeFd;
    private volatile bool _stopping;
    private int _signalled;
    private long _loopIterations;

    // How long the loop busy-waits for more work before sleeping while traffic is hot, when NetworkStackOptions.BusyPoll
    // is zero: TEECEEPEE_LOOP_SPIN_US, for experiments without a rebuild.
    private static readonly long s_spinMicroseconds = ReadSpinMicroseconds();

    /// <summary>Continuations the loop runs inline per turn at most (<see cref="TryTakeInlineCompletion"/>); the rest go to the thread pool.</summary>
    internal const int InlineCompletionBudget = 1024;

    private int _inlineCompletions;

    [ThreadStatic]
    private static bool t_onLoopThread;

    /// <summary>True on the loop thread of any started stack: code there must not wait for a loop (it may be this one, or wait for it).</summary>
    internal static bool OnAnyLoopThread => t_onLoopThread;

    /// <summary>True on the real-time loop thread (where socket calls may run at once instead of being posted).</summary>
    internal bool IsLoopThread => _loopThread is not null && Environment.CurrentManagedThreadId == _loopThreadId;

    /// <summary>
    /// True when a completing socket call may run its continuation inline on the loop (loop thread,
    /// loop healthy, not stopping, this turn's budget not spent): counts it against the budget.
    /// </summary>
    internal bool TryTakeInlineCompletion()
    {
        if (!IsLoopThread || _stopping || LoopError is not null || _inlineCompletions >= InlineCompletionBudget)
            return false;
        _inlineCompletions++;
        return true;
    }

    /// <summary>True once <see cref="DisposeAsync"/> has run.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>True while the real-time loop thread runs.</summary>
    public bool IsRunning => _loopThread is not null && !_loopExited.Task.IsCompleted;

    /// <summary>How many times the loop thread has polled (diagnostics: an idle loop should not spin).</summary>
    internal long LoopIterations => Volatile.Read(ref _loopIterations);

    /// <summary>The exception that stopped the loop thread, if one did.</summary>
    public Exception? LoopError { get; private set; }

    /// <summary>
    /// Starts the real-time runner: one thread that calls <see cref="Poll"/> with the
    /// <see cref="NetworkStackOptions.TimeProvider"/>'s time, then sleeps in epoll on the link's
    /// readiness fd and a command eventfd until the next <see cref="PollAt"/>. Do not call
    /// <see cref="Poll"/> yourself afterwards.
    /// </summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_loopThread is not null)
            throw new InvalidOperationException("The stack is already running.");
        _epoll = new Epoll();
        _wakeFd = new EventFd();
        _epoll.Add(_wakeFd.Fd, EpollEvents.In, WakeTag);
        if (_link.ReadinessFd >= 0)
            _epoll.Add(_link.ReadinessFd, EpollEvents.In, LinkTag);
        _loopThread = new Thread(RunLoop) { IsBackground = true, Name = $"teeceepee {_name}" };
        _loopThread.Start();
    }

    /// <summary>
    /// Wakes the loop thread if it may be asleep (any thread). <see cref="_signalled"/> is 1 while the
    /// loop is awake (polling or spinning) or a wake-up is already on its way, so a post costs an
    /// eventfd write only when the loop is really about to sleep or asleep.
    /// </summary>
    private void Wake()
    {
        var wake = _wakeFd;
        // The queue's enqueue (a locked instruction) orders this read after it: the loop either sees
        // the message when it re-checks the queue after clearing the flag, or we see the cleared flag.
        if (wake is not null && Volatile.Read(ref _signalled) == 0 && Interlocked.CompareExchange(ref _signalled, 1, 0) == 0)
            wake.Signal();
        if (_disposed)
            AbortQueued(new ObjectDisposedException(nameof(NetworkStack)));
        else if (LoopError is { } error)
            AbortQueued(new IOException("The stack's loop has stopped: " + error.Message, error));
    }

    private void RunLoop()
    {
        _loopThreadId = Environment.CurrentManagedThreadId;
        t_onLoopThread = true;
        var time = Options.TimeProvider;
        Span<EpollEvent> events = stackalloc EpollEvent[4];
        long spinMicroseconds = Options.BusyPoll > TimeSpan.Zero ? (long)Math.Min(Options.BusyPoll.TotalMicroseconds, 10_000) : s_spinMicroseconds;
        long spinTicks = spinMicroseconds * Stopwatch.Frequency / 1_000_000;
        long framesIn = -1;
        bool hot = false;
        Volatile.Write(ref _signalled, 1);
        try
        {
            while (!_stopping)
            {
                _inlineCompletions = 0;
                Poll(Instant.Now(time));
                Interlocked.Increment(ref _loopIterations);
                // Traffic is hot when this turn read frames or was woken by a command: the next frame or
                // command likely follows within microseconds, sooner than a sleep and wake-up take.
                long frames = _counters.FramesIn;
                hot |= frames != framesIn;
                framesIn = frames;
                var next = PollAt();
                var now = Instant.Now(time);
                int timeout;
                if (next <= now)
                    timeout = 0;
                else if (next == Instant.MaxValue)
                    timeout = -1;
                else
                    timeout = (int)Math.Min(int.MaxValue, ((next - now).Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond);
                // A link without a readiness fd can only be polled.
                if (_link.ReadinessFd < 0)
                    timeout = timeout < 0 ? 1 : Math.Min(timeout, 1);
                if (timeout == 0)
                    continue;
                if (hot && spinTicks > 0 && Spin(events, spinTicks))
                    continue;
                hot = false;
                // About to sleep: from here on posters must signal. Clear the flag, then look at the queue
                // once more (a full fence between the two), so a post that saw the flag set is not missed.
                Interlocked.Exchange(ref _signalled, 0);
                if (_commands.IsEmpty)
                {
                    int n = _epoll!.Wait(events, timeout);
                    for (int i = 0; i < n; i++)
                    {
                        if (events[i].Data == WakeTag)
                        {
                            _wakeFd!.Reset();
                            hot = true;
                        }
                    }
                }
                Volatile.Write(ref _signalled, 1);
            }
        }
        catch (Exception e)
        {
            // Frames and commands are guarded, so this is the link failing (device gone) or a bug in
            // the runner: stop, and fail whoever waits rather than leaving them hanging.
            LoopError = e;
            Trace($"loop stopped: {e.GetType().Name}: {e.Message}");
            FailAllPending(new IOException("The stack's loop has stopped: " + e.Message, e));
        }
        finally
        {
            _loopExited.TrySetResult();
        }
    }

    /// <summary>
    /// Busy-waits up to <paramref name="spinTicks"/> for a command or a ready link instead of
    /// sleeping (posters see the loop awake and skip the eventfd); true when there is work.
    /// </summary>
    private bool Spin(Span<EpollEvent> events, long spinTicks)
    {
        long until = Stopwatch.GetTimestamp() + spinTicks;
        for (int i = 1; ; i++)
        {
            if (!_commands.IsEmpty || _stopping)
                return true;
            // The link's readiness costs a syscall: look every few rounds only.
            if ((i & 7) == 0)
            {
                int n = _epoll!.Wait(events, 0);
                for (int k = 0; k < n; k++)
                {
                    if (events[k].Data == WakeTag)
                        _wakeFd!.Reset();
                }
                if (n > 0)
                    return true;
                if (Stopwatch.GetTimestamp() >= until)
                    return false;
            }
            Thread.SpinWait(16);
        }
    }

    private static long ReadSpinMicroseconds() =>
        long.TryParse(Environment.GetEnvironmentVariable("TEECEEPEE_LOOP_SPIN_US"), out long us) && us >= 0 ? Math.Min(us, 10_000) : DefaultSpinMicroseconds;

    private async ValueTask StopLoopAsync()
    {
        if (_loopThread is null)
            return;
        _stopping = true;
        _wakeFd?.Signal();
        await _loopExited.Task.ConfigureAwait(false);
        _epoll?.Dispose();
        _wakeFd?.Dispose();
        _wakeFd = null;
    }

    /// <summary>Fails everything still waiting (after the loop stopped, or when it never ran).</summary>
    private void FailAllPending() => FailAllPending(new ObjectDisposedException(nameof(NetworkStack)));

    private void FailAllPending(Exception error)
    {
        AbortQueued(error);
        foreach (var p in _pings)
            p.Fail(error);
        _pings.Clear();
        _udp.CloseAll();
        while (_loopback.TryDequeue(out var packet))
            System.Buffers.ArrayPool<byte>.Shared.Return(packet.Buffer);
        ShutdownTcp();
    }

    private void AbortQueued(Exception error)
    {
        while (_commands.TryDequeue(out var message))
        {
            if (!message.IsCancel)
                message.Command.Abort(error);
        }
    }
}
