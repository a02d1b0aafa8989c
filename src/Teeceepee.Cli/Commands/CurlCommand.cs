using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using Teeceepee.Cli.Curl;
using Teeceepee.Cli.Options;

namespace Teeceepee.Cli.Commands;

/// <summary><c>teeceepee curl URL</c>: HttpClient over the stack (HTTP/1.1, HTTP/2, TLS), with curl's options, output and exit codes.</summary>
internal static class CurlCommand
{
    public const string Name = "curl";

    private static readonly System.Buffers.SearchValues<char> s_rangeCharacters = System.Buffers.SearchValues.Create("0123456789-,");

    private sealed class Definition
    {
        public readonly Argument<string> Url = new("URL") { Description = "http:// or https:// URL to fetch (no scheme means http://)" };
        public readonly Option<string?> Output = new("--output", "-o") { Description = "Write the body to FILE instead of standard output", HelpName = "FILE" };
        public readonly Option<bool> RemoteName = new("--remote-name", "-O") { Description = "Write the body to a file named like the URL's last path segment" };
        public readonly Option<bool> Head = new("--head", "-I") { Description = "Send HEAD and print the response headers only" };
        public readonly Option<bool> Include = new("--include", "-i") { Description = "Print the response headers before the body" };
        public readonly Option<string?> Request = new("--request", "-X") { Description = "Request method (GET, HEAD, POST, PUT, DELETE, ...)", HelpName = "METHOD" };
        public readonly Option<string[]> Data = new("--data", "-d") { Description = "Send DATA as a POST body (@FILE reads a file; repeated values are joined with &)", HelpName = "DATA", Arity = ArgumentArity.ZeroOrMore };
        public readonly Option<string[]> Header = new("--header", "-H") { Description = "Extra request header 'Name: value' ('Name:' removes a default one)", HelpName = "LINE", Arity = ArgumentArity.ZeroOrMore };
        public readonly Option<bool> Insecure = new("--insecure", "-k") { Description = "Accept any server certificate (https)" };
        public readonly Option<string?> CaCert = new("--cacert") { Description = "Trust the PEM certificates in FILE instead of the system store (https)", HelpName = "FILE" };
        public readonly Option<bool> Http11 = new("--http1.1") { Description = "Use HTTP/1.1" };
        public readonly Option<bool> Http2 = new("--http2") { Description = "Use HTTP/2 (ALPN on https://, prior knowledge on http://)" };
        public readonly Option<bool> Silent = new("--silent", "-s") { Description = "No progress meter and no error messages" };
        public readonly Option<bool> ShowError = new("--show-error", "-S") { Description = "With -s, still print the error message" };
        public readonly Option<bool> Bar = new("--progress-bar", "-#") { Description = "Show a progress bar instead of the meter" };
        public readonly Option<bool> Location = new("--location", "-L") { Description = "Follow redirects (on the same kept-alive connection where possible)" };
        public readonly Option<string?> MaxRedirs = new("--max-redirs") { Description = "Most redirects to follow with -L (default 50)", HelpName = "N" };
        public readonly Option<bool> Fail = new("--fail", "-f") { Description = "Fail with exit code 22 and no output on HTTP errors (400 and up)" };
        public readonly Option<string[]> Resolve = new("--resolve") { Description = "Use ADDR for HOST:PORT instead of resolving it (PORT may be *)", HelpName = "HOST:PORT:ADDR", Arity = ArgumentArity.ZeroOrMore };
        public readonly Option<string?> MaxTime = new("--max-time", "-m") { Description = "Give up on the whole transfer after S seconds (exit 28)", HelpName = "S" };
        public readonly Option<string?> ConnectTimeout = new("--connect-timeout") { Description = "Give up connecting after S seconds (exit 28)", HelpName = "S" };
        public readonly Option<string?> UserAgent = new("--user-agent", "-A") { Description = "User-Agent header (default teeceepee/1.0)", HelpName = "NAME" };
        public readonly Option<string?> User = new("--user", "-u") { Description = "HTTP Basic credentials", HelpName = "USER:PASS" };
        public readonly Option<string?> Range = new("--range", "-r") { Description = "Fetch only these bytes, e.g. 0-499 or 500-", HelpName = "RANGE" };
        public readonly Option<bool> Compressed = new("--compressed") { Description = "Ask for a compressed response (gzip, deflate, br) and decompress it" };
        public readonly Option<string?> WriteOut = new("--write-out", "-w") { Description = "Print FORMAT after the transfer: %{http_code}, %{size_download}, %{time_total}, %{time_connect}, %{time_starttransfer}, %{speed_download}, %{url_effective}, %{remote_ip}, %{remote_port}, %{http_version}, %{num_redirects}, %{content_type}, %{exitcode}, \\n", HelpName = "FORMAT" };
        public readonly Option<bool> TcpFastOpen = new("--tcp-fastopen") { Description = "Send the request in the SYN (TCP Fast Open, RFC 7413) once the server gave a cookie; cookies are kept in ~/.cache/teeceepee/tcp-fastopen" };
        public readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Print curl's * > < lines (connection, request and response heads) on stderr" };

        public Option[] Options => [Output, RemoteName, Head, Include, Request, Data, Header, Insecure, CaCert, Http11, Http2, Silent, ShowError, Bar, Location, MaxRedirs, Fail, Resolve, MaxTime, ConnectTimeout, UserAgent, User, Range, Compressed, WriteOut, TcpFastOpen, Verbose];
    }

    public static Command Create(CliContext context)
    {
        // On curl, -v is curl's own; the stack's trace is --trace-stack.
        var links = new LinkOptionSet(verboseMeansStackTrace: false);
        var d = new Definition();
        var command = new Command(Name, "Fetch a URL through the stack with HttpClient: HTTP/1.1, HTTP/2, https (curl's options, output and exit codes)");
        command.Arguments.Add(d.Url);
        foreach (var option in d.Options)
            command.Options.Add(option);
        links.AddTo(command);

        command.SetAction(async (result, cancellationToken) =>
        {
            bool silent = result.GetValue(d.Silent) && !result.GetValue(d.ShowError);
            // curl -s: no error message either (the exit code still tells); -sS shows it.
            var errors = silent ? TextWriter.Null : context.Error;
            var quietContext = silent ? new CliContext { Out = context.Out, OutStream = context.OutStream, Error = TextWriter.Null, Probe = context.Probe, Networks = context.Networks, OutputIsTerminal = context.OutputIsTerminal } : context;
            return await CliApp.GuardAsync(quietContext, Name, async () =>
            {
                var options = ReadOptions(result, d);
                await using var network = await CommandSupport.OpenNetworkAsync(context, links, result, cancellationToken).ConfigureAwait(false);
                return await new CurlRunner(network, options, context.OutStream, context.Error, context.OutputIsTerminal).RunAsync(cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static CurlOptions ReadOptions(ParseResult result, Definition d)
    {
        if (!CurlUrl.TryParse(result.GetValue(d.Url) ?? "", out var parsed, out int code, out var error))
            throw new CliException(code, error);

        bool headOnly = result.GetValue(d.Head);
        string[] dataValues = result.GetValue(d.Data) ?? [];
        if (headOnly && dataValues.Length > 0)
            throw CliException.Usage("-I (HEAD) and -d (POST) cannot be used together; choose one request method");
        if (result.GetValue(d.Http11) && result.GetValue(d.Http2))
            throw CliException.Usage("--http1.1 and --http2 cannot be used together; choose one HTTP version");
        if (result.GetValue(d.RemoteName) && result.GetValue(d.Output) is not null)
            throw CliException.Usage("-o and -O cannot be used together; choose one output");

        byte[]? body = dataValues.Length > 0 ? ReadData(dataValues) : null;
        string method = headOnly ? "HEAD" : body is not null ? "POST" : "GET";
        string? explicitMethod = result.GetValue(d.Request);
        if (explicitMethod is not null)
        {
            if (!IsToken(explicitMethod))
                throw CliException.Usage($"-X '{explicitMethod}' is not a valid HTTP method");
            method = explicitMethod;
        }

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in result.GetValue(d.Header) ?? [])
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !IsToken(line.AsSpan(0, colon)) || line.AsSpan().IndexOfAny('\r', '\n') >= 0)
                throw CliException.Usage($"-H '{line}' is not a header line 'Name: value'");
            headers.Add(new(line[..colon], line[(colon + 1)..].Trim()));
        }

        var entries = new List<ResolveEntry>();
        foreach (var text in result.GetValue(d.Resolve) ?? [])
        {
            if (!ValueParsers.TryParseResolve(text, out var entry, out var resolveError))
                throw CliException.Usage(resolveError);
            entries.Add(entry);
        }

        string? user = result.GetValue(d.User);
        if (user is not null && !user.Contains(':', StringComparison.Ordinal))
            throw CliException.Usage($"-u '{user}' needs a password: USER:PASS (no prompt here)");
        string? range = result.GetValue(d.Range);
        if (range is not null && (range.Length == 0 || range.AsSpan().IndexOfAnyExcept(s_rangeCharacters) >= 0))
            throw CliException.Usage($"-r '{range}' is not a byte range like 0-499, 500- or -200");
        string? caCert = result.GetValue(d.CaCert);
        if (caCert is not null && !File.Exists(caCert))
            throw new CliException(ExitCodes.CaCertError, $"cannot read the --cacert file {caCert}");

        return new CurlOptions
        {
            Url = parsed,
            Method = method,
            HeadersOnly = headOnly,
            IncludeHeaders = result.GetValue(d.Include),
            OutputFile = result.GetValue(d.Output),
            RemoteName = result.GetValue(d.RemoteName),
            Body = body,
            Headers = headers,
            Resolve = entries,
            MaxTime = CommandSupport.ReadSeconds(result, d.MaxTime),
            ConnectTimeout = CommandSupport.ReadSeconds(result, d.ConnectTimeout),
            FollowRedirects = result.GetValue(d.Location),
            MaxRedirects = CommandSupport.ReadInt(result, d.MaxRedirs, 0, 1000) ?? 50,
            Fail = result.GetValue(d.Fail),
            Insecure = result.GetValue(d.Insecure),
            CaCertFile = caCert,
            HttpVersion = result.GetValue(d.Http11) ? CurlHttpVersion.Http11 : result.GetValue(d.Http2) ? CurlHttpVersion.Http2 : CurlHttpVersion.Default,
            UserAgent = result.GetValue(d.UserAgent) ?? "teeceepee/1.0",
            User = user,
            Range = range,
            Compressed = result.GetValue(d.Compressed),
            TcpFastOpen = result.GetValue(d.TcpFastOpen),
            WriteOut = result.GetValue(d.WriteOut),
            Verbose = result.GetValue(d.Verbose),
            Silent = result.GetValue(d.Silent),
            ShowError = result.GetValue(d.ShowError),
            ProgressBar = result.GetValue(d.Bar),
        };
    }

    // RFC 9110 §5.6.2: token = 1*tchar.
    private static bool IsToken(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
            return false;
        foreach (char c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
                return false;
        }
        return true;
    }

    // curl -d: "@FILE" reads the file (newlines removed, as curl does for -d), values are joined with '&'.
    private static byte[] ReadData(string[] values)
    {
        using var body = new MemoryStream();
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0)
                body.WriteByte((byte)'&');
            string value = values[i];
            byte[] bytes;
            if (value.StartsWith('@'))
            {
                string path = value[1..];
                try
                {
                    bytes = path == "-" ? ReadStandardInput() : File.ReadAllBytes(path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new CliException(ExitCodes.ReadError, $"cannot read -d file {path}: {e.Message}");
                }
                bytes = Array.FindAll(bytes, b => b is not ((byte)'\r' or (byte)'\n'));
            }
            else
            {
                bytes = Encoding.UTF8.GetBytes(value);
            }
            body.Write(bytes);
        }
        return body.ToArray();
    }

    private static byte[] ReadStandardInput()
    {
        using var stdin = Console.OpenStandardInput();
        using var copy = new MemoryStream();
        stdin.CopyTo(copy);
        return copy.ToArray();
    }
}
