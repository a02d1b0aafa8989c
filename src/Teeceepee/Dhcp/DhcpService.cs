using System.Net.Sockets;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Dhcp;

/// <summary>
/// Runs a <see cref="DhcpClient"/> on a <see cref="NetworkStack"/>: UDP port 68, messages to
/// port 67, timers on the stack's clock. A lease configures the stack's address, prefix and
/// gateway (<see cref="NetworkStack.ConfigureAsync"/>); losing it sets 0.0.0.0 again. The stack
/// should start with address 0.0.0.0 on an Ethernet link.
/// </summary>
/// <example>
/// <code>
/// var stack = new NetworkStack(link, new NetworkStackOptions { Address = IPv4Address.Any });
/// stack.Start();
/// await using var dhcp = DhcpService.Start(stack);
/// DhcpLease lease = await dhcp.WaitForLeaseAsync(cancellationToken);
/// </code>
/// </example>
public sealed class DhcpService : IAsyncDisposable
{
    private readonly NetworkStack _stack;
    private readonly DhcpClient _client;
    private readonly UdpSocket _socket;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly Action<string>? _trace;
    private TaskCompletionSource<DhcpLease> _leaseWaiter = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;
    private DhcpLease? _lease;

    private DhcpService(NetworkStack stack, DhcpClientOptions options)
    {
        _stack = stack;
        _trace = options.Trace;
        _time = stack.Options.TimeProvider;
        _client = new DhcpClient(stack.HardwareAddress, options);
        _socket = new UdpSocket(stack, DhcpMessage.ClientPort);
    }

    /// <summary>Binds port 68 on <paramref name="stack"/> and starts acquiring a lease.</summary>
    /// <exception cref="SocketException">AddressAlreadyInUse when port 68 is taken.</exception>
    public static DhcpService Start(NetworkStack stack, DhcpClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        if (stack.Medium != Links.LinkMedium.Ethernet)
            throw new ArgumentException("DHCP needs an Ethernet link.", nameof(stack));
        var service = new DhcpService(stack, options ?? new DhcpClientOptions());
        service._loop = Task.Run(service.RunAsync);
        return service;
    }

    /// <summary>The lease held now, if any.</summary>
    public DhcpLease? Lease
    {
        get
        {
            lock (_lock)
                return _lease;
        }
    }

    /// <summary>The client's state (a snapshot).</summary>
    public DhcpState State { get; private set; }

    /// <summary>Raised (on a worker thread) after the stack took a new or renewed lease, or lost it (null).</summary>
    public event Action<DhcpLease?>? LeaseChanged;

    /// <summary>Completes with the lease once the stack is configured with one.</summary>
    public Task<DhcpLease> WaitForLeaseAsync(CancellationToken cancellationToken = default)
    {
        Task<DhcpLease> task;
        lock (_lock)
            task = _lease is { } lease ? Task.FromResult(lease) : _leaseWaiter.Task;
        return task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        var buffer = new byte[2048];
        var token = _stop.Token;
        Task<UdpReceiveFromResult>? receive = null;
        try
        {
            _client.Start(Instant.Now(_time));
            while (!token.IsCancellationRequested)
            {
                var now = Instant.Now(_time);
                while (_client.TryDispatch(now, out var outgoing))
                {
                    var bytes = outgoing.Message.ToArray();
                    try
                    {
                        await _socket.SendToAsync(bytes, outgoing.Destination, DhcpMessage.ServerPort, token).ConfigureAwait(false);
                    }
                    catch (SocketException e)
                    {
                        // No route or unreachable: the retransmission timer tries again.
                        _trace?.Invoke($"dhcp: send {outgoing.Message.MessageType} failed: {e.SocketErrorCode}");
                    }
                }
                State = _client.State;
                if (_client.TryTakeLeaseChange(out var lease))
                    await ApplyAsync(lease, token).ConfigureAwait(false);

                receive ??= _socket.ReceiveFromAsync(buffer, token).AsTask();
                var at = _client.PollAt();
                var wait = at == Instant.MaxValue ? Timeout.InfiniteTimeSpan : at - Instant.Now(_time);
                if (wait != Timeout.InfiniteTimeSpan && wait <= TimeSpan.Zero)
                    continue;
                using var timer = CancellationTokenSource.CreateLinkedTokenSource(token);
                var delay = Task.Delay(wait, _time, timer.Token);
                if (await Task.WhenAny(receive, delay).ConfigureAwait(false) != receive)
                    continue;
                timer.Cancel();
                UdpReceiveFromResult received;
                try
                {
                    received = await receive.ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    received = default; // an ICMP error about an earlier send: nothing to read
                }
                receive = null;
                if (received.ReceivedBytes == 0 || received.RemotePort != DhcpMessage.ServerPort)
                    continue;
                if (!DhcpMessage.TryParse(buffer.AsSpan(0, received.ReceivedBytes), out var message, out var reason))
                {
                    _trace?.Invoke($"dhcp: drop from {received.RemoteAddress}: {reason}");
                    continue;
                }
                _client.Process(Instant.Now(_time), message);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException)
        {
            // The stack went away.
        }
        finally
        {
            if (receive is not null)
                _ = receive.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        }
    }

    private async Task ApplyAsync(DhcpLease? lease, CancellationToken token)
    {
        DhcpLease? previous;
        lock (_lock)
            previous = _lease;
        if (lease is not null)
        {
            if (previous is null || previous.Address != lease.Address || previous.PrefixLength != lease.PrefixLength || previous.Router != lease.Router)
                await _stack.ConfigureAsync(lease.Address, lease.PrefixLength, lease.Router, token).ConfigureAwait(false);
        }
        else if (previous is not null)
        {
            await _stack.ConfigureAsync(IPv4Address.Any, _stack.PrefixLength, null, token).ConfigureAwait(false);
        }
        TaskCompletionSource<DhcpLease>? waiter = null;
        lock (_lock)
        {
            _lease = lease;
            if (lease is not null)
            {
                waiter = _leaseWaiter;
            }
            else if (_leaseWaiter.Task.IsCompleted)
            {
                _leaseWaiter = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        // Subscribers (a resolver taking the DNS servers) first, so a waiter sees the whole lease applied.
        LeaseChanged?.Invoke(lease);
        waiter?.TrySetResult(lease!);
    }

    /// <summary>Stops the client and unbinds port 68; the stack keeps its address (no RELEASE is sent).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        _stop.Dispose();
        lock (_lock)
            _leaseWaiter.TrySetCanceled();
    }
}
