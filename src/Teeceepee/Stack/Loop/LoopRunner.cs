using System.Diagnostics;
using Teeceepee.Interop;

namespace Teeceepee.Stack.Loop;

/// <summary>
/// The real-time runner of one <see cref="NetworkStack"/>: a thread that calls
/// <see cref="NetworkStack.Poll"/> with the stack's clock, then sleeps in epoll on the link's
/// readiness fd and an eventfd for commands until the next <see cref="NetworkStack.PollAt"/>.
/// With <see cref="NetworkStackOptions.BusyPoll"/> it busy-waits that long for a command or a
/// frame before sleeping while traffic is hot (like Linux <c>SO_BUSY_POLL</c>). The only place
/// in Stack that touches threads and the OS.
/// </summary>
internal sealed class LoopRunner : IDisposable
{
    private const ulong LinkTag = 1;
    private const ulong WakeTag = 2;
    private const ulong TimerTag = 3;

    /// <summary>The longest sleep while the ring pool holds arrays to trim (<see cref="NetworkStack.RingTrimInterval"/>).</summary>
    private const int RingTrimWakeMilliseconds = 5000;

    /// <summary>The longest busy poll the runner accepts (10 ms).</summary>
    internal const long MaxBusyPollMicroseconds = 10_000;

    /// <summary>Waits shorter than this (100 ms) are timed by the timerfd to the microsecond, longer ones by epoll in milliseconds.</summary>
    private const long PreciseWaitTicks = 100 * TimeSpan.TicksPerMillisecond;

    [ThreadStatic]
    private static bool t_onLoopThread;

    private readonly NetworkStack _stack;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private readonly Epoll _epoll;
    private EventFd? _wakeFd;
    private readonly TimerFd _timer;
    private volatile bool _stopping;
    private int _signalled;
    private long _iterations;
    private int _inlineCompletions;

    /// <summary>Makes the runner (epoll on the link's fd and a wake-up eventfd); <see cref="Start"/> starts its thread.</summary>
    public LoopRunner(NetworkStack stack, string name)
    {
        _stack = stack;
        _epoll = new Epoll();
        _wakeFd = new EventFd();
        _epoll.Add(_wakeFd.Fd, EpollEvents.In, WakeTag);
        // epoll's timeout counts whole milliseconds (rounded up): a paced departure 0.3 ms away would wait 1–2 ms, and a
        // flow paced at 100 Mbit/s would leave at well under its rate. A timerfd wakes the loop at the deadline itself.
        _timer = new TimerFd();
        _epoll.Add(_timer.Fd, EpollEvents.In, TimerTag);
        if (stack.Link.ReadinessFd >= 0)
            _epoll.Add(stack.Link.ReadinessFd, EpollEvents.In, LinkTag);
        _thread = new Thread(Run) { IsBackground = true, Name = $"teeceepee {name}" };
    }

    /// <summary>True on the loop thread of any runner: code there must not wait for a loop (it may be this one, or wait for it).</summary>
    public static bool OnAnyLoopThread => t_onLoopThread;

    /// <summary>The managed thread id of the loop thread (known before it starts).</summary>
    public int ThreadId => _thread.ManagedThreadId;

    /// <summary>True while the thread runs.</summary>
    public bool IsRunning => !_exited.Task.IsCompleted;

    /// <summary>True once <see cref="StopAsync"/> was called.</summary>
    public bool IsStopping => _stopping;

    /// <summary>Polls so far (diagnostics: an idle loop should not spin).</summary>
    public long Iterations => Volatile.Read(ref _iterations);

    /// <summary>Starts the loop thread.</summary>
    public void Start() => _thread.Start();

    /// <summary>
    /// True when a completing call may run its continuation inline on the loop (this turn's
    /// budget not spent): counts it against <see cref="NetworkStack.InlineCompletionBudget"/>.
    /// </summary>
    public bool TryTakeInlineCompletion()
    {
        if (_stopping || _inlineCompletions >= NetworkStack.InlineCompletionBudget)
            return false;
        _inlineCompletions++;
        return true;
    }

    /// <summary>
    /// Wakes the loop thread if it may be asleep (any thread). <see cref="_signalled"/> is 1 while the
    /// loop is awake (polling or spinning) or a wake-up is already on its way, so a post costs an
    /// eventfd write only when the loop is really about to sleep or asleep.
    /// </summary>
    public void Wake()
    {
        var wake = _wakeFd;
        // The queue's enqueue (a locked instruction) orders this read after it: the loop either sees
        // the message when it re-checks the queue after clearing the flag, or we see the cleared flag.
        if (wake is not null && Volatile.Read(ref _signalled) == 0 && Interlocked.CompareExchange(ref _signalled, 1, 0) == 0)
            wake.Signal();
    }

    /// <summary>Stops the thread and waits for it; closes the epoll and eventfd.</summary>
    public async ValueTask StopAsync()
    {
        _stopping = true;
        _wakeFd?.Signal();
        await _exited.Task.ConfigureAwait(false);
        Dispose();
    }

    /// <summary>Closes the epoll and eventfd (after the thread stopped, or when it never started).</summary>
    public void Dispose()
    {
        _epoll.Dispose();
        _timer.Dispose();
        _wakeFd?.Dispose();
        _wakeFd = null;
    }

    private void Run()
    {
        t_onLoopThread = true;
        var stack = _stack;
        var time = stack.Options.TimeProvider;
        int readinessFd = stack.Link.ReadinessFd;
        Span<EpollEvent> events = stackalloc EpollEvent[4];
        var busyPoll = stack.Options.BusyPoll;
        long spinMicroseconds = busyPoll > TimeSpan.Zero ? (long)Math.Min(busyPoll.TotalMicroseconds, MaxBusyPollMicroseconds) : 0;
        long spinTicks = spinMicroseconds * Stopwatch.Frequency / 1_000_000;
        long framesIn = -1;
        bool hot = false;
        Volatile.Write(ref _signalled, 1);
        try
        {
            while (!_stopping)
            {
                _inlineCompletions = 0;
                // The stack reads the clock per frame it reads and before it sends (not once per poll).
                stack.Poll(time);
                stack.TrimRings(Instant.Now(time));
                Interlocked.Increment(ref _iterations);
                // Traffic is hot when this turn read frames or was woken by a command: the next frame or
                // command likely follows within microseconds, sooner than a sleep and wake-up take.
                long frames = stack.Counters.FramesIn;
                hot |= frames != framesIn;
                framesIn = frames;
                var next = stack.PollAt();
                var now = Instant.Now(time);
                int timeout;
                bool precise = false;
                if (next <= now)
                    timeout = 0;
                else if (next == Instant.MaxValue)
                    timeout = -1;
                else
                {
                    long ticks = (next - now).Ticks;
                    timeout = (int)Math.Min(int.MaxValue, (ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond);
                    precise = ticks < PreciseWaitTicks;
                }
                // Pooled rings nobody uses are given back even when the loop has nothing else to do.
                if ((timeout < 0 || timeout > RingTrimWakeMilliseconds) && stack.HasRingsToTrim)
                    timeout = RingTrimWakeMilliseconds;
                // A link without a readiness fd can only be polled.
                if (readinessFd < 0)
                    timeout = timeout < 0 ? 1 : Math.Min(timeout, 1);
                if (timeout == 0)
                    continue;
                if (hot && spinTicks > 0 && Spin(events, spinTicks))
                    continue;
                hot = false;
                // About to sleep: from here on posters must signal. Clear the flag, then look at the queue
                // once more (a full fence between the two), so a post that saw the flag set is not missed.
                Interlocked.Exchange(ref _signalled, 0);
                if (!stack.HasCommands)
                {
                    // A near deadline (pacing, delayed ACKs) wakes on the timerfd; epoll's own timeout stays as a backstop.
                    if (precise)
                        _timer.Arm(next - now);
                    int n = _epoll.Wait(events, precise ? timeout + 1 : timeout);
                    for (int i = 0; i < n; i++)
                    {
                        if (events[i].Data == WakeTag)
                        {
                            _wakeFd!.Reset();
                            hot = true;
                        }
                        else if (events[i].Data == TimerTag)
                            _timer.Acknowledge();
                    }
                }
                Volatile.Write(ref _signalled, 1);
            }
        }
        catch (Exception e)
        {
            // Frames and commands are guarded, so this is the link failing (device gone) or a bug in
            // the runner: stop, and fail whoever waits rather than leaving them hanging.
            stack.OnLoopFailed(e);
        }
        finally
        {
            _exited.TrySetResult();
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
            if (_stack.HasCommands || _stopping)
                return true;
            // The link's readiness costs a syscall: look every few rounds only.
            if ((i & 7) == 0)
            {
                int n = _epoll.Wait(events, 0);
                for (int k = 0; k < n; k++)
                {
                    if (events[k].Data == WakeTag)
                        _wakeFd!.Reset();
                    else if (events[k].Data == TimerTag)
                        _timer.Acknowledge();
                }
                if (n > 0)
                    return true;
                if (Stopwatch.GetTimestamp() >= until)
                    return false;
            }
            Thread.SpinWait(16);
        }
    }
}
