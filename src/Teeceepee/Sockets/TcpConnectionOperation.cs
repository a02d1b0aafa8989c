using System.Net.Sockets;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;

namespace Teeceepee.Sockets;

/// <summary>
/// What the data operations on one connection share (<see cref="TcpReceiveOperation"/>,
/// <see cref="TcpPooledReceiveOperation"/>, <see cref="TcpSendOperation"/>): the connection they run on, started
/// with its completion mode (<see cref="TcpConnectionCore.InlineCompletions"/>), and errors reported as a socket's or,
/// for a <see cref="TcpStream"/>, as a stream's. The awaitable itself, cancellation and completion from the loop are
/// <see cref="LoopOperation{TResult}"/>'s; objects are pooled, so a call allocates nothing.
/// </summary>
internal abstract class TcpConnectionOperation<TResult> : LoopOperation<TResult>
{
    private bool _stream;

    /// <summary>The connection, between <see cref="Start(NetworkStack, TcpConnectionCore, bool, CancellationToken)"/> and the result's read.</summary>
    protected TcpConnectionCore? Core { get; private set; }

    /// <summary>Posts the operation for <paramref name="core"/>; <paramref name="stream"/>: fail as a stream does (<see cref="IOException"/>).</summary>
    protected ValueTask<TResult> Start(NetworkStack stack, TcpConnectionCore core, bool stream, CancellationToken cancellationToken)
    {
        Core = core;
        _stream = stream;
        return Start(stack, core.InlineCompletions, cancellationToken);
    }

    /// <summary>Fails with <paramref name="error"/> as this call reports it (loop thread).</summary>
    protected void Fail(SocketError error) => Fail(TcpSocketErrors.Create(error, _stream));

    /// <inheritdoc />
    protected override void ResetState() => Core = null;
}
