using Teeceepee.Tcp;
using Teeceepee.Tcp.Congestion;

namespace Teeceepee.Sockets;

/// <summary>
/// Per-connection options for <see cref="TcpConnection"/> and <see cref="TcpConnectionListener"/> (the
/// socket options of System.Net.Sockets: TCP_NODELAY, SO_SNDBUF, SO_RCVBUF, SO_KEEPALIVE). Unset
/// values come from <see cref="Config"/>, or from the stack's TCP defaults.
/// </summary>
public sealed record TcpConnectionOptions
{
    /// <summary>The defaults.</summary>
    public static TcpConnectionOptions Default { get; } = new();

    /// <summary>The full TCP configuration these options start from; null: the stack's defaults (NetworkStackOptions.Tcp).</summary>
    public TcpConfig? Config { get; init; }

    /// <summary>Resolves host names for <see cref="TcpConnection.ConnectAsync(string, int, CancellationToken)"/>; null: the stack's <see cref="Stack.NetworkStack.HostResolver"/>.</summary>
    public Stack.IHostResolver? Resolver { get; init; }

    /// <summary>Disable Nagle's algorithm (RFC 896; TCP_NODELAY); null keeps <see cref="Config"/>'s value.</summary>
    public bool? NoDelay { get; init; }

    /// <summary>The congestion controller (TCP_CONGESTION); null keeps <see cref="Config"/>'s (the stack's, CUBIC by default).</summary>
    public CongestionAlgorithm? CongestionControl { get; init; }

    /// <summary>ECN (RFC 3168) for this connection: on, off or passive; null keeps <see cref="Config"/>'s (passive by default).</summary>
    public EcnMode? Ecn { get; init; }

    /// <summary>Send buffer capacity in bytes (SO_SNDBUF).</summary>
    public int? SendBufferSize { get; init; }

    /// <summary>Receive buffer capacity in bytes (SO_RCVBUF): the most the connection ever advertises.</summary>
    public int? ReceiveBufferSize { get; init; }

    /// <summary>Send keepalive probes on an idle connection (RFC 1122 §4.2.3.6; SO_KEEPALIVE).</summary>
    public bool? KeepAlive { get; init; }

    /// <summary>Idle time before the first keepalive probe (TCP_KEEPIDLE).</summary>
    public TimeSpan? KeepAliveIdle { get; init; }

    /// <summary>Time between unanswered keepalive probes (TCP_KEEPINTVL).</summary>
    public TimeSpan? KeepAliveInterval { get; init; }

    /// <summary>Unanswered probes before the connection times out (TCP_KEEPCNT).</summary>
    public int? KeepAliveCount { get; init; }

    /// <summary>
    /// Gives up a <see cref="TcpConnection.ConnectAsync"/> that has not completed in this time with
    /// <see cref="System.Net.Sockets.SocketError.TimedOut"/> (the SYN retries of <see cref="Config"/> also end it).
    /// </summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>
    /// Runs the continuations of <see cref="TcpConnection.ReceiveAsync(Memory{byte}, CancellationToken)"/>, <see cref="TcpConnection.SendAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
    /// (and their <see cref="TcpStream"/> forms) and of a listener's <see cref="TcpConnectionListener.AcceptAsync"/> on the
    /// stack's loop thread instead of the thread pool, and lets socket calls made there run at once
    /// instead of being posted: no thread hand-off per call, which is what request/response traffic
    /// pays most for. Unsafe like Kestrel's <c>UnsafePreferInlineScheduling</c>: code after such an
    /// await runs on the loop and must never block (no sync waits, locks held long, blocking I/O),
    /// or the whole stack stalls; synchronous <see cref="TcpStream"/> reads and writes that would
    /// wait throw <see cref="InvalidOperationException"/> there instead of deadlocking. Off by
    /// default; only with a started stack (<see cref="Stack.NetworkStack.Start"/>).
    /// </summary>
    public bool UnsafeInlineCompletions { get; init; }

    /// <summary>
    /// Builds the <see cref="TcpConfig"/> for one connection from <see cref="Config"/>, else
    /// <paramref name="defaults"/> (the stack's, whose MSS follows its MTU), else <see cref="TcpConfig.Default"/>;
    /// throws <see cref="ArgumentException"/> for out-of-range values.
    /// </summary>
    public TcpConfig ToConfig(TcpConfig? defaults = null)
    {
        var config = Config ?? defaults ?? TcpConfig.Default;
        if (NoDelay is null && CongestionControl is null && Ecn is null && SendBufferSize is null && ReceiveBufferSize is null && KeepAlive is null
            && KeepAliveIdle is null && KeepAliveInterval is null && KeepAliveCount is null)
            return config;
        config = config with
        {
            NoDelay = NoDelay ?? config.NoDelay,
            CongestionControl = CongestionControl ?? config.CongestionControl,
            Ecn = Ecn ?? config.Ecn,
            SendBufferSize = SendBufferSize ?? config.SendBufferSize,
            ReceiveBufferSize = ReceiveBufferSize ?? config.ReceiveBufferSize,
            KeepAlive = KeepAlive ?? config.KeepAlive,
            KeepAliveIdle = KeepAliveIdle ?? config.KeepAliveIdle,
            KeepAliveInterval = KeepAliveInterval ?? config.KeepAliveInterval,
            KeepAliveCount = KeepAliveCount ?? config.KeepAliveCount,
        };
        config.Validate();
        return config;
    }
}
