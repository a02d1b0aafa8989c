using System.Net.Sockets;
using Teeceepee.Stack;
using Teeceepee.Tcp;

namespace Teeceepee.Sockets;

/// <summary>
/// A receive parked on a connection until data, the end or an error is there (loop thread): it polls the TCB's
/// receive ring when the connection is served, and while it waits, arriving in-order text is copied straight from the
/// segments into its memory (<see cref="TakeText"/>), every segment of one poll that fits; the receive completes once
/// that poll's segments are done. Where the memory comes from is the subclass's: the caller's
/// (<see cref="TcpReceiveOperation"/>) or an array rented when bytes are there (<see cref="TcpPooledReceiveOperation"/>).
/// </summary>
internal abstract class TcpReceiveOperationBase<TResult> : TcpConnectionOperation<TResult>, ITcpReceiveWaiter
{
    private int _filled; // bytes TakeText copied in this poll, not yet completed

    /// <summary>Starts a receive on <paramref name="core"/> with nothing taken yet.</summary>
    protected ValueTask<TResult> StartReceive(NetworkStack stack, TcpConnectionCore core, bool stream, CancellationToken cancellationToken)
    {
        _filled = 0;
        return Start(stack, core, stream, cancellationToken);
    }

    /// <summary>
    /// The memory after the <paramref name="filled"/> bytes taken so far. <paramref name="bytesWaiting"/>: bytes are there
    /// to take now, so memory that is only lent when needed (a rented array) may be taken; without them an operation that
    /// holds none yet returns an empty span.
    /// </summary>
    protected abstract Span<byte> Room(int filled, bool bytesWaiting);

    /// <summary>Completes with the first <paramref name="length"/> bytes of the memory (0: the end of the stream).</summary>
    protected abstract void CompleteWith(int length);

    /// <summary>Gives back memory held for nothing (the receive parks or fails with none taken).</summary>
    protected virtual void ReleaseRoom()
    {
    }

    /// <inheritdoc />
    protected sealed override void Run(NetworkStack stack, Instant now) => Core!.Receive(this);

    /// <inheritdoc />
    public bool TryComplete(TcpConnectionCore core)
    {
        if (!IsPending)
            return true;
        // Anything the ring got after the text taken straight (the rest of a segment, a filled hole) follows it.
        // CanReceive counts in-order bytes only, so memory taken for them always receives at least one byte.
        bool bytesWaiting = !core.Closed && !core.ReceiveShutdown && core.Tcb is { CanReceive: true };
        var error = TcpReceiveOperation.Poll(core, Room(_filled, bytesWaiting), out int n);
        if (error == SocketError.Success || _filled > 0)
        {
            // Bytes already taken off the stream are delivered first; an error shows on the next call.
            CompleteWith(_filled + (error == SocketError.Success ? n : 0));
            return true;
        }
        ReleaseRoom();
        if (error == SocketError.WouldBlock)
            return false;
        Fail(error);
        return true;
    }

    /// <inheritdoc />
    public int TakeText(ReadOnlySpan<byte> text)
    {
        if (!IsPending || text.IsEmpty)
            return 0;
        var room = Room(_filled, bytesWaiting: true);
        int n = Math.Min(text.Length, room.Length);
        if (n <= 0)
            return 0;
        text[..n].CopyTo(room);
        _filled += n;
        return n;
    }

    /// <inheritdoc />
    protected override void Unpark(NetworkStack stack)
    {
        Core?.RemoveReceiver(this);
        // Cancelled after it took bytes off the stream in this poll: they are the caller's, so it completes with them.
        if (_filled > 0)
            CompleteWith(_filled);
        else
            ReleaseRoom();
    }

    /// <inheritdoc />
    protected override void ResetState()
    {
        base.ResetState();
        _filled = 0;
    }
}
