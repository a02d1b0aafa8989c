using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Teeceepee.Sockets;

namespace Teeceepee.AspNetCore;

/// <summary>
/// A Kestrel connection over a <see cref="TcpConnection"/>: two pipes and two pumps, one receiving
/// straight into the application's input pipe, one queuing the output pipe's blocks straight into the
/// send buffer. The pumps' continuations run inline on the stack's loop (the connection is made with
/// <see cref="TcpConnectionOptions.UnsafeInlineCompletions"/>): they only move pipe blocks, never run
/// application code. The application completing its output half-closes the connection (FIN);
/// <see cref="Abort"/> resets it.
/// </summary>
internal sealed class TeeceepeeConnectionContext : ConnectionContext,
    IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IConnectionLifetimeFeature, IConnectionEndPointFeature
{
    private const int MinimumSegmentSize = 4096;
    private const int OutputSegmentSize = OutputBlockPool.BlockSize;
    private const int MaxSendChunk = 256 * 1024;

    private readonly TcpConnection _connection;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly CancellationTokenSource _closed = new();
    private readonly FeatureCollection _features = new();
    private Task _receiving = Task.CompletedTask;
    private Task _sending = Task.CompletedTask;
    private IDictionary<object, object?>? _items;
    private volatile bool _aborted;
    private int _closedSignalled;

    public TeeceepeeConnectionContext(TcpConnection connection, string id, TeeceepeeTransportOptions options, MemoryPool<byte> pool, OutputBlockPool outputPool)
    {
        _connection = connection;
        ConnectionId = id;
        LocalEndPoint = connection.LocalEndPoint;
        RemoteEndPoint = connection.RemoteEndPoint;
        // The pumps are our own short code and may run inline (on the stack's loop thread or in Kestrel's flush);
        // the application's side always continues on the thread pool, never on the loop.
        _input = new Pipe(new PipeOptions(pool, readerScheduler: PipeScheduler.ThreadPool, writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: options.MaxReadBufferSize, resumeWriterThreshold: options.MaxReadBufferSize / 2, minimumSegmentSize: MinimumSegmentSize, useSynchronizationContext: false));
        // The output pipe takes 64 KiB blocks from the transport's own pool (Kestrel's pool has 4 KiB blocks only): a
        // response body then costs one pipe segment per 64 KiB instead of sixteen, and each send walks fewer blocks.
        _output = new Pipe(new PipeOptions(outputPool, readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.ThreadPool,
            pauseWriterThreshold: options.MaxWriteBufferSize, resumeWriterThreshold: options.MaxWriteBufferSize / 2, minimumSegmentSize: OutputSegmentSize, useSynchronizationContext: false));
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        ConnectionClosed = _closed.Token;
        _features.Set<IConnectionIdFeature>(this);
        _features.Set<IConnectionTransportFeature>(this);
        _features.Set<IConnectionItemsFeature>(this);
        _features.Set<IConnectionLifetimeFeature>(this);
        _features.Set<IConnectionEndPointFeature>(this);
    }

    /// <inheritdoc />
    public override string ConnectionId { get; set; }

    /// <inheritdoc />
    public override IFeatureCollection Features => _features;

    /// <inheritdoc />
    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>(); // made on first use: an idle connection stays small
        set => _items = value;
    }

    /// <inheritdoc />
    public override IDuplexPipe Transport { get; set; }

    /// <inheritdoc />
    public override CancellationToken ConnectionClosed { get; set; }

    /// <inheritdoc />
    public override EndPoint? LocalEndPoint { get; set; }

    /// <inheritdoc />
    public override EndPoint? RemoteEndPoint { get; set; }

    /// <summary>Starts both pumps.</summary>
    public void Start()
    {
        _receiving = Task.Run(ReceiveLoopAsync);
        _sending = Task.Run(SendLoopAsync);
    }

    private async Task ReceiveLoopAsync()
    {
        var writer = _input.Writer;
        Exception? error = null;
        bool waitFirst = true;
        try
        {
            while (true)
            {
                // An idle connection holds no pipe memory: wait for data with a zero-byte receive, then take a
                // block. After a receive that filled its block more is probably queued: read again at once.
                if (waitFirst)
                    await _connection.ReceiveAsync(Memory<byte>.Empty).ConfigureAwait(false);
                var memory = writer.GetMemory(MinimumSegmentSize);
                int n = await _connection.ReceiveAsync(memory).ConfigureAwait(false);
                if (n == 0)
                    break;
                writer.Advance(n);
                waitFirst = n < memory.Length;
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                    break;
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            error = new ConnectionResetException(e.Message, e);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted || _aborted)
        {
            error = new ConnectionAbortedException("The connection was aborted.", e);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            error = new IOException(e.Message, e);
        }
        await writer.CompleteAsync(error).ConfigureAwait(false);
    }

    private async Task SendLoopAsync()
    {
        var reader = _output.Reader;
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled)
                    break;
                var buffer = result.Buffer;
                // The pipe's blocks go straight into the send buffer, one loop command per chunk (no gather
                // copy); a chunk no larger than the send buffer is consumed as soon as it is queued, so the
                // application writes the next while TCP sends this one.
                var chunk = buffer.Length > MaxSendChunk ? buffer.Slice(0, MaxSendChunk) : buffer;
                if (!chunk.IsEmpty)
                    await _connection.SendAsync(chunk).ConfigureAwait(false);
                reader.AdvanceTo(chunk.End);
                if (result.IsCompleted && chunk.Length == buffer.Length)
                    break;
            }
            // The application is done writing: FIN after the queued data (RFC 9293 §3.10.4).
            if (!_aborted)
                _connection.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            error = e;
        }
        await reader.CompleteAsync(error).ConfigureAwait(false);
        // Nothing more can be sent: let Kestrel's input side know too.
        _input.Reader.CancelPendingRead();
        SignalClosed();
    }

    private void SignalClosed()
    {
        if (Interlocked.Exchange(ref _closedSignalled, 1) != 0)
            return;
        ThreadPool.UnsafeQueueUserWorkItem(static state => ((CancellationTokenSource)state!).Cancel(), _closed);
    }

    /// <inheritdoc />
    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (_aborted)
            return;
        _aborted = true;
        _connection.Abort();
        _output.Reader.CancelPendingRead();
        SignalClosed();
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        await _input.Reader.CompleteAsync().ConfigureAwait(false);
        // The pumps may end on the stack's loop thread: never continue Kestrel's teardown there.
        await _sending.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        // A receive still waiting ends when the connection closes.
        await _connection.DisposeAsync().ConfigureAwait(false);
        await _receiving.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        SignalClosed();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    CancellationToken IConnectionLifetimeFeature.ConnectionClosed
    {
        get => ConnectionClosed;
        set => ConnectionClosed = value;
    }

    void IConnectionLifetimeFeature.Abort() => Abort(new ConnectionAbortedException("The connection was aborted by the application."));

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
