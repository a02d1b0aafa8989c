using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using Teeceepee.Cli.Curl;
using Teeceepee.Cli.Network;

namespace Teeceepee.Cli.Commands;

/// <summary>
/// Performs one <c>curl</c> operation (with redirects) with <see cref="HttpClient"/> on an
/// <see cref="INetwork"/>'s handler: the network connects, .NET speaks HTTP/1.1, HTTP/2 and TLS.
/// Failures become <see cref="CliException"/>s with curl's exit codes.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The output file lives for one RunAsync call, which disposes it.")]
internal sealed partial class CurlRunner
{
    private const int BufferSize = 64 * 1024;

    private readonly INetwork _network;
    private readonly CurlOptions _options;
    private readonly Stream _stdout;
    private readonly TextWriter _stderr;
    private readonly bool _stdoutIsTerminal;
    private readonly Dictionary<string, IPAddress> _resolved = new(StringComparer.OrdinalIgnoreCase);
    private readonly TransferInfo _info = new();
    private long _start;
    private CliException? _failure;
    private Stream? _file;
    private (HttpRequestMessage Request, byte[]? Body)? _pendingHead;

    public CurlRunner(INetwork network, CurlOptions options, Stream stdout, TextWriter? stderr = null, bool stdoutIsTerminal = true)
    {
        _network = network;
        _options = options;
        _stdout = stdout;
        _stderr = stderr ?? TextWriter.Null;
        _stdoutIsTerminal = stdoutIsTerminal;
    }

    /// <summary>What the transfer did (for -w and tests).</summary>
    public TransferInfo Info => _info;

    private TimeSpan Elapsed => Stopwatch.GetElapsedTime(_start);

    /// <summary>Runs the operation; returns the exit code of a completed transfer, throws <see cref="CliException"/> otherwise (after printing -w).</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        _start = Stopwatch.GetTimestamp();
        using var overall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_options.MaxTime is { } maxTime)
            overall.CancelAfter(maxTime);
        try
        {
            try
            {
                if (_options.TcpFastOpen)
                    await LoadFastOpenCookiesAsync(overall.Token).ConfigureAwait(false);
                int code = await TransferAsync(overall.Token).ConfigureAwait(false);
                await WriteOutAsync(code).ConfigureAwait(false);
                return code;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && overall.IsCancellationRequested)
            {
                throw _failure ?? new CliException(ExitCodes.Timeout, $"operation timed out after {Milliseconds(Elapsed)} ms with {_info.SizeDownload} bytes received");
            }
        }
        catch (CliException e)
        {
            await WriteOutAsync(e.ExitCode).ConfigureAwait(false);
            throw;
        }
        finally
        {
            if (_options.TcpFastOpen)
                await SaveFastOpenCookiesAsync().ConfigureAwait(false);
            if (_file is not null && _file != _stdout)
                await _file.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>--tcp-fastopen: the cookies of earlier runs go into the stack's cache (the kernel's curl has the kernel's).</summary>
    private async Task LoadFastOpenCookiesAsync(CancellationToken cancellationToken)
    {
        foreach (var (server, cookie) in FastOpenCookieFile.Read(FastOpenCookieFile.DefaultPath()))
            await _network.AddFastOpenCookieAsync(server, cookie, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>--tcp-fastopen: keeps the cookies servers gave in this run for the next.</summary>
    private async Task SaveFastOpenCookiesAsync()
    {
        try
        {
            var cookies = await _network.GetFastOpenCookiesAsync(CancellationToken.None).ConfigureAwait(false);
            if (cookies.Count > 0 && !FastOpenCookieFile.Merge(FastOpenCookieFile.DefaultPath(), cookies))
                Verbose($"could not write the Fast Open cookies to {FastOpenCookieFile.DefaultPath()}", "* ");
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            // The stack already stopped (a failed run): nothing to keep.
        }
    }

    private async Task<int> TransferAsync(CancellationToken cancellationToken)
    {
        using var handler = CreateHandler();
        using var client = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var url = _options.Url;
        string method = _options.Method;
        byte[]? body = _options.Body;
        for (int redirects = 0; ; redirects++)
        {
            _info.UrlEffective = url.AbsoluteUri;
            ApplyResolveEntry(url);
            using var request = CreateRequest(url, method, body);
            // -v: the head is printed once connected (or, on a kept-alive connection, once sent).
            _pendingHead = (request, body);
            using var response = await SendAsync(client, request, cancellationToken).ConfigureAwait(false);
            if (_pendingHead is not null)
                Verbose($"Re-using existing connection with host {url.Host}", "* ");
            FlushPendingHead();
            _info.TimeStartTransfer = Elapsed;
            _info.HttpCode = (int)response.StatusCode;
            _info.HttpVersion = response.Version.Major >= 2 ? "2" : $"{response.Version.Major}.{response.Version.Minor}";
            _info.ContentType = response.Content.Headers.ContentType?.ToString();
            string head = FormatResponseHead(response);
            Verbose(head, "< ");

            var location = response.Headers.Location;
            if (_options.FollowRedirects && (int)response.StatusCode is 301 or 302 or 303 or 307 or 308 && location is not null)
            {
                if (redirects >= _options.MaxRedirects)
                    throw new CliException(ExitCodes.TooManyRedirects, $"maximum ({_options.MaxRedirects}) redirects followed");
                if (_options.IncludeHeaders || _options.HeadersOnly)
                    await WriteAsync(OpenOutput(), Encoding.Latin1.GetBytes(head), cancellationToken).ConfigureAwait(false);
                // Read the redirect's body to its end so the connection can carry the next request (keep-alive).
                await DrainAsync(response, cancellationToken).ConfigureAwait(false);
                var next = new Uri(url, location);
                if (next.Scheme is not ("http" or "https"))
                    throw new CliException(ExitCodes.Failure, $"redirect to protocol \"{next.Scheme}\" is not supported");
                // curl: 303 turns everything but HEAD into GET; 301/302 turn POST into GET; 307/308 keep method and body.
                if ((int)response.StatusCode == 303 && method != "HEAD" || (int)response.StatusCode is 301 or 302 && method == "POST")
                {
                    method = "GET";
                    body = null;
                }
                Verbose($"Issue another request to this URL: '{next.AbsoluteUri}'", "* ");
                _info.Redirects = redirects + 1;
                url = next;
                continue;
            }

            if (_options.Fail && (int)response.StatusCode >= 400)
                throw new CliException(ExitCodes.HttpError, $"the requested URL returned error: {(int)response.StatusCode}");

            var destination = OpenOutput();
            if (_options.HeadersOnly || _options.IncludeHeaders)
                await WriteAsync(destination, Encoding.Latin1.GetBytes(head), cancellationToken).ConfigureAwait(false);
            if (!(_options.HeadersOnly && method == "HEAD"))
                await CopyBodyAsync(response, _options.HeadersOnly ? null : destination, cancellationToken).ConfigureAwait(false);
            await FlushAsync(destination, cancellationToken).ConfigureAwait(false);
            _info.TimeTotal = Elapsed;
            Verbose($"Connection to host {url.Host} left intact", "* ");
            return ExitCodes.Ok;
        }
    }

    private HttpRequestMessage CreateRequest(Uri url, string method, byte[]? body)
    {
        var (version, policy) = (_options.HttpVersion, url.Scheme) switch
        {
            (CurlHttpVersion.Http11, _) => (HttpVersion.Version11, HttpVersionPolicy.RequestVersionExact),
            (CurlHttpVersion.Http2, "http") => (HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact),
            (CurlHttpVersion.Http2 or CurlHttpVersion.Default, "https") => (HttpVersion.Version20, HttpVersionPolicy.RequestVersionOrLower),
            _ => (HttpVersion.Version11, HttpVersionPolicy.RequestVersionOrLower),
        };
        var request = new HttpRequestMessage(new HttpMethod(method), url) { Version = version, VersionPolicy = policy };
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        }
        var defaults = new List<KeyValuePair<string, string>> { new("User-Agent", _options.UserAgent), new("Accept", "*/*") };
        if (_options.User is { } user)
            defaults.Add(new("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user))));
        if (_options.Range is { } range)
            defaults.Add(new("Range", "bytes=" + range));
        foreach (var header in defaults)
        {
            if (!_options.Headers.Any(h => string.Equals(h.Key, header.Key, StringComparison.OrdinalIgnoreCase)))
                request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
        foreach (var (name, value) in _options.Headers)
        {
            // curl: "Name:" with nothing after it removes the header.
            if (value.Length == 0)
            {
                request.Headers.Remove(name);
                request.Content?.Headers.Remove(name);
                continue;
            }
            if (request.Content is not null && name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                request.Content.Headers.Remove(name);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }
        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw _failure ?? MapRequestError(e, request.RequestUri!);
        }
    }

    private async Task CopyBodyAsync(HttpResponseMessage response, Stream? destination, CancellationToken cancellationToken)
    {
        long? length = response.Content.Headers.ContentLength;
        var meter = CreateMeter(destination);
        meter?.SetTotal(length);
        meter?.Start();
        long received = 0;
        var buffer = new byte[BufferSize];
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            while (true)
            {
                int n;
                try
                {
                    n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
                {
                    throw MapBodyError(e, length, received);
                }
                if (n == 0)
                    break;
                received += n;
                _info.SizeDownload = received;
                if (destination is not null)
                    await WriteAsync(destination, buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                meter?.Add(n);
            }
        }
        finally
        {
            meter?.Finish();
        }
    }

    // curl shows its meter when the body does not go to the terminal, unless -s; -# draws the bar instead.
    private ProgressMeter? CreateMeter(Stream? destination)
    {
        if (_options.Silent || destination is null)
            return null;
        bool toTerminal = destination == _stdout && _stdoutIsTerminal;
        return toTerminal && !_options.ProgressBar ? null : new ProgressMeter(_stderr, _options.ProgressBar);
    }

    private static async Task DrainAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await body.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            // The next request opens a new connection.
        }
    }

    private async Task WriteOutAsync(int exitCode)
    {
        if (_options.WriteOut is not { } format)
            return;
        if (_info.TimeTotal == TimeSpan.Zero)
            _info.TimeTotal = Elapsed;
        _info.ExitCode = exitCode;
        try
        {
            await _stdout.WriteAsync(Encoding.UTF8.GetBytes(WriteOut.Format(format, _info, _stderr))).ConfigureAwait(false);
            await _stdout.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Standard output is gone; the exit code still tells.
        }
    }

    private string OutputName => _file is not null && _file != _stdout ? OutputPath ?? "the output file" : "standard output";

    private string? OutputPath => _options.RemoteName ? CurlUrl.RemoteName(_options.Url) : _options.OutputFile is null or "-" ? null : _options.OutputFile;

    private Stream OpenOutput()
    {
        if (_file is not null)
            return _file;
        if (_options.RemoteName && CurlUrl.RemoteName(_options.Url) is null)
            throw new CliException(ExitCodes.WriteError, "remote file name has no length: -O needs a URL that ends in a file name");
        string? path = OutputPath;
        if (path is null)
            return _file = _stdout;
        try
        {
            return _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, BufferSize, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.WriteError, $"cannot open output file {path}: {e.Message}");
        }
    }

    private async ValueTask WriteAsync(Stream destination, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            await destination.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new CliException(ExitCodes.WriteError, $"failed writing the body to {OutputName}: {e.Message}");
        }
    }

    private async ValueTask FlushAsync(Stream destination, CancellationToken cancellationToken)
    {
        try
        {
            await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new CliException(ExitCodes.WriteError, $"failed writing the body to {OutputName}: {e.Message}");
        }
    }

    /// <summary>The status line and headers as curl prints them for -i and -I (HTTP/2: "HTTP/2 200").</summary>
    internal static string FormatResponseHead(HttpResponseMessage response)
    {
        var text = new StringBuilder(256);
        text.Append(response.Version.Major >= 2
            ? string.Create(CultureInfo.InvariantCulture, $"HTTP/2 {(int)response.StatusCode} \r\n")
            : string.Create(CultureInfo.InvariantCulture, $"HTTP/{response.Version.Major}.{response.Version.Minor} {(int)response.StatusCode} {response.ReasonPhrase}\r\n"));
        foreach (var header in response.Headers.NonValidated)
        {
            foreach (var value in header.Value)
                text.Append(header.Key).Append(": ").Append(value).Append("\r\n");
        }
        foreach (var header in response.Content.Headers.NonValidated)
        {
            foreach (var value in header.Value)
                text.Append(header.Key).Append(": ").Append(value).Append("\r\n");
        }
        text.Append("\r\n");
        return text.ToString();
    }

    private static string Milliseconds(TimeSpan time) => ((long)time.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}
