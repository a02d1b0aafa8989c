using Teeceepee.Interop;
using Teeceepee.Sockets;

namespace Teeceepee.Stack;

public sealed partial class NetworkStack
{
    private const ulong LinkTag = 1;
    private const ulong WakeTag = 2;

    private readonly TaskCompletionSource _loopExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Thread? _loopThread;
    private int _loopThreadId;
    private Epoll? _epoll;
    private EventFd? _wakeFd;
    private volatile bool _stopping;
    private int _signalled;
    private long _loopIterations;

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

    /// <summary>Wakes the loop thread if it may be asleep (any thread; one eventfd write per wake-up at most).</summary>
    private void Wake()
    {
        var wake = _wakeFd;
        if (wake is not null && Interlocked.CompareExchange(ref _signalled, 1, 0) == 0)
            wake.Signal();
        if (_disposed)
            AbortQueued(new ObjectDisposedException(nameof(NetworkStack)));
        else if (LoopError is { } error)
            AbortQueued(new IOException("The stack's loop has stopped: " + error.Message, error));
    }

    private void RunLoop()
    {
        _loopThreadId = Environment.CurrentManagedThreadId;
        var time = Options.TimeProvider;
        Span<EpollEvent> events = stackalloc EpollEvent[4];
        try
        {
            while (!_stopping)
            {
                Poll(Instant.Now(time));
                Interlocked.Increment(ref _loopIterations);
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
                if (timeout != 0)
                    _epoll!.Wait(events, timeout);
                // Reset the flag before the next Poll drains the queue, so a command posted after the drain signals again.
                _wakeFd!.Reset();
                Volatile.Write(ref _signalled, 0);
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
