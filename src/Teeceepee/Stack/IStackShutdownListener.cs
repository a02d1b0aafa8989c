namespace Teeceepee.Stack;

/// <summary>
/// Loop-side state of a layer above the stack (the socket API) that must hear when the stack
/// goes away, so that calls parked in it fail instead of waiting for ever. The stack knows only
/// this interface, never the layer (dependencies point one way: Stack ← Sockets).
/// </summary>
internal interface IStackShutdownListener
{
    /// <summary>The stack is shutting down (disposed, or its loop failed): fail every parked call with <paramref name="error"/>.</summary>
    void OnStackShutdown(Exception error);
}
