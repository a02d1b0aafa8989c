using System.CommandLine;
using System.Text;
using Teeceepee.Cli.Http;
using Teeceepee.Cli.Options;

namespace Teeceepee.Cli.Commands;

/// <summary><c>teeceepee curl URL</c>: an HTTP/1.1 client on the stack, with curl's options and exit codes.</summary>
internal static class CurlCommand
{
    public const string Name = "curl";

    public static Command Create(CliContext context)
    {
        var links = new LinkOptionSet();
        var url = new Argument<string>("URL") { Description = "http:// URL to fetch (no scheme means http://)" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the body to FILE instead of standard output", HelpName = "FILE" };
        var head = new Option<bool>("--head", "-I") { Description = "Send HEAD and print the response headers only" };
        var include = new Option<bool>("--include", "-i") { Description = "Print the response headers before the body" };
        var request = new Option<string?>("--request", "-X") { Description = "Request method (GET, HEAD, POST, PUT, DELETE, ...)", HelpName = "METHOD" };
        var data = new Option<string[]>("--data", "-d") { Description = "Send DATA as a POST body (@FILE reads a file; repeated values are joined with &)", HelpName = "DATA", Arity = ArgumentArity.ZeroOrMore };
        var header = new Option<string[]>("--header", "-H") { Description = "Extra request header line 'Name: value'", HelpName = "LINE", Arity = ArgumentArity.ZeroOrMore };
        var insecure = new Option<bool>("--insecure", "-k") { Description = "Accepted for curl compatibility (no TLS yet, nothing to verify)" };
        var silent = new Option<bool>("--silent", "-s") { Description = "Accepted for curl compatibility (there is no progress meter)" };
        var showError = new Option<bool>("--show-error", "-S") { Description = "Accepted for curl compatibility (errors always go to stderr), so -sS works" };
        var location = new Option<bool>("--location", "-L") { Description = "Follow redirects" };
        var maxRedirs = new Option<string?>("--max-redirs") { Description = "Most redirects to follow with -L (default 50)", HelpName = "N" };
        var fail = new Option<bool>("--fail", "-f") { Description = "Fail with exit code 22 and no output on HTTP errors (400 and up)" };
        var resolve = new Option<string[]>("--resolve") { Description = "Use ADDR for HOST:PORT instead of resolving it (PORT may be *)", HelpName = "HOST:PORT:ADDR", Arity = ArgumentArity.ZeroOrMore };
        var maxTime = new Option<string?>("--max-time", "-m") { Description = "Give up on the whole transfer after S seconds (exit 28)", HelpName = "S" };
        var connectTimeout = new Option<string?>("--connect-timeout") { Description = "Give up connecting after S seconds (exit 28)", HelpName = "S" };

        var command = new Command(Name, "Fetch a URL over HTTP/1.1 through the stack (curl's options and exit codes)");
        command.Arguments.Add(url);
        foreach (var option in new Option[] { output, head, include, request, data, header, insecure, silent, showError, location, maxRedirs, fail, resolve, maxTime, connectTimeout })
            command.Options.Add(option);
        links.AddTo(command);

        command.SetAction((result, cancellationToken) => CliApp.GuardAsync(context, Name, async () =>
        {
            var options = ReadOptions(result, url, output, head, include, request, data, header, location, maxRedirs, fail, resolve, maxTime, connectTimeout);
            await using var network = await CommandSupport.OpenNetworkAsync(context, links, result, cancellationToken).ConfigureAwait(false);
            return await new CurlRunner(network, options, context.OutStream).RunAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }

    private static CurlOptions ReadOptions(ParseResult result, Argument<string> url, Option<string?> output, Option<bool> head, Option<bool> include,
        Option<string?> request, Option<string[]> data, Option<string[]> header, Option<bool> location, Option<string?> maxRedirs, Option<bool> fail,
        Option<string[]> resolve, Option<string?> maxTime, Option<string?> connectTimeout)
    {
        if (!HttpUrl.TryParse(result.GetValue(url) ?? "", out var parsed, out int code, out var error))
            throw new CliException(code, error);

        bool headOnly = result.GetValue(head);
        string[] dataValues = result.GetValue(data) ?? [];
        if (headOnly && dataValues.Length > 0)
            throw CliException.Usage("-I (HEAD) and -d (POST) cannot be used together; choose one request method");

        byte[]? body = dataValues.Length > 0 ? ReadData(dataValues) : null;
        string method = headOnly ? "HEAD" : body is not null ? "POST" : "GET";
        string? explicitMethod = result.GetValue(request);
        if (explicitMethod is not null)
        {
            if (!HttpHeaders.IsToken(explicitMethod))
                throw CliException.Usage($"-X '{explicitMethod}' is not a valid HTTP method");
            method = explicitMethod;
        }

        var headers = new List<string>();
        foreach (var line in result.GetValue(header) ?? [])
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !HttpHeaders.IsToken(line.AsSpan(0, colon)) || line.AsSpan().IndexOfAny('\r', '\n') >= 0)
                throw CliException.Usage($"-H '{line}' is not a header line 'Name: value'");
            headers.Add(line);
        }

        var entries = new List<ResolveEntry>();
        foreach (var text in result.GetValue(resolve) ?? [])
        {
            if (!ValueParsers.TryParseResolve(text, out var entry, out var resolveError))
                throw CliException.Usage(resolveError);
            entries.Add(entry);
        }

        return new CurlOptions
        {
            Url = parsed,
            Method = method,
            HeadersOnly = headOnly,
            IncludeHeaders = result.GetValue(include),
            OutputFile = result.GetValue(output),
            Body = body,
            Headers = headers,
            Resolve = entries,
            MaxTime = CommandSupport.ReadSeconds(result, maxTime),
            ConnectTimeout = CommandSupport.ReadSeconds(result, connectTimeout),
            FollowRedirects = result.GetValue(location),
            MaxRedirects = CommandSupport.ReadInt(result, maxRedirs, 0, 1000) ?? 50,
            Fail = result.GetValue(fail),
        };
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
