using Teeceepee.Sockets;

namespace Teeceepee.Tests.Sockets;

/// <summary>
/// The suite over a <see cref="Links.MemoryLink"/> pair with <see cref="TcpConnectionOptions.UnsafeInlineCompletions"/>
/// on every connection and listener that names no options: the test code after each await runs on a loop thread.
/// </summary>
public sealed class TcpSocketInlineMemoryLinkTests : TcpSocketSuite
{
    private static readonly TcpConnectionOptions s_inline = new() { UnsafeInlineCompletions = true };

    protected override TcpTestNetwork CreateNetwork() => new MemoryTcpTestNetwork();

    protected override TcpConnectionOptions? BaseOptions => s_inline;
}
