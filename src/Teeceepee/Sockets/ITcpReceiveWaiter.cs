namespace Teeceepee.Sockets;

/// <summary>
/// A receive parked on a <see cref="TcpConnectionCore"/> (loop thread): into the caller's memory
/// (<see cref="TcpReceiveOperation"/>) or into a buffer rented when data arrives (<see cref="TcpPooledReceiveOperation"/>).
/// </summary>
internal interface ITcpReceiveWaiter
{
    /// <summary>Completes the receive if it can complete now; false leaves it parked.</summary>
    bool TryComplete(TcpConnectionCore core);

    /// <summary>
    /// Copies a prefix of in-order <paramref name="text"/> from an arriving segment into the receive's memory without
    /// completing it: later segments of the same poll append, and <see cref="TryComplete"/> completes it once the poll's
    /// segments are done. Returns the bytes taken (0: a zero-length receive, or its memory is full).
    /// </summary>
    int TakeText(ReadOnlySpan<byte> text);
}
