using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Teeceepee.Cli.Http;
using Teeceepee.Cli.Network;

namespace Teeceepee.Cli.Commands;

/// <summary>Performs one <c>curl</c> transfer (with redirects) on an <see cref="INetwork"/>; failures become <see cref="CliException"/>s with curl's exit codes.</summary>
internal sealed class CurlRunner
{
    private readonly INetwork _network;
    private readonly CurlOptions _options;
    private readonly Stream _stdout;

    public CurlRunner(INetwork network, CurlOptions options, Stream stdout)
    {
        _network = network;
        _options = options;
        _stdout = stdout;
    }

    /// <summary>Runs the transfer; returns the exit code for a completed transfer.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        using var overall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_options.MaxTime is { } maxTime)
            overall.CancelAfter(maxTime);
        try
        {
            return await TransferAsync(overall.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && overall.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Timeout, $"operation timed out after {Milliseconds(start)} ms");
        }
    }

    private async Task<int> TransferAsync(CancellationToken cancellationToken)
    {
        var url = _options.Url;
        string method = _options.Method;
        byte[]? body = _options.Body;
        Stream? file = null;
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            for (int redirects = 0; ; redirects++)
            {
                var address = await ResolveAsync(url, cancellationToken).ConfigureAwait(false);
                await using var connection = await ConnectAsync(new IPEndPoint(address, url.Port), cancellationToken).ConfigureAwait(false);
                var request = new HttpRequestSpec(method, url, _options.Headers, body);
                await SendAsync(connection, request, cancellationToken).ConfigureAwait(false);

                using var reader = new HttpBufferedReader(connection.Stream);
                var head = await ReadHeadAsync(reader, cancellationToken).ConfigureAwait(false);

                if (_options.FollowRedirects && head.StatusCode is 301 or 302 or 303 or 307 or 308 && head.Headers.Get("Location") is { } location)
                {
                    if (redirects >= _options.MaxRedirects)
                        throw new CliException(ExitCodes.TooManyRedirects, $"maximum ({_options.MaxRedirects}) redirects followed");
                    if (!url.TryResolve(location, out var next, out int code, out var error))
                        throw new CliException(code, error);
                    // curl: 303 always becomes GET; 301/302 turn POST into GET; 307/308 keep the method and body.
                    if (head.StatusCode == 303 && method != "HEAD" || head.StatusCode is 301 or 302 && method == "POST")
                    {
                        method = "GET";
                        body = null;
                    }
                    url = next;
                    continue;
                }

                if (_options.Fail && head.StatusCode >= 400)
                    throw new CliException(ExitCodes.HttpError, $"the requested URL returned error: {head.StatusCode}");

                var destination = file ??= OpenOutput();
                if (_options.HeadersOnly || _options.IncludeHeaders)
                    await WriteOutputAsync(destination, System.Text.Encoding.Latin1.GetBytes(head.RawText), cancellationToken).ConfigureAwait(false);
                if (_options.HeadersOnly && method == "HEAD")
                    return ExitCodes.Ok;

                try
                {
                    var framing = head.GetFraming(method, out long length);
                    await HttpBody.CopyAsync(reader, framing, length, _options.HeadersOnly ? null : destination, buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (BodyEndedEarlyException e)
                {
                    throw new CliException(ExitCodes.PartialFile, e.Message);
                }
                catch (BodyWriteException e)
                {
                    throw new CliException(ExitCodes.WriteError, $"failed writing the body to {OutputName}: {e.Message}");
                }
                catch (HttpParseException e)
                {
                    throw new CliException(ExitCodes.WeirdServerReply, $"weird server reply: {e.Message}");
                }
                catch (IOException e)
                {
                    throw new CliException(ExitCodes.ReceiveError, $"failure receiving data from the server: {Describe(e)}");
                }
                await FlushOutputAsync(destination, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (file is not null && file != _stdout)
                await file.DisposeAsync().ConfigureAwait(false);
        }
    }

    private string OutputName => _options.OutputFile is null or "-" ? "standard output" : _options.OutputFile;

    private Stream OpenOutput()
    {
        if (_options.OutputFile is null or "-")
            return _stdout;
        try
        {
            return new FileStream(_options.OutputFile, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.WriteError, $"cannot open output file {_options.OutputFile}: {e.Message}");
        }
    }

    private async ValueTask WriteOutputAsync(Stream destination, byte[] data, CancellationToken cancellationToken)
    {
        try
        {
            await destination.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new CliException(ExitCodes.WriteError, $"failed writing to {OutputName}: {e.Message}");
        }
    }

    private async ValueTask FlushOutputAsync(Stream destination, CancellationToken cancellationToken)
    {
        try
        {
            await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new CliException(ExitCodes.WriteError, $"failed writing to {OutputName}: {e.Message}");
        }
    }

    private async ValueTask<IPAddress> ResolveAsync(HttpUrl url, CancellationToken cancellationToken)
    {
        foreach (var entry in _options.Resolve)
        {
            if (entry.Matches(url.Host, url.Port))
                return entry.Address;
        }
        try
        {
            return await _network.ResolveAsync(url.Host, cancellationToken).ConfigureAwait(false);
        }
        catch (NameResolutionException e)
        {
            string hint = e.DnsUnavailable ? "; use --resolve NAME:PORT:ADDR" : "";
            throw new CliException(ExitCodes.CouldNotResolve, $"could not resolve host: {url.Host} ({e.Message}{hint})");
        }
    }

    private async ValueTask<IConnection> ConnectAsync(IPEndPoint remote, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_options.ConnectTimeout is { } timeout)
            connectTimeout.CancelAfter(timeout);
        try
        {
            return await _network.ConnectAsync(remote, connectTimeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && connectTimeout.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Timeout, $"connection to {remote.Address} port {remote.Port} timed out after {Milliseconds(start)} ms");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            throw new CliException(ExitCodes.Timeout, $"connection to {remote.Address} port {remote.Port} timed out after {Milliseconds(start)} ms");
        }
        catch (SocketException e)
        {
            throw new CliException(ExitCodes.CouldNotConnect, $"failed to connect to {remote.Address} port {remote.Port} after {Milliseconds(start)} ms: {Describe(e.SocketErrorCode)}");
        }
    }

    private static async ValueTask SendAsync(IConnection connection, HttpRequestSpec request, CancellationToken cancellationToken)
    {
        try
        {
            await connection.Stream.WriteAsync(request.EncodeHead(), cancellationToken).ConfigureAwait(false);
            if (request.Body is { Length: > 0 } body)
                await connection.Stream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
            await connection.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new CliException(ExitCodes.SendError, $"failure sending the request: {Describe(e)}");
        }
    }

    private static async ValueTask<HttpResponseHead> ReadHeadAsync(HttpBufferedReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await HttpResponseHead.ReadAsync(reader, cancellationToken).ConfigureAwait(false)
                ?? throw new CliException(ExitCodes.EmptyReply, "empty reply from server");
        }
        catch (HttpParseException e)
        {
            throw new CliException(ExitCodes.WeirdServerReply, $"weird server reply: {e.Message}");
        }
        catch (IOException e)
        {
            throw new CliException(ExitCodes.ReceiveError, $"failure receiving data from the server: {Describe(e)}");
        }
    }

    private static string Milliseconds(long start) => ((long)Stopwatch.GetElapsedTime(start).TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    /// <summary>A lower-case phrase for a socket error.</summary>
    public static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.ConnectionReset => "connection reset by peer",
        SocketError.HostUnreachable => "no route to host",
        SocketError.NetworkUnreachable => "network is unreachable",
        SocketError.TimedOut => "timed out",
        SocketError.ConnectionAborted => "connection aborted",
        SocketError.AddressNotAvailable => "address not available",
        _ => error.ToString(),
    };

    /// <summary>A lower-case phrase for an I/O failure on a connection.</summary>
    public static string Describe(IOException e) => e.InnerException is SocketException s ? Describe(s.SocketErrorCode) : e.Message;
}
