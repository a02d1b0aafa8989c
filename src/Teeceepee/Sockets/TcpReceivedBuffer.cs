using Teeceepee.Tcp;

namespace Teeceepee.Sockets;

/// <summary>
/// What <see cref="TcpConnection.ReceivePooledAsync"/> received: <see cref="Length"/> bytes at the start of an array
/// rented from the stack's buffer pool (the one its receive and send rings come from, trimmed when unused), or nothing
/// at the end of the stream. <see cref="Dispose"/> gives the
/// array back: call it once, after the last use of <see cref="Memory"/>.
/// </summary>
public readonly struct TcpReceivedBuffer : IDisposable
{
    private readonly byte[]? _array;

    internal TcpReceivedBuffer(byte[]? array, int length)
    {
        _array = array;
        Length = array is null ? 0 : length;
    }

    /// <summary>Bytes received; 0 at the peer's FIN (or after receiving was shut down).</summary>
    public int Length { get; }

    /// <summary>True at the end of the stream.</summary>
    public bool IsEndOfStream => Length == 0;

    /// <summary>The received bytes.</summary>
    public ReadOnlyMemory<byte> Memory => _array is null ? default : _array.AsMemory(0, Length);

    /// <summary>The received bytes.</summary>
    public ReadOnlySpan<byte> Span => _array is null ? default : _array.AsSpan(0, Length);

    /// <summary>Returns the array to the pool.</summary>
    public void Dispose()
    {
        if (_array is not null)
            RingPool.Rings.Return(_array);
    }
}
