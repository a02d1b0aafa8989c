using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using Teeceepee.Cli.Network;

namespace Teeceepee.Cli.Bench;

/// <summary>
/// The bench servers that close and open, so external tools can drive the states a server that only
/// answers never reaches: close-first (port 5004) writes <c>hello\n</c> and closes first, so the stack
/// goes through FIN-WAIT-1, FIN-WAIT-2 and TIME-WAIT (RFC 9293 §3.6); connect-back (port 5005) reads
/// <c>CONNECT &lt;port&gt;\n</c>, opens a connection from the stack to the client's address at that
/// port (an active open: SYN-SENT), writes <c>hello\n</c> there and closes it first, then answers
/// <c>OK\n</c> (or <c>ERROR &lt;reason&gt;\n</c>) on the first connection and closes that too.
/// </summary>
internal static class BenchClosingServers
{
    /// <summary>What both servers write.</summary>
    public static ReadOnlyMemory<byte> Hello { get; } = "hello\n"u8.ToArray();

    /// <summary>The longest request line connect-back reads.</summary>
    public const int MaxLine = 64;

    /// <summary>Writes hello, sends FIN first, then reads until the peer's FIN so the close completes.</summary>
    public static async Task CloseFirstAsync(IConnection connection, CancellationToken cancellationToken)
    {
        await connection.Stream.WriteAsync(Hello, cancellationToken).ConfigureAwait(false);
        await connection.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        connection.ShutdownSend();
        await DrainAsync(connection.Stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads <c>CONNECT &lt;port&gt;</c>, connects back to the client's address, says hello and closes first there.</summary>
    public static async Task ConnectBackAsync(INetwork network, IConnection connection, TextWriter? log, CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(connection.Stream, cancellationToken).ConfigureAwait(false);
        string answer;
        if (!TryParseConnect(line, out int port))
        {
            answer = "ERROR expected CONNECT <port>\n";
        }
        else
        {
            var remote = new IPEndPoint(connection.RemoteEndPoint.Address, port);
            try
            {
                var back = await network.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
                await using (back.ConfigureAwait(false))
                    await CloseFirstAsync(back, cancellationToken).ConfigureAwait(false);
                answer = "OK\n";
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException)
            {
                log?.WriteLine($"bench-server: connect-back to {remote} failed: {e.Message}");
                answer = $"ERROR {e.Message}\n";
            }
        }
        await connection.Stream.WriteAsync(Encoding.ASCII.GetBytes(answer), cancellationToken).ConfigureAwait(false);
        connection.ShutdownSend();
        await DrainAsync(connection.Stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Parses <c>CONNECT &lt;port&gt;</c> (port 1..65535, case-insensitive verb, CR tolerated).</summary>
    public static bool TryParseConnect(string? line, out int port)
    {
        port = 0;
        if (line is null)
            return false;
        var parts = line.TrimEnd('\r').Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2 && parts[0].Equals("CONNECT", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;
    }

    // One line, octet by octet (the client sends nothing after it); null at FIN or past MaxLine.
    private static async Task<string?> ReadLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxLine];
        int length = 0;
        while (length < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer.AsMemory(length, 1), cancellationToken).ConfigureAwait(false);
            if (n == 0)
                return null;
            if (buffer[length] == (byte)'\n')
                return Encoding.ASCII.GetString(buffer, 0, length);
            length++;
        }
        return null;
    }

    private static async Task DrainAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
