using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Teeceepee.Cli.Network;
using Teeceepee.Sockets;

namespace Teeceepee.Cli.Bench;

/// <summary>
/// The bench contract's three servers (bench/README.md): sink reads and discards until FIN then
/// closes; source writes until the peer resets, then releases; echo writes back at once until FIN,
/// then closes. One task per connection, one pooled buffer per connection while data flows (none while it idles), no allocation per read.
/// Two more exercise closing and opening (<see cref="BenchClosingServers"/>): close-first and connect-back.
/// </summary>
/// <remarks>
/// On the userspace stack the servers run with <see cref="TcpConnectionOptions.UnsafeInlineCompletions"/>:
/// their code never blocks (every wait is an await), so it runs on the stack's loop thread and a
/// request/response costs no thread hand-off. <c>TEECEEPEE_BENCH_INLINE=0</c> turns that off (thread-pool
/// continuations, as any other application gets by default).
/// </remarks>
internal sealed class BenchServer
{
    /// <summary>Per-connection buffer: large, so one read drains what a 64 KiB+ window delivered.</summary>
    public const int BufferSize = 256 * 1024;

    // The source sends these bytes over and over; shared read-only by every connection.
    private static readonly byte[] s_sourceData = CreateSourceData();

    // As the CLI's other stack connections (NoDelay: echo replies go out at once), plus inline continuations.
    private static readonly TcpConnectionOptions s_inlineOptions = new() { NoDelay = true, UnsafeInlineCompletions = true };

    private readonly INetwork _network;
    private readonly TextWriter? _log;
    private readonly bool _inline;
    private long _connections;
    private long _closed;
    private long _retransmits;
    private long _fastRetransmits;
    private long _timeouts;
    private long _peakOpen;
    private int _trimming;

    /// <summary>Connections open at a peak before a mass close triggers a collection (<see cref="TrimAfterMassClose"/>).</summary>
    internal const int TrimPeak = 1000;

    /// <summary>
    /// Servers on <paramref name="network"/>; on the stack, connection code runs inline on its loop unless
    /// <paramref name="inline"/> is false (null: unless TEECEEPEE_BENCH_INLINE=0).
    /// </summary>
    public BenchServer(INetwork network, TextWriter? log, bool? inline = null)
    {
        _network = network;
        _log = log is null ? null : TextWriter.Synchronized(log);
        _inline = network is TeeceepeeNetwork && (inline ?? Environment.GetEnvironmentVariable("TEECEEPEE_BENCH_INLINE") != "0");
    }

    /// <summary>True when connections run their continuations on the stack's loop thread.</summary>
    public bool Inline => _inline;

    /// <summary>Connections accepted so far.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Connections that have ended (their TCP counters are in the totals below).</summary>
    public long ClosedConnections => Interlocked.Read(ref _closed);

    /// <summary>Segments retransmitted on the ended connections (stack only; 0 on the kernel).</summary>
    public long Retransmits => Interlocked.Read(ref _retransmits);

    /// <summary>Of <see cref="Retransmits"/>, fast retransmits (duplicate ACKs or SACK).</summary>
    public long FastRetransmits => Interlocked.Read(ref _fastRetransmits);

    /// <summary>Retransmission timeouts on the ended connections.</summary>
    public long Timeouts => Interlocked.Read(ref _timeouts);

    /// <summary>Which server a port runs.</summary>
    public enum Role
    {
        Sink,
        Source,
        Echo,
        CloseFirst,
        ConnectBack,
    }

    /// <summary>Opens the listeners (port 0 skips a role is not allowed; use null to skip), then serves until cancelled.</summary>
    public Task RunAsync(IPAddress address, int? sinkPort, int? sourcePort, int? echoPort, Action<Role, IPEndPoint>? listening, CancellationToken cancellationToken) =>
        RunAsync(address, [(Role.Sink, sinkPort), (Role.Source, sourcePort), (Role.Echo, echoPort)], listening, cancellationToken);

    /// <summary>A role's name as the CLI prints it (<c>close-first</c>, <c>connect-back</c>, ...).</summary>
    public static string NameOf(Role role) => role switch
    {
        Role.CloseFirst => "close-first",
        Role.ConnectBack => "connect-back",
        _ => role.ToString().ToLowerInvariant(),
    };

    /// <summary>Opens a listener per role with a port (null skips it), echo last, then serves until cancelled.</summary>
    public async Task RunAsync(IPAddress address, IReadOnlyList<(Role Role, int? Port)> ports, Action<Role, IPEndPoint>? listening, CancellationToken cancellationToken)
    {
        var listeners = new List<(Role Role, IConnectionListener Listener)>();
        _log?.WriteLine(_inline
            ? "bench-server: connection code runs inline on the stack's loop thread (TEECEEPEE_BENCH_INLINE=0: on the thread pool)"
            : "bench-server: connection code runs on the thread pool");
        try
        {
            // Echo last: the harness takes an open echo port to mean "ready".
            foreach (var (role, port) in ports.OrderBy(p => p.Role == Role.Echo))
            {
                if (port is null)
                    continue;
                var listener = await ListenAsync(new IPEndPoint(address, port.Value), 1024, cancellationToken).ConfigureAwait(false);
                listeners.Add((role, listener));
                listening?.Invoke(role, listener.LocalEndPoint);
            }
            var loops = new List<Task>(listeners.Count);
            foreach (var (role, listener) in listeners)
                loops.Add(AcceptLoopAsync(role, listener, cancellationToken));
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        finally
        {
            foreach (var (_, listener) in listeners)
                await listener.DisposeAsync().ConfigureAwait(false);
        }
    }

    private ValueTask<IConnectionListener> ListenAsync(IPEndPoint local, int backlog, CancellationToken cancellationToken)
    {
        if (!_inline)
            return _network.ListenAsync(local, backlog, cancellationToken);
        return ValueTask.FromResult(((TeeceepeeNetwork)_network).Listen(local, backlog, s_inlineOptions));
    }

    private async Task AcceptLoopAsync(Role role, IConnectionListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            IConnection connection;
            try
            {
                connection = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException e)
            {
                _log?.WriteLine($"bench-server: accept on {NameOf(role)} failed: {e.Message}");
                continue;
            }
            long open = Interlocked.Increment(ref _connections) - Interlocked.Read(ref _closed);
            if (open > Interlocked.Read(ref _peakOpen))
                Interlocked.Exchange(ref _peakOpen, open);
            // Inline, this runs on the loop thread up to the connection's first wait, then the loop goes on.
            if (_inline)
                _ = ServeAsync(role, connection, cancellationToken, Ending, _network, _log);
            else
                _ = Task.Run(() => ServeAsync(role, connection, cancellationToken, Ending, _network, _log), CancellationToken.None);
        }
    }

    // Adds an ending connection's TCP counters to the totals (before it is disposed, while its info is there).
    private void Ending(IConnection connection)
    {
        if (connection.GetTcpInfo() is { } info)
        {
            Interlocked.Add(ref _retransmits, info.Retransmits);
            Interlocked.Add(ref _fastRetransmits, info.FastRetransmits);
            Interlocked.Add(ref _timeouts, info.Timeouts);
        }
        Interlocked.Increment(ref _closed);
        TrimAfterMassClose();
    }

    /// <summary>
    /// Issue 13 item 2: after a mass close (the open connections fell to a quarter of a peak of <see cref="TrimPeak"/> or
    /// more) an idle server allocates nothing, so no collection would run and the heap the closed connections held would
    /// stay committed for ever. Collect once then, aggressively (free regions are decommitted at once), on the thread
    /// pool, never on the stack's loop thread.
    /// </summary>
    private void TrimAfterMassClose()
    {
        long peak = Interlocked.Read(ref _peakOpen);
        long open = Connections - ClosedConnections;
        if (peak < TrimPeak || open > peak / 4 || Interlocked.Exchange(ref _trimming, 1) == 1)
            return;
        Interlocked.Exchange(ref _peakOpen, open);
        _ = Task.Run(async () =>
        {
            // Let the close burst finish and the stack's loop trim its ring pool (two 5 s intervals) first: one
            // collection then returns the connections' objects and the rings nobody uses any more.
            await Task.Delay(TimeSpan.FromSeconds(12)).ConfigureAwait(false);
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            _log?.WriteLine($"bench-server: {peak} connections fell to {Connections - ClosedConnections}: heap collected and returned ({GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576} MiB committed)");
            Volatile.Write(ref _trimming, 0);
        });
    }

    /// <summary>
    /// Runs one role on one connection until it ends; never throws. <paramref name="ending"/> sees the connection just
    /// before it is disposed; connect-back opens its connection on <paramref name="network"/>.
    /// </summary>
    public static async Task ServeAsync(Role role, IConnection connection, CancellationToken cancellationToken, Action<IConnection>? ending = null,
        INetwork? network = null, TextWriter? log = null)
    {
        try
        {
            await using (connection.ConfigureAwait(false))
            {
                try
                {
                    switch (role)
                    {
                        case Role.Sink when connection is StackConnection stack:
                            await SinkAsync(stack.Connection, cancellationToken).ConfigureAwait(false);
                            break;
                        case Role.Sink:
                            await SinkAsync(connection.Stream, cancellationToken).ConfigureAwait(false);
                            break;
                        case Role.Source:
                            await SourceAsync(connection.Stream, cancellationToken).ConfigureAwait(false);
                            break;
                        case Role.Echo:
                            await EchoAsync(connection.Stream, cancellationToken).ConfigureAwait(false);
                            break;
                        case Role.CloseFirst:
                            await BenchClosingServers.CloseFirstAsync(connection, cancellationToken).ConfigureAwait(false);
                            break;
                        case Role.ConnectBack when network is not null:
                            await BenchClosingServers.ConnectBackAsync(network, connection, log, cancellationToken).ConfigureAwait(false);
                            break;
                    }
                }
                finally
                {
                    ending?.Invoke(connection);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A reset ends source connections by contract; anything else just ends the connection.
        }
    }

    // On the stack (issue 13 item 4): each read waits without a buffer and gets one rented when data is there, the
    // segments' text copied straight into it as they arrive (one copy per byte, as the kernel's read from its socket
    // buffer); an idle connection holds none (issue 13 item 2).
    private static async Task SinkAsync(TcpConnection connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var data = await connection.ReceivePooledAsync(BufferSize, cancellationToken).ConfigureAwait(false);
            if (data.IsEndOfStream)
                return;
        }
    }

    // Issue 13 item 2: an idle connection holds no buffer. Each wait for data is a zero-byte read; the buffer is rented
    // when data is there and given back whenever the next read would wait (a read that completes at once keeps it).
    private static async Task SinkAsync(Stream stream, CancellationToken cancellationToken)
    {
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                var wait = stream.ReadAsync(Memory<byte>.Empty, cancellationToken);
                if (!wait.IsCompleted)
                {
                    Release(ref buffer);
                    await wait.ConfigureAwait(false);
                }
                else
                {
                    wait.GetAwaiter().GetResult();
                }
                buffer ??= ArrayPool<byte>.Shared.Rent(BufferSize);
                if (await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) == 0)
                    return;
            }
        }
        finally
        {
            Release(ref buffer);
        }
    }

    private static void Release(ref byte[]? buffer)
    {
        if (buffer is not null)
            ArrayPool<byte>.Shared.Return(buffer);
        buffer = null;
    }

    private static async Task SourceAsync(Stream stream, CancellationToken cancellationToken)
    {
        var data = s_sourceData.AsMemory();
        while (true)
            await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
    }

    private static async Task EchoAsync(Stream stream, CancellationToken cancellationToken)
    {
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                // As the sink: no buffer while the connection waits for data.
                var wait = stream.ReadAsync(Memory<byte>.Empty, cancellationToken);
                if (!wait.IsCompleted)
                {
                    Release(ref buffer);
                    await wait.ConfigureAwait(false);
                }
                else
                {
                    wait.GetAwaiter().GetResult();
                }
                buffer ??= ArrayPool<byte>.Shared.Rent(BufferSize);
                int n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                    return;
                await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Release(ref buffer);
        }
    }

    private static byte[] CreateSourceData()
    {
        var data = new byte[BufferSize];
        for (int i = 0; i < data.Length; i++)
            data[i] = (byte)('a' + i % 26);
        return data;
    }
}
